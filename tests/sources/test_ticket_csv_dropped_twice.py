"""ticket_csv: the same file dropped twice. Left in the folder, it is not read again; dropped
again as a fresh copy (a new modification time, so a new identity) it is read, and nothing in
the store changes; a file changed after its import is a new version and is taken again — on
SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    stored_changes,
    stored_tickets,
    write,
)


def test_same_file_twice(tmp_path: Path, db_url: str) -> None:
    drop = tmp_path / "drop"
    path = write(drop / "export.csv", csv_text([row("A1"), row("A2", status="02 - Pågår")]))
    store = open_store(db_url)
    first = collect(store, config(drop))
    assert (first.batches, first.counts.inserted) == (1, 2)
    before = (stored_tickets(store), stored_changes(store))

    again = collect(store, config(drop))  # still there, unchanged: not a file to read
    assert (again.batches, again.counts.records) == (0, 0)

    copy = tmp_path / "copy.csv"
    shutil.copy(path, copy)
    path.unlink()
    write(drop / "export.csv", copy.read_bytes(), age=10)  # the same content, dropped anew
    third = collect(store, config(drop))
    c = third.counts
    assert (third.batches, c.inserted, c.updated, c.unchanged, c.rejected) == (1, 0, 0, 2, 0)
    after = (stored_tickets(store), stored_changes(store))
    assert [r.id for r in after[0].values()] == [r.id for r in before[0].values()]
    assert after[1] == before[1]  # no status change derived from an unchanged copy
    for ident, stored in after[0].items():
        old = before[0][ident]
        assert {k: v for k, v in stored._mapping.items() if k not in ("last_seen", "run_id")} \
            == {k: v for k, v in old._mapping.items() if k not in ("last_seen", "run_id")}


def test_changed_file_is_a_new_version(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path / "export.csv", csv_text([row("A1", status="02 - Pågår", closed="",
                                                        updated="2020-03-03 10:00")]))
    store = open_store(db_url)
    collect(store, config(tmp_path))
    write(path, csv_text([row("A1")]), age=5)  # the same name, new content
    outcome = collect(store, config(tmp_path))
    assert (outcome.batches, outcome.counts.updated) == (1, 1)
    assert stored_tickets(store)["A1"].status == "closed"
