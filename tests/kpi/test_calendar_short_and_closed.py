"""`short` days replace a day's hours (even a holiday's); `closed` dates close the whole day."""

from __future__ import annotations

import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

from kpimon.config import CalendarConfig, parse_config
from kpimon.kpi.calendar import Calendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = 3600
WEEK = (
    (0, "08:00", "17:00"), (1, "08:00", "17:00"), (2, "08:00", "17:00"), (3, "08:00", "17:00"),
    (4, "08:00", "16:00"),
)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=STOCKHOLM).timestamp())


def day(cal: Calendar, y: int, mo: int, d: int) -> int:
    start = local(y, mo, d)
    return cal.seconds_between(start, start + 86400)  # no DST change on the days used here


def cal_with(closed: tuple[str, ...] = (),
             short: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()) -> Calendar:
    return Calendar.from_config(
        CalendarConfig("office", WEEK, holidays="SE", closed=closed, short=short))


def test_short_day_from_the_design_example() -> None:
    # DESIGN §10: short = { "2020-04-09" = "08:00-12:00" }, through the real config parser.
    text = """
    database = "sqlite://"
    [calendars.office]
    hours = { mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], thu = ["08:00-17:00"], fri = ["08:00-16:00"] }
    holidays = "SE"
    short = { "2020-04-09" = "08:00-12:00" }
    """  # noqa: E501
    cal = Calendar.from_config(parse_config(tomllib.loads(text)).calendars["office"])
    assert day(cal, 2020, 4, 9) == 4 * H
    assert not cal.is_open(local(2020, 4, 9, 12))
    # G04 with the short Maundy Thursday: only Tue 08-09 is left.
    assert cal.seconds_between(local(2020, 4, 9, 15), local(2020, 4, 14, 9)) == H
    assert day(cal, 2020, 4, 16) == 9 * H  # the next Thursday is a normal one


def test_short_day_with_several_ranges() -> None:
    cal = cal_with(short=(("2020-03-03", (("08:00", "10:00"), ("14:00", "15:30"))),))
    assert day(cal, 2020, 3, 3) == 3 * H + 1800
    assert not cal.is_open(local(2020, 3, 3, 12))


def test_short_day_wins_over_a_holiday() -> None:
    cal = cal_with(short=(("2020-04-10", (("09:00", "11:00"),)),
                          ("2020-12-24", (("10:00", "12:00"),))))
    assert day(cal, 2020, 12, 24) == 2 * H  # Julafton
    assert day(cal, 2020, 4, 10) == 2 * H  # Good Friday


def test_short_day_opens_a_weekend_day() -> None:
    cal = cal_with(short=(("2020-03-07", (("10:00", "14:00"),)),))
    assert day(cal, 2020, 3, 7) == 4 * H
    assert day(cal, 2020, 3, 14) == 0


def test_closed_date() -> None:
    cal = cal_with(closed=("2020-03-10",))
    assert day(cal, 2020, 3, 10) == 0
    assert not cal.is_open(local(2020, 3, 10, 10))
    assert day(cal, 2020, 3, 9) == 9 * H and day(cal, 2020, 3, 11) == 9 * H
    assert cal.seconds_between(local(2020, 3, 9, 16), local(2020, 3, 11, 9)) == 2 * H


def test_closed_wins_over_short_on_the_same_date() -> None:
    cal = cal_with(closed=("2020-03-10",), short=(("2020-03-10", (("08:00", "12:00"),)),))
    assert day(cal, 2020, 3, 10) == 0


def test_dates_outside_the_table_are_harmless() -> None:
    cal = cal_with(closed=("1900-01-02", "2150-01-02"),
                   short=(("2200-01-01", (("08:00", "09:00"),)),))
    assert day(cal, 2020, 3, 10) == 9 * H
