"""Periods: local calendar periods [start, end) in the configured time zone.

Month `2020-12`, quarter `2020-Q4`, ISO week `2020-W05`, year `2020`, or a range of dates given
with `--from D --to D` (both inclusive, labelled `2020-01-01..2020-06-30`).

This module sits below both the sources (the manual CSV names its periods) and the KPI engine,
beside `timeutil`, so that neither layer has to import the other to read a period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kpimon.timeutil import EARLIEST, LATEST, YEARS, epoch, localize, parse_time

#: The years a period and an evaluation moment (`--at`, `?at=`) may lie in, as for any time
#: (timeutil): year 9999 has no room for its period's end.
FIRST_YEAR, LAST_YEAR = EARLIEST.year, LATEST.year - 1


@dataclass(frozen=True)
class Period:
    """A period; `start` and `end` are aware local datetimes, `kind` its shape."""

    label: str
    kind: str  # month | quarter | week | year | range
    first: date  # first day
    last: date  # last day (inclusive)
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return localize(datetime.combine(self.first, time()), self.tz).astimezone(self.tz)

    @property
    def end(self) -> datetime:
        nxt = self.last + timedelta(days=1)
        return localize(datetime.combine(nxt, time()), self.tz).astimezone(self.tz)

    @property
    def start_s(self) -> int:
        return epoch(self.start)

    @property
    def end_s(self) -> int:
        return epoch(self.end)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.kind == "year":
            return year(self.first.year - 1, self.tz)
        if self.kind == "month":
            y, m = (self.first.year, self.first.month - 1) if self.first.month > 1 else (
                self.first.year - 1, 12)
            return month(y, m, self.tz)
        if self.kind == "quarter":
            q = (self.first.month - 1) // 3 + 1
            y, q = (self.first.year, q - 1) if q > 1 else (self.first.year - 1, 4)
            return quarter(y, q, self.tz)
        if self.kind == "week":
            prev = self.first - timedelta(days=7)
            iso = prev.isocalendar()
            return week(iso.year, iso.week, self.tz)
        days = (self.last - self.first).days + 1
        return date_range(self.first - timedelta(days=days), self.first - timedelta(days=1),
                          self.tz)

    def year_earlier(self) -> Period:
        """The same period one year earlier (for `previous`)."""
        if self.kind == "year":
            return year(self.first.year - 1, self.tz)
        if self.kind == "month":
            return month(self.first.year - 1, self.first.month, self.tz)
        if self.kind == "quarter":
            return quarter(self.first.year - 1, (self.first.month - 1) // 3 + 1, self.tz)
        if self.kind == "week":
            iso = self.first.isocalendar()
            wk = min(iso.week, date(iso.year - 1, 12, 28).isocalendar().week)
            return week(iso.year - 1, wk, self.tz)
        return date_range(_minus_year(self.first), _minus_year(self.last), self.tz)

    def json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def year(y: int, tz: ZoneInfo) -> Period:
    return Period(f"{y:04d}", "year", date(y, 1, 1), date(y, 12, 31), tz)


def month(y: int, m: int, tz: ZoneInfo) -> Period:
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return Period(f"{y:04d}-{m:02d}", "month", date(y, m, 1), nxt - timedelta(days=1), tz)


def quarter(y: int, q: int, tz: ZoneInfo) -> Period:
    first = date(y, 3 * (q - 1) + 1, 1)
    last = month(y, 3 * q, tz).last
    return Period(f"{y:04d}-Q{q}", "quarter", first, last, tz)


def week(y: int, w: int, tz: ZoneInfo) -> Period:
    first = date.fromisocalendar(y, w, 1)
    return Period(f"{y:04d}-W{w:02d}", "week", first, first + timedelta(days=6), tz)


def months_of(period: Period) -> list[Period]:
    """The calendar months that overlap `period` (a year: its twelve), oldest first."""
    out = []
    y, m = period.first.year, period.first.month
    while date(y, m, 1) <= period.last:
        out.append(month(y, m, period.tz))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def date_range(first: date, last: date, tz: ZoneInfo) -> Period:
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last, tz)


def parse_period(text: str, tz: ZoneInfo) -> Period:
    """Parse `2020`, `2020-12`, `2020-Q4`, `2020-W05` or `2020-01-01..2020-06-30`.

    Raises ValueError for anything else, and for a period outside the years 1970–9998.
    """
    s = text.strip()
    period: Period | None = None
    try:
        if m := re.fullmatch(r"(\d{4})", s):
            period = year(int(m.group(1)), tz)
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
            if not 1 <= int(m.group(2)) <= 12:
                raise ValueError
            period = month(int(m.group(1)), int(m.group(2)), tz)
        elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", s):
            period = quarter(int(m.group(1)), int(m.group(2)), tz)
        elif m := re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", s):
            period = week(int(m.group(1)), int(m.group(2)), tz)
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
            period = date_range(date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2)),
                                tz)
    except (ValueError, OverflowError):  # a month 13, week 54, a date past year 9999
        pass
    if period is None:
        raise ValueError(f"{text!r} is not a period like 2020, 2020-12, 2020-Q4, 2020-W05 "
                         "or 2020-01-01..2020-06-30")
    return check_years(period)


def check_years(period: Period) -> Period:
    """`period` itself if it lies in the years FIRST_YEAR–LAST_YEAR; else ValueError."""
    if period.first.year < FIRST_YEAR or period.last.year > LAST_YEAR:
        raise ValueError(f"{period.label}: a period must lie in the years {YEARS}")
    return period


def parse_at(text: str, tz: ZoneInfo) -> datetime:
    """An evaluation moment (`--at`, `?at=`): `parse_time`, and in the years 1970–9998 in `tz`
    too, as its period must be. Raises ValueError otherwise."""
    at = parse_time(text, tz)  # refuses what lies outside those years in UTC
    if not FIRST_YEAR <= at.astimezone(tz).year <= LAST_YEAR:
        raise ValueError(f"{text!r}: the moment must lie in the years {YEARS}")
    return at


def containing(kind: str, at: datetime, tz: ZoneInfo) -> Period:
    """The month or year (or quarter, week) that contains `at`."""
    local = at.astimezone(tz).date()
    if kind == "year":
        return year(local.year, tz)
    if kind == "quarter":
        return quarter(local.year, (local.month - 1) // 3 + 1, tz)
    if kind == "week":
        iso = local.isocalendar()
        return week(iso.year, iso.week, tz)
    return month(local.year, local.month, tz)
