"""Properties of business time: additive, never negative, 0 on holidays, equal to a reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Rich enough to exercise every rule: a lunch break, a shorter Friday, a Sunday-night range
# across both DST changes, holidays and de facto holidays, closed dates and short days (one on
# a holiday, one on a DST Sunday). No range end lies in the 02:00-03:00 change hour, where a
# wall-clock reference and the §3 end-point rule may legitimately differ (see test_calendar_dst).
RICH = CalendarConfig(
    "rich",
    tuple((d, a, b) for d in range(4) for a, b in (("08:00", "12:00"), ("13:00", "17:00")))
    + ((4, "08:00", "16:00"), (6, "01:00", "04:00")),
    holidays="SE",
    closed=("2020-03-10", "2021-11-15"),
    short=(("2019-12-24", (("09:00", "11:00"),)), ("2020-04-09", (("08:00", "12:00"),)),
           ("2021-03-28", (("00:30", "01:30"), ("03:30", "05:00")))),
)
OFFICE = CalendarConfig(
    "office", tuple((d, "08:00", "17:00") for d in range(4)) + ((4, "08:00", "16:00"),),
    holidays="SE")
TWENTY_FOUR_SEVEN = CalendarConfig("24x7", tuple((d, "00:00", "24:00") for d in range(7)))


def epoch(y: int, mo: int, d: int) -> int:
    return int(datetime(y, mo, d, tzinfo=UTC).timestamp())


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def swedish_closed_days(years: range) -> set[date]:
    """Package holidays plus the de facto ones, derived independently of kpimon."""
    hol = holidays.country_holidays("SE", years=years)
    days = set(hol)
    for d, name in hol.items():
        if name == "Midsummer Day":  # always a Saturday, so its eve is the Friday
            days.add(d - timedelta(days=1))
    for y in years:
        days.update((date(y, 12, 24), date(y, 12, 31)))
    return days


REF_CLOSED = swedish_closed_days(range(2018, 2024))


def reference_seconds(cfg: CalendarConfig, a: int, b: int) -> int:
    """Business seconds in [a, b) for minute-aligned a, b: one wall-clock look per minute."""
    tz = ZoneInfo(cfg.timezone)
    weekly: dict[int, list[tuple[int, int]]] = {}
    for wd, start, end in cfg.hours:
        weekly.setdefault(wd, []).append((minutes(start), minutes(end)))
    short = {date.fromisoformat(d): [(minutes(s), minutes(e)) for s, e in r] for d, r in cfg.short}
    closed = {date.fromisoformat(d) for d in cfg.closed}
    total = 0
    for m in range(a, b, 60):
        t = datetime.fromtimestamp(m, tz)
        day = t.date()
        if day in closed:
            continue
        if day in short:
            ranges = short[day]
        elif day in REF_CLOSED:
            continue
        else:
            ranges = weekly.get(day.weekday(), [])
        wall = t.hour * 60 + t.minute
        if any(s <= wall < e for s, e in ranges):
            total += 60
    return total


# Interesting instants to start near: DST changes, Easter, midsummer, Christmas, short/closed days.
HOT_SPOTS = [
    epoch(2019, 3, 31), epoch(2019, 10, 27), epoch(2019, 12, 24), epoch(2020, 3, 10),
    epoch(2020, 3, 29), epoch(2020, 4, 9), epoch(2020, 6, 19), epoch(2020, 10, 25),
    epoch(2020, 12, 31), epoch(2021, 3, 28), epoch(2021, 6, 25), epoch(2021, 11, 15),
    epoch(2022, 3, 27), epoch(2022, 10, 30),
]
LO, HI = epoch(2019, 1, 1) // 60, epoch(2022, 12, 20) // 60
start_minute = st.one_of(
    st.integers(LO, HI),
    st.sampled_from(HOT_SPOTS).flatmap(
        lambda t: st.integers(t // 60 - 3 * 1440, t // 60 + 1440)),
)
WIDE = st.integers(epoch(1985, 1, 1), epoch(2105, 1, 1))


@settings(max_examples=60, deadline=None)
@given(a_min=start_minute, length=st.integers(0, 10 * 1440))
def test_equals_minute_by_minute_reference(a_min: int, length: int) -> None:
    a, b = a_min * 60, (a_min + length) * 60
    assert Calendar.from_config(RICH).seconds_between(a, b) == reference_seconds(RICH, a, b)


@settings(max_examples=300, deadline=None)
@given(st.lists(WIDE, min_size=3, max_size=3).map(sorted))
def test_additive(abc: list[int]) -> None:
    a, b, c = abc
    for cfg in (RICH, OFFICE, TWENTY_FOUR_SEVEN):
        cal = Calendar.from_config(cfg)
        assert cal.seconds_between(a, c) == cal.seconds_between(a, b) + cal.seconds_between(b, c)


@settings(max_examples=300, deadline=None)
@given(WIDE, WIDE)
def test_never_negative_and_position_non_decreasing(a: int, b: int) -> None:
    for cfg in (RICH, OFFICE, TWENTY_FOUR_SEVEN):
        cal = Calendar.from_config(cfg)
        got = cal.seconds_between(a, b)
        assert got >= 0
        assert got <= max(0, b - a)  # never more business time than real time
        if b <= a:
            assert got == 0
            assert cal.position(b) <= cal.position(a)
        else:
            assert cal.position(a) <= cal.position(b)


ALL_CLOSED = sorted(d for d in swedish_closed_days(range(1990, 2100)) if d.year < 2100)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ALL_CLOSED), st.integers(0, 86399), st.integers(0, 86399))
def test_zero_inside_a_holiday(day: date, x: int, y: int) -> None:
    cal = Calendar.from_config(OFFICE)
    midnight = int(datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM).timestamp())
    nxt = day + timedelta(days=1)
    end = int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=STOCKHOLM).timestamp())
    a, b = sorted((midnight + x, midnight + y))
    b = min(b, end)
    assert cal.seconds_between(a, b) == 0
    assert cal.seconds_between(midnight, end) == 0
    assert not cal.is_open(a)
