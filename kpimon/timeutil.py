"""Local time rules (docs/indicators.md), date parsing shared by the sources and the command line.

A source time without an offset is local time in the configured zone: an ambiguous time (the
repeated autumn hour) takes its first occurrence, a non-existent one (the skipped spring hour)
moves forward by the gap.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach `tz` to a naive local time by the §3 rules; returns an aware UTC datetime."""
    # fold=0 picks the first occurrence of a repeated hour; for a skipped wall time it applies
    # the offset from before the gap, which lands after the gap by exactly its length.
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


# The instants a source or a user may name: the years 1970–9998 (UTC). Earlier ones would be
# negative epochs and later ones overflow Python's datetime once an offset or a zone is applied
# (`9999-12-31 23:59-01:00`, `0001-01-01 00:00` local), so they are refused as not a time.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # exclusive
YEARS = "1970–9998"

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_SWEDISH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?$")


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Parse an ISO (`2020-03-02 08:41[:05]`, `T`, offsets) or Swedish (`02.03.2020 08:41`) time.

    Returns an aware UTC datetime; raises ValueError for anything else, and for a time outside
    the years 1970–9998.
    """
    s = text.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d, hh, mm, ss, frac, off = m.groups()
        if hh is not None and int(hh) > 23:
            raise ValueError(f"{text!r}: hour out of range")
        naive = _naive(text, y, mo, d, hh, mm, ss)
        if off:
            if off == "Z":
                return _in_range(text, naive.replace(tzinfo=UTC))
            sign = 1 if off[0] == "+" else -1
            digits = off[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise ValueError(f"{text!r}: UTC offset out of range")
            delta = timedelta(hours=hours, minutes=minutes)
            return _in_range(text, (naive - sign * delta).replace(tzinfo=UTC))
        return _in_range(text, localize(naive, tz))
    m = _SWEDISH.match(s)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        return _in_range(text, localize(_naive(text, y, mo, d, hh, mm, ss), tz))
    raise ValueError(f"{text!r} is not a date and time like 2020-03-02 08:41 or 02.03.2020 08:41")


def _naive(text: str, y: str, mo: str, d: str, hh: str | None, mm: str | None,
           ss: str | None) -> datetime:
    """The wall time of a parsed text; ValueError for a field out of range, or a year
    outside 1970–9998 (checked before a zone is applied, which could overflow)."""
    if not 1970 <= int(y) <= 9998:
        raise ValueError(f"{text!r}: the year is outside {YEARS}")
    return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))


def _in_range(text: str, instant: datetime) -> datetime:
    if not EARLIEST <= instant < LATEST:
        raise ValueError(f"{text!r}: the time is outside the years {YEARS}")
    return instant


def epoch(dt: datetime) -> int:
    """Whole UTC epoch seconds of an aware datetime."""
    return int(dt.timestamp())


def from_epoch(seconds: int, tz: ZoneInfo | None = None) -> datetime:
    """An aware datetime for epoch seconds, in `tz` (default UTC)."""
    return datetime.fromtimestamp(seconds, tz or UTC)
