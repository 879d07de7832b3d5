"""ticket_csv: one bad value never sinks the file. Dates outside the years 1970–9998 (in the
forms that overflow Python's datetime), a `Löst av linje` too large for the store's smallint
(40 000, 20 digits, or 4 301 digits — past Python's int-string limit) and a lone surrogate are
rejects naming row and field; every good row of the file, before and after, goes in — in the
tickets file and in the status history, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    stored_changes,
    stored_rejects,
    stored_tickets,
    write,
)

BAD_TICKETS = [
    row("B1", created="0001-01-01 00:00"),
    row("B2", created="1.1.0001 0:00"),
    row("B3", updated="9999-12-31 23:59-01:00"),
    row("B4", resolved="1969-12-31 23:00"),
    row("B5", line="40000"),
    row("B6", line="9" * 20),
    row("B7", line="1" * 4301),
]


def test_bad_values_in_tickets(tmp_path: Path, db_url: str) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1"), *BAD_TICKETS, row("A2")]))
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    assert sorted(stored_tickets(store)) == ["A1", "A2"]
    got = [(r.row, r.field) for r in stored_rejects(store)]
    assert got == [(3, "created"), (4, "created"), (5, "updated"), (6, "resolved"),
                   (7, "resolved_by_line"), (8, "resolved_by_line"), (9, "resolved_by_line")]
    assert all(r.location.endswith("export.csv") for r in stored_rejects(store))
    assert (outcome.counts.inserted, outcome.counts.rejected) == (2, 7)


@pytest.mark.parametrize("at", ["0001-01-01 00:00", "1.1.0001 0:00", "9999-12-31 23:59-01:00"])
def test_bad_dates_in_history(tmp_path: Path, db_url: str, at: str) -> None:
    tickets = tmp_path / "tickets"
    history = tmp_path / "history"
    write(tickets / "export.csv", csv_text([row("G1")]))
    write(history / "status.csv", csv_text([
        ["G1", "2020-03-02 08:00", "", "01 - Ny"],
        ["G1", at, "01 - Ny", "02 - Pågår"],
        ["G1", "2020-03-02 10:00", "02 - Pågår", "05 - Avklarad"],
    ], header=["Ärende-ID", "Ändrad", "Från", "Till"]))
    store = open_store(db_url)
    collect(store, config(tickets, status_changes=str(history / "*.csv")))
    assert [c.to_status for c in stored_changes(store)] == ["new", "resolved"]
    assert [(r.row, r.field) for r in stored_rejects(store)] == [(3, "at")]
