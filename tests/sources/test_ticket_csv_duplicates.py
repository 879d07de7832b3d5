"""ticket_csv: the same id twice in one file. Identical rows are one ticket; a second row with
different content is a reject with its row number, and the first row stands. Duplicates are
found in the database, so they are found across chunks of the file too (the chunk size is made
tiny here) — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.store import writer
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


@pytest.fixture(params=[2000, 2], ids=["one chunk", "tiny chunks"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(writer, "CHUNK", request.param)
    return int(request.param)


def test_identical_duplicate_is_one_ticket(tmp_path: Path, db_url: str, chunk: int) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1"), row("A2"), row("A3"), row("A1")]))
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    assert sorted(stored_tickets(store)) == ["A1", "A2", "A3"]
    assert stored_rejects(store) == []
    c = outcome.counts
    assert (c.inserted, c.unchanged, c.rejected) == (3, 1, 0)


def test_conflicting_duplicate_is_rejected(tmp_path: Path, db_url: str, chunk: int) -> None:
    rows = [row("A1", org="Askersund"), row("A2"), row("A3"), row("A1", org="Laxå"),
            row("A1", org="Askersund")]
    write(tmp_path / "export.csv", csv_text(rows))
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    assert stored_tickets(store)["A1"].org == "Askersund"  # the first row stands
    [reject] = stored_rejects(store)
    # The id is not a value-mapped field: the reject keeps its shape only (the row says which).
    assert (reject.row, reject.field, reject.value) == (5, "id", "X9")
    assert "duplicate id" in reject.reason
    c = outcome.counts
    assert (c.inserted, c.unchanged, c.rejected) == (3, 1, 1)


def test_duplicates_of_a_ticket_already_stored(tmp_path: Path, db_url: str,
                                              chunk: int) -> None:
    store = open_store(db_url)
    write(tmp_path / "a.csv", csv_text([row("A1", status="02 - Pågår", closed="",
                                            updated="2020-03-03 10:00")]))
    collect(store, config(tmp_path))
    # Unchanged first, then a different row for the same id: still a duplicate.
    write(tmp_path / "b.csv", csv_text([row("A1", status="02 - Pågår", closed="",
                                            updated="2020-03-03 10:00"),
                                        row("A2"), row("A3"), row("A1")]), age=60)
    outcome = collect(store, config(tmp_path))
    assert stored_tickets(store)["A1"].status == "in_progress"
    [reject] = stored_rejects(store)
    assert reject.row == 5
    assert (outcome.counts.unchanged, outcome.counts.inserted, outcome.counts.rejected) == (
        1, 2, 1)


def test_duplicates_of_a_row_skipped_as_older(tmp_path: Path, db_url: str, chunk: int) -> None:
    store = open_store(db_url)
    write(tmp_path / "a.csv", csv_text([row("A1", updated="2020-03-09 10:00")]))
    collect(store, config(tmp_path))
    older = row("A1", org="Laxå", updated="2020-03-05 10:00")
    newer_conflict = row("A1", org="Lekeberg", updated="2020-03-10 10:00")
    write(tmp_path / "b.csv", csv_text([older, row("A2"), row("A3"), older, newer_conflict]),
          age=60)
    outcome = collect(store, config(tmp_path))
    assert stored_tickets(store)["A1"].org == "Askersund"  # neither older nor duplicate won
    [reject] = stored_rejects(store)
    assert reject.row == 6
    assert (outcome.counts.unchanged, outcome.counts.inserted, outcome.counts.rejected) == (
        2, 2, 1)
