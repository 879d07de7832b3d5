"""BatchWriter accounting: every row of a file is exactly one of inserted, updated, unchanged
or rejected, and the collection run records those counts (the source metrics read them) — on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    write,
)


def test_every_row_is_accounted_for(tmp_path: Path, db_url: str) -> None:
    store = open_store(db_url)
    write(tmp_path / "1.csv", csv_text([row(f"A{n}") for n in range(10)]), age=300)
    collect(store, config(tmp_path))
    rows = ([row(f"A{n}") for n in range(5)]  # unchanged
            + [row(f"A{n}", org="Laxå", updated="2020-03-06 10:00") for n in range(5, 8)]
            + [row(f"A{n}", updated="2020-03-01 10:00", org="Lekeberg") for n in (8, 9)]
            + [row(f"B{n}") for n in range(4)]  # new
            + [row("B0")]  # identical duplicate
            + [row("B1", org="Laxå")]  # conflicting duplicate
            + [row("C1", priority="?"), row("C2", created="snart"), row("C3")[:5]])
    write(tmp_path / "2.csv", csv_text(rows), age=200)
    outcome = collect(store, config(tmp_path))
    c = outcome.counts
    assert (c.inserted, c.updated, c.unchanged, c.rejected) == (4, 3, 5 + 2 + 1, 4)
    assert c.inserted + c.updated + c.unchanged + c.rejected == len(rows)
    assert c.records == len(rows) - c.rejected

    info = store.runs(["export"])["export"]
    assert (info.records_total, info.rejects_total) == (10 + c.records, 4)
    assert info.last_ok is True and info.last_success is not None
