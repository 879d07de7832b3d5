"""ticket_csv: a file cut off mid-row (a copy interrupted, a disk full): the broken last row
is a reject, every complete row goes in — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("cut", ["in a plain field", "in a quoted field"])
def test_truncated_last_row(tmp_path: Path, db_url: str, cut: str) -> None:
    rows = [row(f"A{n}") for n in range(1, 4)]
    rows.append(row("A4", solution="Första raden\nandra raden"))
    data = csv_text(rows).encode("utf-8-sig")
    marker = "Första".encode() if cut == "in a quoted field" else b"2020-03-02 08:20"
    end = data.rindex(marker) + 4  # keep the first few bytes of the field
    write(tmp_path / "export.csv", data[:end])
    store = open_store(db_url)
    outcome = collect(store, config(tmp_path))
    assert sorted(stored_tickets(store)) == ["A1", "A2", "A3"]
    [reject] = stored_rejects(store)
    assert reject.row == 5 and "row cut off" in reject.reason
    assert (outcome.counts.inserted, outcome.counts.rejected) == (3, 1)
