"""Holidays close whole days: the `holidays` package's plus Julafton, Nyårsafton, Midsommarafton."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar, midsommarafton

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = 3600
WEEK = (
    (0, "08:00", "17:00"), (1, "08:00", "17:00"), (2, "08:00", "17:00"), (3, "08:00", "17:00"),
    (4, "08:00", "16:00"),
)
OFFICE = CalendarConfig("office", WEEK, holidays="SE")
NO_DE_FACTO = CalendarConfig("office_no_de_facto", WEEK, holidays="SE", de_facto=False)
NO_COUNTRY = CalendarConfig("office_no_country", WEEK)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=STOCKHOLM).timestamp())


def day_seconds(cal: Calendar, day: date) -> int:
    """Business seconds in one local day."""
    nxt = day + timedelta(days=1)
    return cal.seconds_between(local(day.year, day.month, day.day),
                               local(nxt.year, nxt.month, nxt.day))


def test_g04_across_easter() -> None:
    # Thu 15-17 (2 h); Good Friday, the weekend and Easter Monday closed; Tue 08-09 (1 h).
    cal = Calendar.from_config(OFFICE)
    assert cal.seconds_between(local(2020, 4, 9, 15), local(2020, 4, 14, 9)) == 3 * H


def test_g05_created_on_midsommarafton() -> None:
    cal = Calendar.from_config(OFFICE)
    assert cal.seconds_between(local(2020, 6, 19, 10), local(2020, 6, 22, 8, 30)) == 30 * 60


@pytest.mark.parametrize("day", [date(2020, 12, 24), date(2020, 12, 31), date(2020, 6, 19)])
def test_de_facto_holidays_are_closed(day: date) -> None:
    cal = Calendar.from_config(OFFICE)
    assert day_seconds(cal, day) == 0
    assert not cal.is_open(local(day.year, day.month, day.day, 10))


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2020, 12, 24), 9), (date(2020, 12, 31), 9), (date(2020, 6, 19), 8)],
)
def test_de_facto_false_opens_them(day: date, hours: int) -> None:
    # 2020-12-24 and 2020-12-31 are Thursdays, 2020-06-19 a Friday; none a package holiday.
    assert day not in holidays.country_holidays("SE", years=2020)
    assert day_seconds(Calendar.from_config(NO_DE_FACTO), day) == hours * H


def test_de_facto_false_keeps_package_holidays() -> None:
    cal = Calendar.from_config(NO_DE_FACTO)
    assert day_seconds(cal, date(2020, 4, 10)) == 0  # Good Friday
    assert day_seconds(cal, date(2020, 12, 25)) == 0  # Christmas Day


def test_without_a_country_nothing_is_closed() -> None:
    cal = Calendar.from_config(NO_COUNTRY)
    assert day_seconds(cal, date(2020, 12, 24)) == 9 * H
    assert day_seconds(cal, date(2020, 4, 10)) == 8 * H


@pytest.mark.parametrize(
    "day",
    [date(2020, 1, 6), date(2020, 4, 10), date(2020, 4, 13), date(2020, 5, 1), date(2020, 5, 21),
     date(2019, 6, 6), date(2020, 12, 25), date(1990, 1, 1), date(2099, 12, 25)],
)
def test_package_holidays_on_weekdays_are_closed(day: date) -> None:
    assert day.weekday() < 5
    assert day_seconds(Calendar.from_config(OFFICE), day) == 0


def test_the_day_before_a_holiday_is_open() -> None:
    cal = Calendar.from_config(OFFICE)
    assert day_seconds(cal, date(2020, 4, 9)) == 9 * H  # Maundy Thursday
    assert day_seconds(cal, date(2020, 6, 18)) == 9 * H  # before Midsommarafton
    assert day_seconds(cal, date(1990, 1, 2)) == 9 * H


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2015, date(2015, 6, 19)), (2020, date(2020, 6, 19)), (2021, date(2021, 6, 25)),
     (2022, date(2022, 6, 24))],
)
def test_midsommarafton_dates(year: int, expected: date) -> None:
    assert midsommarafton(year) == expected
    assert day_seconds(Calendar.from_config(OFFICE), expected) == 0


def test_midsommarafton_is_the_eve_of_the_package_midsummer_day() -> None:
    # An independent derivation: Midsummer Day is the Saturday 20-26 June in `holidays`.
    hol = holidays.country_holidays("SE", years=range(1990, 2100))
    midsummer_days = {d for d, name in hol.items() if name == "Midsummer Day"}
    assert len(midsummer_days) == 110
    assert {d - timedelta(days=1) for d in midsummer_days} == {
        midsommarafton(y) for y in range(1990, 2100)}


def test_another_country() -> None:
    cfg = CalendarConfig("norway", WEEK, holidays="NO", timezone="Europe/Oslo")
    cal = Calendar.from_config(cfg)
    oslo = ZoneInfo("Europe/Oslo")
    # 17 May 2021 (Constitution Day) is a Monday.
    a = int(datetime(2021, 5, 17, tzinfo=oslo).timestamp())
    assert cal.seconds_between(a, a + 86400) == 0
    assert cal.seconds_between(a + 86400, a + 2 * 86400) == 9 * H
