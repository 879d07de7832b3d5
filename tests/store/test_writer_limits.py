"""BatchWriter and the store's limits: an id longer than 128 characters, or one with a NUL
character, is a reject rather than a failed file (PostgreSQL would refuse the row); text values
are cut to 128 characters and lose NULs; a reject's value is stored with at most 64 — on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    stored_rejects,
    stored_tickets,
    write,
)


def test_limits(tmp_path: Path, db_url: str) -> None:
    long_id = "X" * 129
    rows = [row(long_id), row("N\x00L"), row("A1", org="O" * 300, category="Dat\x00or"),
            row("A2", priority="P\x00" + "p" * 100)]
    write(tmp_path / "export.csv", csv_text(rows))
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    got = stored_tickets(store)
    assert sorted(got) == ["A1"]
    assert got["A1"].org == "O" * 128 and got["A1"].category == "Dator"
    rejects = stored_rejects(store)
    rejects.sort(key=lambda r: r.row)
    assert [(r.row, r.field) for r in rejects] == [(2, "id"), (3, "id"), (5, "priority")]
    assert rejects[0].value == "X" * 64
    assert all(r.value is None or (len(r.value) <= 64 and "\x00" not in r.value)
               for r in rejects)
    assert (outcome.counts.inserted, outcome.counts.rejected) == (1, 3)
