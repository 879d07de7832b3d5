"""ticket_csv: a file whose header lacks mapped required columns fails as a whole, not as a
row reject per row: the message names the missing headers, those the file has, and the fix; the
run fails (so `collect` exits 1); the file is not marked imported, is left alone while the
configuration stays as it is, and is read once the mapping is fixed; the files after it go
on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kpimon.collector import Collector
from kpimon.config import DEFAULT_CSV_FIELDS
from tests.sources.ticket_csv_files import (
    HEADER,
    TZ,
    config,
    csv_text,
    open_store,
    row,
    stored_rejects,
    stored_tickets,
    write,
)


def _renamed(names: dict[str, str]) -> list[str]:
    return [names.get(h, h) for h in HEADER]


def test_a_header_that_does_not_fit_fails_the_file_alone(tmp_path: Path, db_url: str) -> None:
    names = {"Prioritet": "Prio", "Skapad": "Registrerad"}
    bad = write(tmp_path / "a_bad.csv", csv_text([row(f"A{n}") for n in range(50)],
                                                 header=_renamed(names)), age=7200)
    write(tmp_path / "b_good.csv", csv_text([row("B1"), row("B2")]), age=3600)
    store = open_store(db_url)
    collector = Collector(store, TZ)
    cfg = config(tmp_path)

    outcome = collector.collect(cfg)
    assert not outcome.ok
    [message] = outcome.file_errors
    assert message == (f"{bad}: the header lacks Prioritet, Skapad; it has: "
                       f"{', '.join(_renamed(names))}; map them with `fields` in the source's "
                       "configuration")
    assert outcome.error == message
    assert set(stored_tickets(store)) == {"B1", "B2"}  # the next file went in
    assert stored_rejects(store) == []  # no row rejects for a file-level problem
    with store.engine.connect() as conn:
        imported = [r.path for r in conn.exec_driver_sql("SELECT path FROM imported_files")]
    assert imported == [str(tmp_path / "b_good.csv")]

    # Unchanged file, unchanged configuration: left alone, the run is fine.
    again = collector.collect(cfg)
    assert again.ok and again.batches == 0
    assert store.file_failures()["export"][0].error == message

    # The mapping is fixed: the file is read again, and its failure is forgotten.
    fields = dict(DEFAULT_CSV_FIELDS, priority="Prio", created="Registrerad")
    fixed = collector.collect(replace(cfg, fields=fields))
    assert fixed.ok and fixed.counts.inserted == 50
    assert "A49" in stored_tickets(store)
    assert store.file_failures() == {}
    store.close()
