"""What the store's columns can hold, in one place, and the check of a record against it.

Every integer a record carries is checked against the type of the column it goes into
(`smallint` ±32 767, `integer` ±2 147 483 647, `bigint` ±2⁶³ − 1), and every key against the
column's length. The bounds are those of PostgreSQL's types and are applied on SQLite too
(whose integers are all 64-bit), so a file imports the same on both databases. A value that
does not fit makes its row a reject naming the field, never a failed file: the writer
(`store/writer.py`) calls `problem` for every record before it writes a chunk.

Times need no check here: every adapter reads them through `timeutil.parse_time` (or from
epochs it bounds), which refuses anything outside the years 1970–9998, and any such instant is
a whole number of seconds well inside `bigint`.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, SmallInteger, String

from kpimon.records import Call, Device, DeviceCount, ManualValue, QueueInterval
from kpimon.store import tables as t

_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))  # BigInteger is an Integer


def int_bounds(column: Column[Any]) -> tuple[int, int]:
    """The smallest and largest value of an integer column's type."""
    for kind, bits in _BITS:
        if isinstance(column.type, kind):
            return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    raise TypeError(f"{column} is not an integer column")


def length(column: Column[Any]) -> int:
    """The length of a string column."""
    if not isinstance(column.type, String) or column.type.length is None:
        raise TypeError(f"{column} is not a string column of a fixed length")
    return int(column.type.length)


def too_large(value: int, column: Column[Any]) -> str | None:
    """Why `value` does not fit `column` (None when it does)."""
    lo, hi = int_bounds(column)
    if lo <= value <= hi:
        return None
    return f"out of range: the store holds {lo}…{hi} here"


def bad_key(value: str, column: Column[Any]) -> str | None:
    """Why a key (an id, a name) cannot be stored as it is: too long, or a NUL character
    (PostgreSQL refuses one in text). A key is never cut, or two could become one."""
    limit = length(column)
    if len(value) > limit:
        return f"longer than {limit} characters"
    if "\x00" in value:
        return "holds a NUL character"
    return None


# Record field → its column, for the records other than tickets and status changes (whose few
# checks sit in the writer's hot loop, with the bounds taken from here).
LINE = t.tickets.c.resolved_by_line
TICKET_ID = t.tickets.c.id
_CALL_INTS = (("wait_seconds", t.calls.c.wait_seconds),)
_CALL_KEYS = (("call_id", t.calls.c.call_id), ("queue", t.calls.c.queue))
_INTERVAL_INTS = tuple((c, t.queue_intervals.c[c]) for c in (
    "received", "answered", "abandoned", "abandoned_short", "wait_seconds_answered_sum"))
_LEVEL_THRESHOLD = t.queue_interval_levels.c.threshold
_LEVEL_ANSWERED = t.queue_interval_levels.c.answered


def problem(item: object) -> tuple[str, str, str] | None:
    """(field, reason, value as text) for a record the store cannot hold as it is, or None."""
    if isinstance(item, Call):
        return _ints(item, _CALL_INTS) or _keys(item, _CALL_KEYS)
    if isinstance(item, QueueInterval):
        found = _ints(item, _INTERVAL_INTS) or _keys(item, (("queue", t.queue_intervals.c.queue),))
        if found:
            return found
        for threshold, answered in item.answered_within.items():
            why = too_large(int(threshold), _LEVEL_THRESHOLD) or \
                too_large(int(answered), _LEVEL_ANSWERED)
            if why:
                return f"answered_within[{threshold}]", why, number_text(int(answered))
        return None
    if isinstance(item, Device):
        return _keys(item, (("name", t.devices.c.name),))
    if isinstance(item, DeviceCount):
        return _ints(item, (("count", t.device_snapshots.c.count),))
    if isinstance(item, ManualValue) and not math.isfinite(item.value):
        return "value", "not a finite number", str(item.value)
    return None


def _ints(item: object, columns: tuple[tuple[str, Column[Any]], ...]
          ) -> tuple[str, str, str] | None:
    for name, column in columns:
        value = int(getattr(item, name))
        why = too_large(value, column)
        if why:
            return name, why, number_text(value)
    return None


def number_text(value: int) -> str:
    """An integer as text for a reject (which keeps 64 characters): one too long for
    `str` (Python refuses more than 4 300 digits) is given by its first 64."""
    if value.bit_length() <= 212:  # at most 64 digits
        return str(value)
    return ("-" if value < 0 else "") + "9" * 64


def _keys(item: object, columns: tuple[tuple[str, Column[Any]], ...]
          ) -> tuple[str, str, str] | None:
    for name, column in columns:
        value = getattr(item, name)
        why = bad_key(value, column)
        if why:
            return name, why, value
    return None
