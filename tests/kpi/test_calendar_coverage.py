"""Coverage 1990-2100 is exact, clamps outside, builds fast, and is cached and read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = 3600
WEEK = (
    (0, "08:00", "17:00"), (1, "08:00", "17:00"), (2, "08:00", "17:00"), (3, "08:00", "17:00"),
    (4, "08:00", "16:00"),
)
OFFICE = CalendarConfig("office", WEEK, holidays="SE")
REPO = Path(__file__).resolve().parents[2]


def local(y: int, mo: int, d: int, h: int = 0) -> int:
    return int(datetime(y, mo, d, h, tzinfo=STOCKHOLM).timestamp())


def utc(y: int, mo: int = 1, d: int = 1) -> int:
    return int(datetime(y, mo, d, tzinfo=UTC).timestamp())


def test_exact_at_both_ends_of_the_range() -> None:
    cal = Calendar.from_config(OFFICE)
    assert cal.seconds_between(local(1990, 1, 1), local(1990, 1, 2)) == 0  # New Year's Day
    assert cal.seconds_between(local(1990, 1, 2), local(1990, 1, 3)) == 9 * H
    assert cal.seconds_between(local(2099, 12, 30), local(2099, 12, 31)) == 9 * H
    assert cal.seconds_between(local(2099, 12, 31), local(2100, 1, 1)) == 0  # Nyårsafton


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Europe/Stockholm"])
def test_every_instant_1990_to_2100_is_covered_in_any_zone(zone: str) -> None:
    # Every day open around the clock, but split so the table (not the identity) is used.
    hours = tuple((d, a, b) for d in range(7) for a, b in (("00:00", "06:00"), ("06:00", "24:00")))
    cal = Calendar.from_config(CalendarConfig(f"always {zone}", hours, timezone=zone))
    assert not cal.is_identity
    assert cal.seconds_between(utc(1990), utc(2100)) == utc(2100) - utc(1990)
    assert cal.is_open(utc(1990)) and cal.is_open(utc(2100) - 1)


def test_clamps_outside_the_range() -> None:
    cal = Calendar.from_config(OFFICE)
    assert cal.position(utc(1970)) == 0 == cal.position(-(2**40))
    total = cal.position(utc(2101))
    assert cal.position(2**40) == total
    assert total == cal.seconds_between(utc(1989), utc(2101))
    assert cal.seconds_between(utc(2101), utc(2102) + 9 * H) == 0
    assert cal.seconds_between(utc(1980), utc(1980) + 86400) == 0
    assert not cal.is_open(local(2110, 1, 5, 10)) and not cal.is_open(local(1980, 1, 8, 10))


def test_cached_per_config() -> None:
    a = Calendar.from_config(OFFICE)
    assert Calendar.from_config(OFFICE) is a
    # An equal but distinct config object hits the same entry; a different one does not.
    assert Calendar.from_config(CalendarConfig("office", WEEK, holidays="SE")) is a
    assert Calendar.from_config(CalendarConfig("office", WEEK, holidays="NO")) is not a


def test_tables_are_read_only() -> None:
    cal = Calendar.from_config(OFFICE)
    with pytest.raises(ValueError):
        cal.intervals()[0, 0] = 0


def test_name_tz_and_day_length() -> None:
    cal = Calendar.from_config(CalendarConfig("x", WEEK, timezone="Europe/Helsinki",
                                              day_length=8 * H))
    assert (cal.name, cal.tz, cal.day_length) == ("x", ZoneInfo("Europe/Helsinki"), 8 * H)
