"""ticket_csv: a quoted field may hold line breaks (a solution text over several lines); the
row still maps, and the row numbers of later rows stay the lines where those rows start."""

from __future__ import annotations

from pathlib import Path

from tests.sources.ticket_csv_files import (
    config,
    csv_text,
    items,
    rejects_of,
    row,
    tickets_of,
    write,
)


def test_quoted_multiline_field(tmp_path: Path) -> None:
    rows = [row("A1", solution='Startade om.\r\nBytte "nätkort".\r\n\r\nKlart'),
            row("A2"),
            row("A3", priority="9. Okänd")]
    write(tmp_path / "export.csv", csv_text(rows))
    found = items(config(tmp_path))
    got = tickets_of(found)
    assert set(got) == {"A1", "A2"}
    assert got["A1"].solution_present is True
    assert got["A1"].row == 2 and got["A2"].row == 6  # A1 spans lines 2..5
    [reject] = rejects_of(found)
    assert (reject.row, reject.field) == (7, "priority")
