"""ticket_csv with a `status_changes` history file: four columns by position through the same
status map; a change stored once is not stored again; bad rows are rejects; and with a
history, no changes are derived from snapshots — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    epoch_of,
    open_store,
    row,
    stored_changes,
    stored_rejects,
    write,
)

HISTORY_HEADER = ["Ärende-ID", "Ändrad", "Från", "Till"]


def test_history_file(tmp_path: Path, db_url: str) -> None:
    tickets = tmp_path / "tickets"
    history = tmp_path / "history"
    write(tickets / "export.csv", csv_text([row("G16"), row("G12", status="02 - Pågår")]))
    write(history / "status.csv", csv_text([
        ["G16", "2020-11-02 08:00", "", "01 - Ny"],
        ["G16", "2020-11-02 09:00", "01 - Ny", "05 - Avklarad"],
        ["G16", "2020-11-02 10:00", "05 - Avklarad", "06 - Okänd"],
        ["G16", "när som helst", "05 - Avklarad", "07 - Stängd"],
        ["G12"],
    ], header=HISTORY_HEADER))
    cfg = config(tickets, status_changes=str(history / "*.csv"))
    store = open_store(db_url)
    outcome = collect(store, cfg)
    got = [(c.ticket_id, c.at, c.from_status, c.to_status, bool(c.derived))
           for c in stored_changes(store)]
    assert got == [("G16", epoch_of("2020-11-02 07:00"), None, "new", False),
                   ("G16", epoch_of("2020-11-02 08:00"), "new", "resolved", False)]
    assert [(r.row, r.field) for r in stored_rejects(store)] == [
        (4, "status"), (5, "at"), (6, "status_changes")]
    assert (outcome.counts.inserted, outcome.counts.rejected) == (2 + 2, 3)

    # The same history again, as a new file: nothing stored twice.
    write(history / "status-2.csv", csv_text([["G16", "2020-11-02 09:00", "01 - Ny",
                                               "05 - Avklarad"]], header=HISTORY_HEADER),
          age=10)
    again = collect(store, cfg)
    assert (again.counts.inserted, again.counts.unchanged) == (0, 1)
    assert len(stored_changes(store)) == 2
