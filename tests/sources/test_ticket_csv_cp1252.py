"""ticket_csv: an export saved as Windows-1252 (å ä ö in headers and values) is recognised
as cp1252 and read without loss; value maps written in UTF-8 in the config still match. A
configured `encoding` is used as it is; an unknown one fails the source, clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from tests.sources.ticket_csv_files import (
    config,
    csv_text,
    items,
    rejects_of,
    row,
    tickets_of,
    write,
)


def test_cp1252_headers_and_values(tmp_path: Path) -> None:
    text = csv_text([
        row("A1", priority="2. Hög", status="02 - Pågår", org="Laxå", group="Beställning",
            kind="Tjänsteförfrågan", category="Skärm"),
        row("A2", priority="4. Låg", status="03 - Väntar", org="Örebro län", line="2"),
    ])
    data = write(tmp_path / "export.csv", text, encoding="cp1252").read_bytes()
    assert "Ärende-ID".encode("cp1252") in data and b"\xc3" not in data  # really cp1252
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    got = tickets_of(found)
    assert (got["A1"].priority, got["A1"].status, got["A1"].kind) == (
        "high", "in_progress", "request")
    assert (got["A1"].org, got["A1"].support_group, got["A1"].category) == (
        "Laxå", "Beställning", "Skärm")
    assert (got["A2"].priority, got["A2"].status, got["A2"].org, got["A2"].resolved_by_line) \
        == ("low", "waiting", "Örebro län", 2)


def test_bytes_cp1252_cannot_decode_do_not_stop_the_file(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252: the value becomes U+FFFD, the file still goes in.
    text = csv_text([row("A1", org="ORG_X"), row("A2")]).encode("cp1252")
    write(tmp_path / "export.csv", text.replace(b"ORG_X", b"Lax\xe5\x81"))
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    assert tickets_of(found)["A1"].org == "Laxå\ufffd"
    assert "A2" in tickets_of(found)


def test_configured_encoding(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1", org="Laxå")]), encoding="latin-1")
    assert tickets_of(items(config(tmp_path, encoding="latin-1")))["A1"].org == "Laxå"


def test_unknown_configured_encoding_fails_the_source(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1")]))
    with pytest.raises(SourceError) as failed:
        items(config(tmp_path, encoding="klingon-8"))
    assert failed.value.permanent and "klingon-8" in failed.value.message
