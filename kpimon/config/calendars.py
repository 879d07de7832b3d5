"""`[calendars.NAME]`: weekly opening hours, holidays, closed and short days, day length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpimon.config.parsing import Errors, Section, check_timezone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class CalendarConfig:
    """Opening hours as (weekday 0=Mon, 'HH:MM', 'HH:MM') ranges plus holidays and exceptions."""

    name: str
    hours: tuple[tuple[int, str, str], ...]
    holidays: str | None = None
    de_facto: bool = True
    closed: tuple[str, ...] = ()
    short: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    timezone: str = "Europe/Stockholm"
    day_length: int | None = None  # business seconds in a "d"; default the longest opening day


_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def _ranges(values: tuple[str, ...], path: str, errors: Errors) -> tuple[tuple[str, str], ...]:
    out = []
    for i, text in enumerate(values):
        m = _HHMM.match(text.strip())
        if not m or (m.group(1), m.group(2)) >= (m.group(3), m.group(4)):
            errors.add(f"{path}[{i}]", f"{text!r} is not an opening range like '08:00-17:00'")
            continue
        a, b = text.strip().split("-")
        out.append((a, b))
    return tuple(out)


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def parse_calendar(name: str, sec: Section, tz: str, errors: Errors) -> CalendarConfig:
    sec.unknown({"hours", "holidays", "de_facto", "closed", "short", "timezone", "day_length"},
                "a calendar")
    hours_sec = sec.table("hours")
    hours_sec.unknown(set(WEEKDAYS), "opening hours (mon..sun)")
    hours: list[tuple[int, str, str]] = []
    for d, day in enumerate(WEEKDAYS):
        for a, b in _ranges(hours_sec.str_list(day, one_ok=True), hours_sec.p(day), errors):
            hours.append((d, a, b))
    if "hours" not in sec.data:
        errors.add(sec.p("hours"), "required")
    holidays = sec.get("holidays", str)
    if holidays is not None:
        try:
            import holidays as hol

            hol.country_holidays(holidays, years=2020)
        except Exception:
            errors.add(sec.p("holidays"), f"{holidays!r} is not a country known to `holidays`")
    closed = sec.str_list("closed")
    for i, day_text in enumerate(closed):
        if not _is_date(day_text):
            errors.add(f"{sec.p('closed')}[{i}]", f"{day_text!r} is not a date YYYY-MM-DD")
    short_sec = sec.table("short")
    short: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for day_text in short_sec.data:
        if not _is_date(day_text):
            errors.add(short_sec.p(day_text), f"{day_text!r} is not a date YYYY-MM-DD")
            continue
        short.append((day_text, _ranges(short_sec.str_list(day_text, one_ok=True),
                                        short_sec.p(day_text), errors)))
    cal_tz = sec.get("timezone", str, tz)
    check_timezone(cal_tz, sec.p("timezone"), errors)
    day_length = None
    dl = sec.duration("day_length")
    if dl is not None:
        if dl.unit in ("d", "w", "mo"):
            errors.add(sec.p("day_length"), "give the day length in hours or minutes, e.g. '8h'")
        else:
            day_length = dl.seconds()
    return CalendarConfig(
        name=name, hours=tuple(hours), holidays=holidays,
        de_facto=sec.get("de_facto", bool, True), closed=closed, short=tuple(sorted(short)),
        timezone=cal_tz, day_length=day_length,
    )


def business_day_length(cal: CalendarConfig) -> int:
    if cal.day_length:
        return cal.day_length
    per_day: dict[int, int] = {}
    for d, a, b in cal.hours:
        per_day[d] = per_day.get(d, 0) + _minutes(b) * 60 - _minutes(a) * 60
    return max(per_day.values(), default=0) or 86400


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)
