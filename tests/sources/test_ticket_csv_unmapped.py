"""ticket_csv: a priority, status or kind that the value maps do not cover is a reject naming
the field and the value; an uncovered optional value (org map) becomes null and a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.sources.ticket_csv import TicketCsvSource
from tests.sources.ticket_csv_files import (
    VALUES,
    config,
    context,
    csv_text,
    rejects_of,
    row,
    tickets_of,
    write,
)


@pytest.mark.parametrize(("field", "value"), [
    ("priority", "5. Kritisk"), ("status", "04 - Okänd"), ("kind", "Problem")])
def test_unmapped_vocabulary_value(tmp_path: Path, field: str, value: str) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1"), row("A2", **{field: value})]))
    cfg = config(tmp_path)
    found = [i for b in TicketCsvSource(cfg).collect(context(cfg)) for i in b.items]
    assert set(tickets_of(found)) == {"A1"}
    [reject] = rejects_of(found)
    assert (reject.row, reject.field, reject.value) == (3, field, value)
    assert reject.reason == f"value {value!r} is not in values.{field}"


def test_uncovered_optional_value_is_null_and_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1", org="Kumla"), row("A2", org="Laxå")]))
    cfg = config(tmp_path, values={**VALUES, "org": {"Laxå": "Laxå"}})
    ctx = context(cfg)
    found = [i for b in TicketCsvSource(cfg).collect(ctx) for i in b.items]
    got = tickets_of(found)
    assert (got["A1"].org, got["A2"].org) == (None, "Laxå")
    assert ctx.stats.warnings == 1
