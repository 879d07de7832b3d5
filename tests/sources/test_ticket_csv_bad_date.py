"""ticket_csv: a date that does not parse is a reject naming the field, with at most the
first 64 characters of the value; an empty optional date is simply no date."""

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
    write,
)


@pytest.mark.parametrize(("field", "value"), [
    ("created", "2020-13-01 10:00"),
    ("created", "2020-03-02 24:00"),
    ("resolved", "igår"),
    ("closed", "02/03/2020 10:00"),
    ("updated", "2020-03-02 10:61"),
    ("first_response", "x" * 100),
])
def test_unparseable_date(tmp_path: Path, field: str, value: str) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1"), row("A2", **{field: value})]))
    found = items(config(tmp_path))
    assert set(tickets_of(found)) == {"A1"}
    [reject] = rejects_of(found)
    assert (reject.row, reject.field, reject.reason) == (3, field, "not a date and time")
    assert reject.value == value[:64]


def test_empty_and_blank_optional_dates(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([
        row("A1", status="01 - Ny", first_response="", resolved=" ", closed="", line="",
            solution="")]))
    found = items(config(tmp_path))
    assert rejects_of(found) == []
    ticket = tickets_of(found)["A1"]
    assert ticket.first_response is None and ticket.resolved is None and ticket.closed is None


@pytest.mark.parametrize("text", ["2020-03-02 08:41", "2020-03-02T08:41", "2020-03-02 08:41:00",
                                  "02.03.2020 08:41", "2.3.2020 8:41", " 2020-03-02 08:41 ",
                                  "2020-03-02T07:41Z", "2020-03-02 08:41+01:00",
                                  "2020-03-02T08:41:00.000+0100"])
def test_date_forms(tmp_path: Path, text: str) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1", created=text)]))
    ticket = tickets_of(items(config(tmp_path)))["A1"]
    assert ticket.created.isoformat() == "2020-03-02T07:41:00+00:00"
