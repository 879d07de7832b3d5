"""Time helpers for the sample-data generator.

All generated instants are whole minutes since the Unix epoch in UTC (int64 numpy arrays), so
durations can be added without caring about daylight saving time; only the writers turn them into
Europe/Stockholm wall-clock text, the way Efecte and Telia ACE export them. The conversion is
vectorised from the EU summer-time rule (last Sunday of March and of October, 01:00 UTC), which a
test checks against `zoneinfo`.

`BusinessClock` adds office minutes (Mon-Thu 08-17, Fri 08-16, Swedish holidays closed) to
instants with prefix sums over hourly slots, so "answered within 45 office minutes" lands on the
next morning for a ticket created in the evening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

TZ_NAME = "Europe/Stockholm"
TZ = ZoneInfo(TZ_NAME)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = dt.date(1970, 1, 1)
MINUTES_PER_DAY = 1440
# A time that is never reached: marks an event that does not exist or lies after the end.
NEVER = np.iinfo(np.int64).max // 4

I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]

# Office hours per ISO weekday (0 = Monday): (opening hour, closing hour), local time.
OFFICE_HOURS: dict[int, tuple[int, int]] = {0: (8, 17), 1: (8, 17), 2: (8, 17), 3: (8, 17),
                                            4: (8, 16)}


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def swedish_holidays(year: int) -> list[dt.date]:
    """Days a Swedish municipal service desk is closed: public holidays and the de facto eves.

    Weekend holidays are included for completeness; they are closed days anyway.
    """
    easter = easter_sunday(year)
    midsummer_eve = next(dt.date(year, 6, d) for d in range(19, 26)
                         if dt.date(year, 6, d).weekday() == 4)
    all_saints = next(dt.date(year, 10, 31) + dt.timedelta(days=i) for i in range(7)
                      if (dt.date(year, 10, 31) + dt.timedelta(days=i)).weekday() == 5)
    days = [
        dt.date(year, 1, 1), dt.date(year, 1, 6),
        easter - dt.timedelta(days=2), easter, easter + dt.timedelta(days=1),
        dt.date(year, 5, 1), easter + dt.timedelta(days=39), easter + dt.timedelta(days=49),
        dt.date(year, 6, 6), midsummer_eve, midsummer_eve + dt.timedelta(days=1), all_saints,
        dt.date(year, 12, 24), dt.date(year, 12, 25), dt.date(year, 12, 26),
        dt.date(year, 12, 31),
    ]
    return sorted(set(days))


def holiday_day_numbers(first_year: int, last_year: int) -> I64:
    """Swedish holidays of the given years as days since 1970-01-01, sorted."""
    days = [(d - EPOCH_DATE).days for y in range(first_year, last_year + 1)
            for d in swedish_holidays(y)]
    return np.array(sorted(days), dtype=np.int64)


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def dst_transitions(first_year: int, last_year: int) -> I64:
    """EU summer-time starts and ends (01:00 UTC), as UTC minutes: [start, end, start, end, …]."""
    out = []
    for year in range(first_year, last_year + 1):
        for month in (3, 10):
            sunday = _last_sunday(year, month)
            out.append((sunday - EPOCH_DATE).days * MINUTES_PER_DAY + 60)
    return np.array(out, dtype=np.int64)


class Stockholm:
    """Vectorised UTC → Europe/Stockholm conversion for instants in a range of years."""

    def __init__(self, first_year: int, last_year: int):
        # One year of margin on each side keeps searchsorted away from the array ends.
        self.transitions = dst_transitions(first_year - 1, last_year + 1)

    def offset(self, utc: I64) -> I64:
        """UTC offset in minutes (60 in winter, 120 in summer) at each instant."""
        idx = np.searchsorted(self.transitions, utc, side="right")
        return np.where(idx % 2 == 1, 120, 60).astype(np.int64)

    def to_local(self, utc: I64) -> I64:
        """Local wall-clock minutes (as if the local time were UTC) for each instant."""
        return utc + self.offset(utc)

    def unambiguous(self, utc: I64) -> I64:
        """Move instants in the repeated autumn hour's second pass to its end (03:00 local).

        Exported local times carry no offset, and kpimon reads an ambiguous time as its first
        occurrence; an event written in the second pass could then appear to precede an event that
        really happened before it. The mapping never decreases, so event order is kept.
        """
        idx = np.searchsorted(self.transitions, utc, side="right")
        prev = self.transitions[np.maximum(idx - 1, 0)]
        second_pass = (idx % 2 == 0) & (idx > 0) & (utc - prev < 60)
        return np.where(second_pass, prev + 60, utc)


def local_to_utc_minutes(local: dt.datetime) -> int:
    """A naive local Europe/Stockholm time as UTC minutes (the first occurrence if ambiguous)."""
    aware = local.replace(tzinfo=TZ, fold=0)
    return int((aware - EPOCH).total_seconds() // 60)


def utc_minutes_to_local(minutes: int) -> dt.datetime:
    """UTC minutes as a naive local Europe/Stockholm datetime."""
    aware = EPOCH + dt.timedelta(minutes=int(minutes))
    return aware.astimezone(TZ).replace(tzinfo=None)


class TimeFormatter:
    """Formats UTC minutes as local `YYYY-MM-DD HH:MM` text, fast, through small lookup tables.

    numpy's own datetime formatting costs about 0.6 µs a value; joining a cached date string and a
    cached clock string is four times faster, which matters at a million tickets.
    """

    def __init__(self, tz: Stockholm, first_day: int, last_day: int):
        self.tz = tz
        self.first_day = first_day
        days = np.arange(first_day, last_day + 1, dtype=np.int64).astype("datetime64[D]")
        self.dates: list[str] = [s + " " for s in np.datetime_as_string(days).tolist()]
        self.clock: list[str] = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]

    def format(self, utc: I64, valid: Bools | None = None) -> list[str]:
        """Local time text for each instant; '' where `valid` is False."""
        if valid is None:
            valid = utc < NEVER
        local = self.tz.to_local(np.where(valid, utc, self.first_day * MINUTES_PER_DAY))
        day = local // MINUTES_PER_DAY
        minute = (local - day * MINUTES_PER_DAY).tolist()
        dates, clock = self.dates, self.clock
        out = [dates[d] + clock[m] for d, m in zip((day - self.first_day).tolist(), minute,
                                                    strict=True)]
        for i in np.flatnonzero(~valid).tolist():
            out[i] = ""
        return out


def minute_slots(start: int, end: int) -> I64:
    """Starts (UTC minutes) of the hourly slots covering [start, end]."""
    first = start - start % 60
    return np.arange(first, end + 1, 60, dtype=np.int64)


def local_calendar(tz: Stockholm, utc: I64) -> tuple[I64, I64, I64, I64]:
    """Local (day number, hour, weekday 0=Mon, month 1-12) of each instant."""
    local = tz.to_local(utc)
    day = local // MINUTES_PER_DAY
    hour = (local - day * MINUTES_PER_DAY) // 60
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    return day, hour, weekday, month


class BusinessClock:
    """Office minutes between instants in [start, end], by prefix sums over hourly slots.

    Opening hours are whole local hours, so every hourly UTC slot is either wholly open or wholly
    closed and a lookup plus one multiplication gives the office minutes before any instant.
    """

    def __init__(self, tz: Stockholm, start: int, end: int, holidays: Iterable[int],
                 hours: dict[int, tuple[int, int]] | None = None):
        hours = OFFICE_HOURS if hours is None else hours
        self.slots = minute_slots(start, end)
        self.end = end
        day, hour, weekday, _ = local_calendar(tz, self.slots)
        opening = np.full(7, 24, dtype=np.int64)
        closing = np.zeros(7, dtype=np.int64)
        for wd, (a, b) in hours.items():
            opening[wd], closing[wd] = a, b
        is_open = (hour >= opening[weekday]) & (hour < closing[weekday])
        is_open &= ~np.isin(day, np.fromiter(holidays, dtype=np.int64))
        self.open = is_open.astype(np.int64)
        self.cum = np.concatenate(([0], np.cumsum(self.open * 60)))
        self.end_value = int(self.at(np.array([end], dtype=np.int64))[0])

    def at(self, t: I64) -> I64:
        """Office minutes from the first slot up to each instant (clipped to the covered range)."""
        i = np.clip((t - self.slots[0]) // 60, 0, len(self.slots) - 1)
        within = np.clip(t - self.slots[i], 0, 60)
        return self.cum[i] + self.open[i] * within

    def instant(self, value: I64, not_before: I64) -> I64:
        """The earliest instant ≥ `not_before` with `value` office minutes; NEVER after the end."""
        v = np.minimum(value, self.cum[-1])
        i = np.searchsorted(self.cum, v, side="left")
        # cum[i] == v: the instant is the start of slot i (e.g. the 17:00 closing for whole
        # hours). Otherwise v lies inside the open slot i-1.
        exact = self.cum[np.minimum(i, len(self.cum) - 1)] == v
        prev = np.maximum(i - 1, 0)
        slot_start = np.concatenate((self.slots, [self.slots[-1] + 60]))
        t = np.where(exact, slot_start[np.minimum(i, len(slot_start) - 1)],
                     self.slots[prev] + (v - self.cum[prev]))
        t = np.maximum(t, not_before)
        return np.where((value > self.end_value) | (t > self.end), NEVER, t)


def day_number(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH_DATE).days


def years_of(days: Sequence[int]) -> tuple[int, int]:
    """First and last calendar year touched by the given day numbers."""
    first = (EPOCH_DATE + dt.timedelta(days=int(min(days)))).year
    last = (EPOCH_DATE + dt.timedelta(days=int(max(days)))).year
    return first, last
