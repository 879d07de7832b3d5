"""ticket_csv: a UTF-8 file with a byte-order mark (Efecte's default export) reads the first
header as `Ärende-ID`, not `\\ufeffÄrende-ID` (even with `encoding = "utf-8"` configured), and a
UTF-8 file without one reads the same; blank lines before the header do not matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.ticket_csv_files import (
    config,
    csv_text,
    items,
    rejects_of,
    row,
    tickets_of,
    utc,
    write,
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_utf8_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    text = csv_text([row("A1", priority="2. Hög", status="02 - Pågår", org="Laxå")])
    data = write(tmp_path / "export.csv", text, encoding=encoding).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    ticket = tickets_of(found)["A1"]
    assert (ticket.priority, ticket.status, ticket.org) == ("high", "in_progress", "Laxå")
    assert ticket.created == utc("2020-03-02 07:00")  # 08:00 CET


def test_bom_with_a_configured_utf8_and_blank_lines_first(tmp_path: Path) -> None:
    text = "\r\n\r\n" + csv_text([row("A1")], delimiter=",")
    write(tmp_path / "export.csv", text, encoding="utf-8-sig")
    found = items(config(tmp_path, encoding="utf-8"))
    assert rejects_of(found) == [] and set(tickets_of(found)) == {"A1"}
    assert tickets_of(found)["A1"].row == 4
