"""Field and value maps (docs/sources/): from a source's raw attribute values to a `Ticket`.

Shared by every ticket source (CSV, Efecte REST, Efecte XML). Required fields are `id`,
`created`, `status` and `priority` (plus `updated` where the source says so). Priority, status
and kind values must map, or the row is a reject naming field and value; other fields pass through
as they are, and an optional field whose value a given map does not cover becomes null and
counts as a data-quality warning. A solution text only ever becomes `solution_present`.

Two ways in, one set of rules:

* `TicketMapper.map(raw, …)` takes a dict (attribute code or column → text), for the API
  adapters;
* `TicketMapper.plan(header)` resolves the columns of a CSV header once, and `RowPlan.map(fields,
  …)` then maps a row given as the list `csv.reader` returns — the hot path of a large import,
  without a dict per row.

Times go through `LocalTimes`, which parses the common `YYYY-MM-DD HH:MM[:SS]` and
`DD.MM.YYYY HH:MM[:SS]` forms by slicing, with a per-run cache of each local hour's UTC start
(the DST rule of docs/indicators.md applied once per hour, by `timeutil.parse_time` itself);
anything else goes to `timeutil.parse_time`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kpimon.config import REQUIRED_TICKET_FIELDS, VOCABULARY, SourceConfig
from kpimon.records import Reject, Ticket
from kpimon.timeutil import parse_time

# The order in which a row's values are handled; `RowPlan` picks them out of a CSV row in it.
FIELD_ORDER = ("id", "kind", "priority", "status", "created", "updated", "first_response",
               "resolved", "closed", "resolved_by_line", "solution", "support_group", "org",
               "category")
_TEXT_FIELDS = ("support_group", "org", "category")
_DIGITS = re.compile(r"\d+")

_MINUTES = {f"{m:02d}": timedelta(minutes=m) for m in range(60)}
_SECONDS = {f"{s:02d}": timedelta(seconds=s) for s in range(60)}
_LINES = {str(n): n for n in range(10)}
_LAST_SECOND = timedelta(minutes=59, seconds=59)
_HOUR_CACHE_LIMIT = 500_000  # local hours; far more than any export spans (57 years)


class LocalTimes:
    """Parses source times to aware UTC datetimes, fast for the common forms (docs/indicators.md).

    The fast path takes `2020-03-02 08:41`, `2020-03-02T08:41`, `02.03.2020 08:41`, each with
    optional `:05` seconds and no offset, and splits it into the local hour (`2020-03-02 08`)
    and the minutes and seconds within it. The UTC start of each local hour is computed once by
    `parse_time` (so the exact §3 rule applies: the repeated autumn hour takes its first
    occurrence, the skipped spring hour moves forward by the gap) and cached; the row's time is
    that start plus the minutes and seconds. An hour is cached only when the UTC offset is the
    same at its first and last second — true of every hour in zones whose changes fall on the
    hour, such as Europe/Stockholm; other hours, and every other form (offsets, `Z`, fractions,
    one-digit fields), take `parse_time` whole.
    """

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._hours: dict[str, datetime | None] = {}

    def parse(self, text: str) -> datetime:
        """The UTC instant of `text`; ValueError when it is not a date and time."""
        # The common case first, in as few steps as possible: a cached hour plus minutes.
        if len(text) == 16 and text[13] == ":":
            start = self._hours.get(text[:13])
            if start is not None:
                minutes = _MINUTES.get(text[14:16])
                if minutes is not None:
                    return start + minutes
        return self._parse_other(text)

    __call__ = parse

    def _parse_other(self, text: str) -> datetime:
        n = len(text)
        if (n == 16 or n == 19 and text[16] == ":") and text[13] == ":":
            key = text[:13]
            start = self._hours[key] if key in self._hours else self._hour(key)
            if start is not None:
                minutes = _MINUTES.get(text[14:16])
                seconds = _SECONDS.get(text[17:19]) if n == 19 else _SECONDS["00"]
                if minutes is not None and seconds is not None:
                    return start + minutes + seconds
        return parse_time(text, self.tz)

    def _hour(self, key: str) -> datetime | None:
        """The UTC start of a local hour given as `YYYY-MM-DD HH` or `DD.MM.YYYY HH` (or None
        when it is not one, or when its offset changes within the hour)."""
        start: datetime | None = None
        if len(self._hours) >= _HOUR_CACHE_LIMIT:
            self._hours.clear()
        iso = key[10] in " T" and key[4] == "-" and key[7] == "-"
        if iso or key[10] == " " and key[2] == "." and key[5] == ".":
            try:
                first = parse_time(key + ":00", self.tz)  # validates the key like any time
            except ValueError:
                pass
            else:
                # The hour's last second, one offset on: does it still show this day and hour?
                # (Not across the skipped spring hour, whose times then take parse_time.)
                last = (first + _LAST_SECOND).astimezone(self.tz)
                day = int(key[8:10] if iso else key[0:2])
                if (last.day, last.hour, last.minute, last.second) == (
                        day, int(key[11:13]), 59, 59):
                    start = first
        self._hours[key] = start
        return start


# Building a Ticket through its frozen dataclass __init__ costs about as much as mapping the
# rest of the row: each field goes through object.__setattr__ by name. `make_ticket` fills the
# same slots through their descriptors directly: the very same object (tests/sources/
# test_ticket_csv_properties.py checks it is equal to Ticket(...)), in about half the time.
# It is used only while Ticket has exactly these fields and no __post_init__ to run.
_SLOTS = ("source", "id", "kind", "priority", "status", "created", "updated", "first_response",
          "resolved", "closed", "resolved_by_line", "solution_present", "support_group", "org",
          "category", "row")
_NEW = object.__new__
(_S_SOURCE, _S_ID, _S_KIND, _S_PRIORITY, _S_STATUS, _S_CREATED, _S_UPDATED, _S_FIRST,
 _S_RESOLVED, _S_CLOSED, _S_LINE, _S_SOLUTION, _S_GROUP, _S_ORG, _S_CATEGORY, _S_ROW) = (
    Ticket.__dict__[name].__set__ for name in _SLOTS)


def _make_ticket(source: str, id: str, kind: str, priority: str, status: str,  # noqa: A002
                 created: datetime, updated: datetime | None,
                 first_response: datetime | None, resolved: datetime | None,
                 closed: datetime | None, resolved_by_line: int | None,
                 solution_present: bool | None, support_group: str | None, org: str | None,
                 category: str | None, row: int | None) -> Ticket:
    t: Ticket = _NEW(Ticket)
    _S_SOURCE(t, source)
    _S_ID(t, id)
    _S_KIND(t, kind)
    _S_PRIORITY(t, priority)
    _S_STATUS(t, status)
    _S_CREATED(t, created)
    _S_UPDATED(t, updated)
    _S_FIRST(t, first_response)
    _S_RESOLVED(t, resolved)
    _S_CLOSED(t, closed)
    _S_LINE(t, resolved_by_line)
    _S_SOLUTION(t, solution_present)
    _S_GROUP(t, support_group)
    _S_ORG(t, org)
    _S_CATEGORY(t, category)
    _S_ROW(t, row)
    return t


make_ticket: Callable[..., Ticket] = (
    _make_ticket if tuple(f.name for f in fields(Ticket)) == _SLOTS
    and not hasattr(Ticket, "__post_init__") else Ticket)


@dataclass(frozen=True)
class RowPlan:
    """How to map the rows of one CSV file: the header resolved to column positions once.

    `missing` names the mapped optional fields whose column the header lacks (they become
    null, and a `solution` column that is not there leaves `solution_present` unknown);
    `problem` is set when a required column is missing, and then every row is a reject.
    """

    mapper: TicketMapper
    pick: Callable[[Sequence[str]], tuple[str, ...]]
    positions: tuple[int, ...]  # per FIELD_ORDER: the header position, or -1
    width: int
    solution_mapped: bool
    missing: tuple[str, ...]
    problem: tuple[str, str] | None  # (field, reason) when a required column is missing

    def column(self, name: str) -> int:
        """The header position a field is read from (-1: unmapped, or not in the file)."""
        return self.positions[FIELD_ORDER.index(name)]

    def map(self, fields: list[str], where: str, row: int) -> Ticket | Reject:
        """Map one CSV row (the list is extended in place with one empty sentinel value)."""
        if self.problem is not None:
            return Reject(self.mapper.config.name, where, row, self.problem[0],
                          self.problem[1])
        fields.append("")  # the value of every column the header lacks (position -1)
        return self.mapper.map_values(self.pick(fields), self.solution_mapped, where, row)


class TicketMapper:
    """Turns one raw row (source column or attribute code → text) into a Ticket or a Reject."""

    def __init__(self, config: SourceConfig, tz: ZoneInfo, require_updated: bool = False):
        self.config = config
        self.tz = tz
        self.fields = dict(config.fields)
        self.values = {k: dict(v) for k, v in config.values.items()}
        self.required = REQUIRED_TICKET_FIELDS + (("updated",) if require_updated else ())
        self.warnings = 0  # optional values a value map did not cover (data quality)
        self.times = LocalTimes(tz)
        self._parse = self.times.parse
        # A vocabulary field without a value map takes kpimon's own words.
        self._vocab = {name: self.values.get(name) or {w: w for w in VOCABULARY[name]}
                       for name in ("kind", "priority", "status")}
        self._priorities = self._vocab["priority"]
        self._statuses = self._vocab["status"]
        self._kinds = self._vocab["kind"]
        self._text_maps = any(name in self.values for name in _TEXT_FIELDS)
        self._updated_required = "updated" in self.required
        self._source = config.name

    def columns(self) -> dict[str, str]:
        """kpimon field → source column/attribute code, for the fields that are mapped."""
        return dict(self.fields)

    # ------------------------------------------------------------------ CSV rows

    def plan(self, header: Sequence[str]) -> RowPlan:
        """Resolve a CSV header (already stripped) against the field map."""
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            index.setdefault(name, i)  # a repeated header: the first column counts
        positions: list[int] = []
        missing: list[str] = []
        problem: tuple[str, str] | None = None
        for name in FIELD_ORDER:
            column = self.fields.get(name)
            if column is None:
                positions.append(-1)
            elif column in index:
                positions.append(index[column])
            else:
                positions.append(-1)
                if name in self.required:
                    if problem is None:
                        problem = (name, f"required column {column!r} is not in the file's "
                                   "header")
                else:
                    missing.append(name)
        return RowPlan(self, operator.itemgetter(*positions), tuple(positions), len(header),
                       "solution" in self.fields and "solution" not in missing,
                       tuple(missing), problem)

    # ------------------------------------------------------------------ dict rows

    def map(self, raw: Mapping[str, str | None], where: str, row: int | None) -> Ticket | Reject:
        """Map one row given as a dict; the first problem found makes the whole row a reject."""
        for name in self.required:
            column = self.fields.get(name)
            if column is not None and column not in raw:
                return Reject(self.config.name, where, row, name,
                              f"column {column!r} is missing")
        values = []
        for name in FIELD_ORDER:
            column = self.fields.get(name)
            values.append((raw.get(column) or "") if column is not None else "")
        return self.map_values(values, "solution" in self.fields, where, row)

    # ------------------------------------------------------------------ the rules

    def map_values(self, v: Sequence[str], solution_mapped: bool, where: str,
                   row: int | None) -> Ticket | Reject:
        """Map the values of one row, in FIELD_ORDER ("" for a value that is not there).

        The checks run in a fixed order, so a row with several problems is always rejected for
        the same one: required values present, then the dates, then priority, status and kind.
        """
        ident = v[0].strip()
        if not ident:
            return self._reject(where, row, "id", "required value is empty")
        if not v[4].strip():
            return self._reject(where, row, "created", "required value is empty")
        if not v[3].strip():
            return self._reject(where, row, "status", "required value is empty")
        if not v[2].strip():
            return self._reject(where, row, "priority", "required value is empty")
        if self._updated_required and not v[5].strip():
            return self._reject(where, row, "updated", "required value is empty")
        parse = self._parse
        # An export often repeats a time within a row (updated = closed, say): the same text
        # is parsed once, and the writer then sees the very same datetime.
        c, u, f, r, d = v[4], v[5], v[6], v[7], v[8]
        try:
            created = parse(c)
            updated = (created if u == c else parse(u)) if u else None
            first_response = (created if f == c else updated if f == u else parse(f)) \
                if f else None
            resolved = (updated if r == u else first_response if r == f else parse(r)) \
                if r else None
            closed = (updated if d == u else resolved if d == r else parse(d)) if d else None
        except ValueError:
            return self._dates_again(v, solution_mapped, where, row)
        # Vocabulary: the exact text is the common case; stripped, the fallback.
        priority = self._priorities.get(v[2]) or self._priorities.get(v[2].strip())
        if priority is None:
            return self._unmapped(where, row, "priority", v[2])
        status = self._statuses.get(v[3]) or self._statuses.get(v[3].strip())
        if status is None:
            return self._unmapped(where, row, "status", v[3])
        kind = "incident"  # the default kind (docs/indicators.md)
        if v[1] and not v[1].isspace():
            mapped = self._kinds.get(v[1]) or self._kinds.get(v[1].strip())
            if mapped is None:
                return self._unmapped(where, row, "kind", v[1])
            kind = mapped
        line_text = v[9]
        line = _LINES.get(line_text) if line_text else None
        if line is None and line_text:
            line = self._line(line_text.strip() or None)
        solution = bool(v[10].strip()) if solution_mapped else None
        group = v[11].strip() or None
        org = v[12].strip() or None
        category = v[13].strip() or None
        if self._text_maps:
            group = self._text("support_group", group)
            org = self._text("org", org)
            category = self._text("category", category)
        return make_ticket(self._source, ident, kind, priority, status, created, updated,
                           first_response, resolved, closed, line, solution, group, org,
                           category, row)

    def _dates_again(self, v: Sequence[str], solution_mapped: bool, where: str,
                     row: int | None) -> Ticket | Reject:
        """A date did not parse: reject the row naming the first bad one — unless every bad
        one is an optional date that is only blanks, which is no date at all."""
        try:
            self._parse(v[4])
        except ValueError:
            return self._reject(where, row, "created", "not a date and time", v[4].strip())
        fixed = list(v)
        for name, i in (("updated", 5), ("first_response", 6), ("resolved", 7), ("closed", 8)):
            if not v[i]:
                continue
            try:
                self._parse(v[i])
            except ValueError:
                if v[i].strip():
                    return self._reject(where, row, name, "not a date and time", v[i].strip())
                fixed[i] = ""
        return self.map_values(fixed, solution_mapped, where, row)

    def _text(self, name: str, text: str | None) -> str | None:
        """An optional text value through its value map, if it has one (else as it is)."""
        mapping = self.values.get(name)
        if text is None or mapping is None:
            return text
        if text not in mapping:
            self.warnings += 1
            return None
        return mapping[text]

    def _reject(self, where: str, row: int | None, name: str, reason: str,
                value: str | None = None) -> Reject:
        return Reject(self.config.name, where, row, name, reason, value)

    def _unmapped(self, where: str, row: int | None, name: str, text: str) -> Reject:
        text = text.strip()
        return Reject(self.config.name, where, row, name,
                      f"value {text[:64]!r} is not in values.{name}", text)

    def _line(self, text: str | None) -> int | None:
        if text is None:
            return None
        mapping = self.values.get("resolved_by_line")
        if mapping is not None:
            if text not in mapping:
                self.warnings += 1
                return None
            text = mapping[text]
        m = _DIGITS.search(text)
        if m is None:
            self.warnings += 1
            return None
        # Beyond 20 digits a number is out of every column's range (the store rejects it);
        # its first 20 say so, where Python's int() refuses more than 4 300.
        return int(m.group(0).lstrip("0")[:20] or "0")

    def status(self, text: str | None) -> str | None:
        """Map a status value through the status map (for status-history rows)."""
        if text is None or not text.strip():
            return None
        return self._vocab["status"].get(text.strip())


__all__ = ["FIELD_ORDER", "LocalTimes", "RowPlan", "TicketMapper", "make_ticket"]
