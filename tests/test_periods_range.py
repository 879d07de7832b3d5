"""Periods and evaluation moments lie in the years 1970–9998 (local), and a UTC offset is at
most ±23:59: outside, a ValueError saying so, never an OverflowError or a silent shift."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.periods import parse_at, parse_period
from kpimon.timeutil import parse_time

TZ = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize("text", ["9999", "1969", "1969-12", "9999-01", "9999-Q1", "9999-W01",
                                  "1969-12-31..1970-01-31", "2020-01-01..9999-12-31"])
def test_periods_outside_the_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="1970–9998|is not a period"):
        parse_period(text, TZ)


@pytest.mark.parametrize("text", ["1970", "9998", "1970-01", "9998-12", "9998-W52",
                                  "1970-01-01..9998-12-31"])
def test_periods_at_the_edges_are_fine(text: str) -> None:
    period = parse_period(text, TZ)
    assert period.start < period.end


@pytest.mark.parametrize("text", ["0001-01-01", "1.1.0001 0:00", "9999-12-31 23:59-01:00",
                                  "9999-06-01", "1969-12-31 23:59", "0001-01-01T00:00Z"])
def test_moments_outside_the_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="1970–9998"):
        parse_at(text, TZ)


def test_moments_at_the_edges_are_fine() -> None:
    assert parse_at("1970-01-01 01:00", TZ) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_at("9998-12-31 23:59", TZ).year == 9998
    with pytest.raises(ValueError, match="1970–9998"):
        parse_at("1970-01-01 00:59", TZ)  # 1969 in UTC


@pytest.mark.parametrize("offset", ["+99:99", "+24:00", "-23:60", "+0960"])
def test_impossible_offsets_are_refused(offset: str) -> None:
    with pytest.raises(ValueError, match="offset"):
        parse_time(f"2020-03-01T12:00{offset}", TZ)


def test_the_largest_offsets_still_parse() -> None:
    assert parse_time("2020-03-01T12:00+23:59", TZ) == datetime(2020, 2, 29, 12, 1, tzinfo=UTC)
    assert parse_time("2020-03-01T12:00-2359", TZ) == datetime(2020, 3, 2, 11, 59, tzinfo=UTC)
