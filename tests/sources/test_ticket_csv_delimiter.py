"""ticket_csv: the delimiter is sniffed from the header among `;`, tab and `,`; a decimal
comma elsewhere in a `;` row does not confuse it, and quoted delimiters stay in their field."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_semicolon_with_decimal_commas_elsewhere(tmp_path: Path) -> None:
    header = HEADER + ["Arbetstid (h)", "Kostnad"]
    rows = [row("A1", category="Dator, bärbar") + ["1,5", "1 234,50"],
            row("A2", org="Hallsberg") + ["0,25", "12,00"]]
    write(tmp_path / "export.csv", csv_text(rows, header=header))
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    got = tickets_of(found)
    assert got["A1"].category == "Dator, bärbar"
    assert got["A2"].org == "Hallsberg"


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_each_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [row("A1", solution="Bytt disk; testat, klart\tok"), row("A2")]
    write(tmp_path / "export.csv", csv_text(rows, delimiter=delimiter))
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    assert set(tickets_of(found)) == {"A1", "A2"}
    assert tickets_of(found)["A1"].solution_present is True


def test_configured_delimiter_wins(tmp_path: Path) -> None:
    # A header with more commas than semicolons: the sniffer would pick `,`.
    header = [h + ", text" for h in HEADER]
    write(tmp_path / "export.csv", csv_text([row("A1")], header=header))
    fields = {k: v + ", text" for k, v in config(tmp_path).fields.items()}
    found = items(config(tmp_path, fields=fields, delimiter=";"))
    assert rejects_of(found) == []
    assert set(tickets_of(found)) == {"A1"}
