"""ticket_csv: a missing column. A row short of the header's columns is a reject naming the
first mapped field it lacks; an optional column the file does not have leaves that field
empty. (A header without a required column fails the whole file:
test_ticket_csv_header_mismatch.py.)"""

from __future__ import annotations

from pathlib import Path

from tests.sources.ticket_csv_files import (
    HEADER,
    config,
    csv_text,
    items,
    rejects_of,
    row,
    tickets_of,
    write,
)


def test_row_with_a_column_missing(tmp_path: Path) -> None:
    short = row("A2")[:11]  # no Organisation, Kategori, Senast ändrad
    text = csv_text([row("A1"), short, row("A3")])
    write(tmp_path / "export.csv", text)
    found = items(config(tmp_path))
    assert set(tickets_of(found)) == {"A1", "A3"}
    [reject] = rejects_of(found)
    assert (reject.where, reject.row, reject.field) == (str(tmp_path / "export.csv"), 3, "org")
    assert "11 of the header's 14 columns" in reject.reason and "'Organisation'" in reject.reason


def test_optional_columns_absent_from_the_file(tmp_path: Path) -> None:
    keep = ["Ärende-ID", "Prioritet", "Status", "Skapad", "Senast ändrad"]
    idx = [HEADER.index(h) for h in keep]
    rows = [[row("A1")[i] for i in idx]]
    write(tmp_path / "export.csv", csv_text(rows, header=keep))
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    ticket = tickets_of(found)["A1"]
    assert ticket.kind == "incident"  # the default kind
    assert ticket.first_response is None and ticket.org is None
    # No Lösning column: whether a solution was given is unknown, not "no solution".
    assert ticket.solution_present is None
