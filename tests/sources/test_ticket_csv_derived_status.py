"""ticket_csv without a history file: status changes are derived from consecutive exports,
marked derived and stamped with the `updated` time of the export that revealed them; a new
ticket gets its first status (at `created` while it is new) — on SQLite and PostgreSQL."""

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
    write,
)


def test_changes_derived_from_two_snapshots(tmp_path: Path, db_url: str) -> None:
    store = open_store(db_url)
    open_row = {"first_response": "", "resolved": "", "closed": "", "line": "", "solution": ""}
    write(tmp_path / "monday.csv", csv_text([
        row("A1", status="01 - Ny", created="2020-03-02 08:00", updated="2020-03-02 08:00",
            **{k: v for k, v in open_row.items()}),
        row("A2", status="02 - Pågår", created="2020-03-02 08:30", updated="2020-03-02 09:00",
            first_response="2020-03-02 09:00", resolved="", closed="", line="", solution=""),
    ]), age=300)
    collect(store, config(tmp_path))
    write(tmp_path / "tuesday.csv", csv_text([
        row("A1", status="05 - Avklarad", created="2020-03-02 08:00", closed="",
            updated="2020-03-03 14:10"),
        row("A2", status="02 - Pågår", created="2020-03-02 08:30", updated="2020-03-03 08:00",
            first_response="2020-03-02 09:00", resolved="", closed="", line="", solution="",
            org="Laxå"),
    ]), age=200)
    collect(store, config(tmp_path))
    got = [(c.ticket_id, c.at, c.from_status, c.to_status, bool(c.derived))
           for c in stored_changes(store)]
    assert got == [
        ("A1", epoch_of("2020-03-02 07:00"), None, "new", True),  # at created
        ("A1", epoch_of("2020-03-03 13:10"), "new", "resolved", True),  # at tuesday's updated
        ("A2", epoch_of("2020-03-02 08:00"), None, "in_progress", True),  # at updated
    ]
