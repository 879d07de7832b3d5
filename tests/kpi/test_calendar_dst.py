"""Daylight saving time: business seconds are real elapsed seconds across gaps and overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar
from kpimon.timeutil import localize

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = 3600
TWENTY_FOUR_SEVEN = CalendarConfig("24x7", tuple((d, "00:00", "24:00") for d in range(7)))
# The same hours as 24x7 but split, so the table path is taken instead of the identity.
SPLIT_DAY = CalendarConfig(
    "split",
    tuple((d, a, b) for d in range(7) for a, b in (("00:00", "12:00"), ("12:00", "24:00"))))
OFFICE_AND_SUNDAY_NIGHT = CalendarConfig(
    "office_night",
    tuple((d, "08:00", "17:00") for d in range(5)) + ((6, "01:00", "04:00"),),
    holidays="SE")


def wall(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    """UTC epoch of a Stockholm wall time by the DESIGN §3 rules (as a ticket time would be)."""
    return int(localize(datetime(y, mo, d, h, mi), STOCKHOLM).timestamp())


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=UTC).timestamp())


@pytest.mark.parametrize("cfg", [TWENTY_FOUR_SEVEN, SPLIT_DAY], ids=["identity", "table"])
class TestAlwaysOpen:
    def test_g06_spring_gap(self, cfg: CalendarConfig) -> None:
        # 01:50 CET -> 03:10 CEST is 20 real minutes.
        cal = Calendar.from_config(cfg)
        assert cal.seconds_between(wall(2020, 3, 29, 1, 50), wall(2020, 3, 29, 3, 10)) == 20 * 60

    def test_g07_autumn_overlap_takes_the_first_occurrence(self, cfg: CalendarConfig) -> None:
        # 02:50 CEST (first occurrence) -> 03:05 CET is 75 real minutes.
        cal = Calendar.from_config(cfg)
        assert cal.seconds_between(wall(2020, 10, 25, 2, 50), wall(2020, 10, 25, 3, 5)) == 75 * 60

    def test_g20_skipped_time_moves_forward(self, cfg: CalendarConfig) -> None:
        # 02:30 does not exist on 2020-03-29: it becomes 03:30 CEST, 10 minutes before 03:40.
        cal = Calendar.from_config(cfg)
        assert wall(2020, 3, 29, 2, 30) == wall(2020, 3, 29, 3, 30)
        assert cal.seconds_between(wall(2020, 3, 29, 2, 30), wall(2020, 3, 29, 3, 40)) == 10 * 60

    def test_day_lengths_on_change_days(self, cfg: CalendarConfig) -> None:
        cal = Calendar.from_config(cfg)
        assert cal.seconds_between(wall(2020, 3, 29), wall(2020, 3, 30)) == 23 * H
        assert cal.seconds_between(wall(2020, 10, 25), wall(2020, 10, 26)) == 25 * H
        assert cal.seconds_between(wall(2020, 10, 24), wall(2020, 10, 25)) == 24 * H


def test_office_day_is_nine_real_hours_in_winter_and_summer() -> None:
    cal = Calendar.from_config(OFFICE_AND_SUNDAY_NIGHT)
    # Friday before and Monday after the spring change: 9 h each, opening at 07:00Z then 06:00Z.
    assert cal.seconds_between(wall(2020, 3, 27), wall(2020, 3, 28)) == 9 * H
    assert cal.seconds_between(wall(2020, 3, 30), wall(2020, 3, 31)) == 9 * H
    assert cal.is_open(utc(2020, 3, 27, 7)) and not cal.is_open(utc(2020, 3, 27, 6, 59))
    assert cal.is_open(utc(2020, 3, 30, 6)) and not cal.is_open(utc(2020, 3, 30, 5, 59))
    assert cal.seconds_between(utc(2020, 3, 30, 6), utc(2020, 3, 30, 15)) == 9 * H


@pytest.mark.parametrize(
    ("sunday", "hours"),
    [(date(2020, 3, 22), 3), (date(2020, 3, 29), 2), (date(2020, 10, 25), 4),
     (date(2020, 11, 1), 3)],
)
def test_sunday_night_range_across_the_change(sunday: date, hours: int) -> None:
    # Sunday 01:00-04:00: 3 h normally, 2 h across the gap at 02:00, 4 h across the overlap.
    cal = Calendar.from_config(OFFICE_AND_SUNDAY_NIGHT)
    a = wall(sunday.year, sunday.month, sunday.day)
    b = wall(sunday.year, sunday.month, sunday.day, 12)
    assert cal.seconds_between(a, b) == hours * H


def test_sunday_night_range_instants() -> None:
    cal = Calendar.from_config(OFFICE_AND_SUNDAY_NIGHT)
    # Spring: 01:00 CET = 00:00Z to 04:00 CEST = 02:00Z.
    assert cal.is_open(utc(2020, 3, 29, 0)) and cal.is_open(utc(2020, 3, 29, 1, 59))
    assert not cal.is_open(utc(2020, 3, 29, 2)) and not cal.is_open(utc(2020, 3, 28, 23, 59))
    # Autumn: 01:00 CEST = 23:00Z (Saturday in UTC) to 04:00 CET = 03:00Z.
    assert cal.is_open(utc(2020, 10, 24, 23)) and cal.is_open(utc(2020, 10, 25, 2, 59))
    assert not cal.is_open(utc(2020, 10, 25, 3))


def sunday_only(a: str, b: str) -> Calendar:
    return Calendar.from_config(CalendarConfig(f"sun {a}-{b}", ((6, a, b),)))


def test_range_ending_in_the_skipped_hour_at_its_end_is_empty() -> None:
    # 02:30 moves forward to 03:30 CEST (01:30Z), past 03:00 CEST (01:00Z): nothing is left.
    cal = sunday_only("02:30", "03:00")
    assert cal.seconds_between(wall(2020, 3, 29), wall(2020, 3, 30)) == 0
    assert cal.seconds_between(wall(2020, 3, 22), wall(2020, 3, 23)) == 30 * 60


def test_range_wholly_inside_the_skipped_hour_moves_forward_with_it() -> None:
    # Both ends follow the DESIGN §3 rule, as ticket times do: 03:15-03:45 CEST.
    cal = sunday_only("02:15", "02:45")
    assert cal.seconds_between(wall(2020, 3, 29), wall(2020, 3, 30)) == 30 * 60
    assert cal.is_open(wall(2020, 3, 29, 3, 15)) and not cal.is_open(wall(2020, 3, 29, 3, 45))


def test_range_ending_in_the_skipped_hour_ends_after_the_gap() -> None:
    # 02:30 moves forward to 03:30 CEST (= 01:30Z): 01:00 CET (00:00Z) .. 01:30Z.
    cal = sunday_only("01:00", "02:30")
    assert cal.seconds_between(wall(2020, 3, 29), wall(2020, 3, 30)) == 90 * 60


def test_range_ending_in_the_repeated_hour_ends_at_its_first_occurrence() -> None:
    # 00:00 CEST (22:00Z) .. 02:30 CEST (00:30Z).
    cal = sunday_only("00:00", "02:30")
    assert cal.seconds_between(wall(2020, 10, 25), wall(2020, 10, 26)) == 150 * 60


def test_range_starting_in_the_repeated_hour_starts_at_its_first_occurrence() -> None:
    # 02:30 CEST (00:30Z) .. 04:00 CET (03:00Z).
    cal = sunday_only("02:30", "04:00")
    assert cal.seconds_between(wall(2020, 10, 25), wall(2020, 10, 26)) == 150 * 60


def test_other_zones() -> None:
    ny = ZoneInfo("America/New_York")
    cal = Calendar.from_config(CalendarConfig("ny", ((6, "01:00", "04:00"),),
                                              timezone="America/New_York"))
    a = int(datetime(2020, 3, 8, tzinfo=ny).timestamp())  # gap at 02:00
    assert cal.seconds_between(a, a + 12 * H) == 2 * H
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # a 30-minute change at 02:00
    cal = Calendar.from_config(CalendarConfig("lh", ((6, "01:00", "04:00"),),
                                              timezone="Australia/Lord_Howe"))
    a = int(datetime(2020, 10, 4, tzinfo=lord_howe).timestamp())
    assert cal.seconds_between(a, a + 12 * H) == 2 * H + 1800


def reference_intervals(cfg: CalendarConfig) -> list[tuple[int, int]]:
    """Each day's ranges converted one by one with datetime.timestamp(), then merged."""
    tz = ZoneInfo(cfg.timezone)
    raw: list[tuple[int, int]] = []
    by_weekday: list[list[tuple[int, int, int, int]]] = [[] for _ in range(7)]
    for wd, a, b in cfg.hours:
        (ha, ma), (hb, mb) = (map(int, a.split(":")), map(int, b.split(":")))
        by_weekday[wd].append((ha, ma, hb, mb))
    one = timedelta(days=1)
    d = date(1989, 12, 31)
    while d < date(2100, 1, 2):
        for ha, ma, hb, mb in by_weekday[d.weekday()]:
            start = int(datetime(d.year, d.month, d.day, ha, ma, tzinfo=tz).timestamp())
            end_day = d + one if hb == 24 else d
            end = int(datetime(end_day.year, end_day.month, end_day.day, hb % 24, mb,
                               tzinfo=tz).timestamp())
            if end > start:
                raw.append((start, end))
        d += one
    merged: list[tuple[int, int]] = []
    for s, e in sorted(raw):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


@pytest.mark.parametrize(
    "zone",
    ["America/Santiago", "Pacific/Apia", "Africa/Casablanca",
     "Australia/Lord_Howe"],
)
def test_whole_table_matches_a_per_range_conversion(zone: str) -> None:
    # Zones with changes at midnight (Santiago), a skipped day (Apia, 2011-12-30), Ramadan
    # changes (Casablanca) and 30-minute changes (Lord Howe).
    hours = tuple((d, a, b) for d in range(7)
                  for a, b in (("00:00", "00:30"), ("02:00", "03:00"), ("23:00", "23:30")))
    cfg = CalendarConfig(f"table {zone}", hours, timezone=zone)
    got = Calendar.from_config(cfg).intervals().tolist()
    assert got == [list(iv) for iv in reference_intervals(cfg)]
