"""Weekly opening hours: the golden office cases, several ranges a day, day length, 24x7."""

from __future__ import annotations

import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.config import CalendarConfig, parse_config
from kpimon.kpi.calendar import Calendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = 3600

# The office calendar of the golden set, read through the real config parser.
OFFICE_TOML = """
database = "sqlite://"
[calendars.office]
hours = { mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], thu = ["08:00-17:00"], fri = ["08:00-16:00"] }
holidays = "SE"
[calendars.lunch]
hours = { mon = ["08:00-12:00", "13:00-17:00"], tue = ["08:00-12:00", "13:00-17:00"] }
[calendars.overlapping]
hours = { mon = ["08:00-12:00", "10:00-14:00"] }
[calendars.fixed]
hours = { mon = ["08:00-17:00"] }
day_length = "8h"
"""  # noqa: E501
CONFIG = parse_config(tomllib.loads(OFFICE_TOML))


def office() -> Calendar:
    return Calendar.from_config(CONFIG.calendars["office"])


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    """UTC epoch of an unambiguous Stockholm wall time."""
    return int(datetime(y, mo, d, h, mi, s, tzinfo=STOCKHOLM).timestamp())


def test_g03_friday_after_closing_to_monday_morning() -> None:
    # Friday closes at 16:00, so only Monday 08:00-08:10 counts.
    assert office().seconds_between(local(2020, 3, 6, 16, 30), local(2020, 3, 9, 8, 10)) == 600


def test_g18_nineteen_business_hours() -> None:
    # Mon 08-17 (9 h) + Tue 08-17 (9 h) + Wed 08-09 (1 h).
    assert office().seconds_between(local(2020, 11, 9, 8), local(2020, 11, 11, 9)) == 19 * H


def test_g19_fifteen_business_hours() -> None:
    # Mon 13-17 (4 h) + Tue 08-17 (9 h) + Wed 08-10 (2 h).
    assert office().seconds_between(local(2020, 11, 16, 13), local(2020, 11, 18, 10)) == 15 * H


def test_one_full_day_and_a_full_week() -> None:
    cal = office()
    assert cal.seconds_between(local(2020, 3, 2), local(2020, 3, 3)) == 9 * H
    # An ordinary week (no holiday): 4 x 9 h + 8 h.
    assert cal.seconds_between(local(2020, 3, 2), local(2020, 3, 9)) == 44 * H


def test_time_outside_opening_hours_does_not_count() -> None:
    cal = office()
    assert cal.seconds_between(local(2020, 3, 2, 17, 0), local(2020, 3, 3, 8, 0)) == 0
    assert cal.seconds_between(local(2020, 3, 7, 9), local(2020, 3, 7, 15)) == 0  # Saturday
    assert cal.seconds_between(local(2020, 3, 2, 7, 0), local(2020, 3, 2, 8, 30)) == 1800


def test_is_open_edges() -> None:
    cal = office()
    assert not cal.is_open(local(2020, 3, 2, 7, 59, 59))
    assert cal.is_open(local(2020, 3, 2, 8))
    assert cal.is_open(local(2020, 3, 2, 16, 59, 59))
    assert not cal.is_open(local(2020, 3, 2, 17))
    assert not cal.is_open(local(2020, 3, 6, 16))  # Friday closes at 16
    assert not cal.is_open(local(2020, 3, 7, 10))  # Saturday


def test_reversed_interval_counts_zero() -> None:
    assert office().seconds_between(local(2020, 3, 3, 12), local(2020, 3, 2, 12)) == 0


def test_position_is_non_decreasing_through_a_day() -> None:
    cal = office()
    points = [local(2020, 3, 2, h) for h in range(24)]
    positions = [cal.position(t) for t in points]
    assert positions == sorted(positions)
    assert positions[9] - positions[8] == H and positions[18] == positions[17]


def test_several_ranges_a_day() -> None:
    cal = Calendar.from_config(CONFIG.calendars["lunch"])
    assert cal.seconds_between(local(2020, 3, 2), local(2020, 3, 3)) == 8 * H
    assert cal.seconds_between(local(2020, 3, 2, 11, 30), local(2020, 3, 2, 13, 30)) == H
    assert not cal.is_open(local(2020, 3, 2, 12, 30))
    assert cal.is_open(local(2020, 3, 2, 13))


def test_overlapping_ranges_are_counted_once() -> None:
    cal = Calendar.from_config(CONFIG.calendars["overlapping"])
    assert cal.seconds_between(local(2020, 3, 2), local(2020, 3, 3)) == 6 * H


@pytest.mark.parametrize(
    ("name", "expected"),
    [("office", 9 * H), ("lunch", 8 * H), ("fixed", 8 * H), ("24x7", 86400)],
)
def test_day_length(name: str, expected: int) -> None:
    assert Calendar.from_config(CONFIG.calendars[name]).day_length == expected


def test_builtin_24x7_is_the_identity() -> None:
    cal = Calendar.from_config(CONFIG.calendars["24x7"])
    assert cal.name == "24x7" and cal.is_identity and cal.day_length == 86400
    for t in (-(10**12), -1, 0, 1, local(2020, 3, 29, 2, 30), 10**12):
        assert cal.position(t) == t
        assert cal.is_open(t)
    assert cal.seconds_between(local(2020, 3, 6, 16, 30), local(2020, 3, 9, 8, 10)) == (
        local(2020, 3, 9, 8, 10) - local(2020, 3, 6, 16, 30))
    assert len(cal.intervals()) == 0


def test_a_calendar_with_no_hours_is_always_closed() -> None:
    cal = Calendar.from_config(CalendarConfig("never", ()))
    assert cal.seconds_between(local(2020, 1, 1), local(2021, 1, 1)) == 0
    assert not cal.is_open(local(2020, 3, 2, 10))
    assert not cal.is_identity
