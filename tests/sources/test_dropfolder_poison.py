"""A drop folder holding a good file, a poisoned one (every bad input of issue 19 between good
rows) and another good file: one collection imports every good row of all three, the bad
values are rejects naming file, row and field, and nothing is read again next cycle — on SQLite
and PostgreSQL."""

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

POISON = [
    row("P1"),
    row("X1", created="0001-01-01 00:00"),
    row("X2", created="1.1.0001 0:00"),
    row("X3", closed="9999-12-31 23:59-01:00"),
    row("X4", line="9" * 20),
    row("X5", line="1" * 4301),
    row("X6", line="40000"),
    row("X7", priority="Gustav Olsson 2026"),
    ["X8", "Incident"],
    row("X9" * 100),
    row("X10\x00"),
    row("P2", org="O" * 300, category="\x00"),
]


def test_good_poison_good(tmp_path: Path, db_url: str) -> None:
    write(tmp_path / "1-good.csv", csv_text([row("G1"), row("G2")]), age=300)
    write(tmp_path / "2-poison.csv", csv_text(POISON), age=200)
    write(tmp_path / "3-good.csv", csv_text([row("G3")]), age=100)
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    assert sorted(stored_tickets(store)) == ["G1", "G2", "G3", "P1", "P2"]
    rejects = stored_rejects(store)
    assert {r.location.rsplit("/", 1)[-1] for r in rejects} == {"2-poison.csv"}
    assert sorted(r.row for r in rejects) == list(range(3, 3 + len(POISON) - 2))
    assert (outcome.batches, outcome.counts.inserted, outcome.counts.rejected) == (3, 5, 10)
    again = collect(store, config(tmp_path))
    assert again.batches == 0
