"""ticket_csv: a newer export that carries an older `updated` for a ticket (an export taken
from a lagging replica, say) never overwrites what is stored; a later `updated` does — on
SQLite and PostgreSQL."""

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
    stored_tickets,
    write,
)


def test_older_updated_is_ignored(tmp_path: Path, db_url: str) -> None:
    store = open_store(db_url)
    write(tmp_path / "1.csv", csv_text([row("A1", updated="2020-03-05 10:00"),
                                        row("A2", updated="2020-03-05 10:00")]), age=300)
    collect(store, config(tmp_path))
    write(tmp_path / "2.csv", csv_text([
        row("A1", status="02 - Pågår", closed="", org="Laxå", updated="2020-03-04 09:00"),
        row("A2", org="Lekeberg", updated="2020-03-06 09:00")]), age=200)
    outcome = collect(store, config(tmp_path))
    got = stored_tickets(store)
    assert (got["A1"].status, got["A1"].org, got["A1"].updated) == (
        "closed", "Askersund", epoch_of("2020-03-05 09:00"))
    assert (got["A2"].org, got["A2"].updated) == ("Lekeberg", epoch_of("2020-03-06 08:00"))
    assert (outcome.counts.unchanged, outcome.counts.updated) == (1, 1)
    # The ignored row derived no status change either.
    assert [c.to_status for c in stored_changes(store) if c.ticket_id == "A1"] == ["closed"]
