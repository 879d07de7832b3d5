"""Telia ACE queue-statistics reports (docs/sources/phone.md) → `QueueInterval` records.

ACE (Telia's contact-centre platform) exports one row per queue and interval (a day, an hour or
15 minutes). The files are dropped into a folder and taken by the drop-folder rules of
`kpimon.sources.dropfolder`; each file becomes one `Batch`.

Columns are found by header, case-insensitively, in Swedish or English; a header may carry
details after the name in brackets or after punctuation (`Medel kötid (s)`,
`Servicenivå 1 (20 s)`, `Service level 2 %`):

==============================  ===========================  ===============================
Swedish                         English                      becomes
==============================  ===========================  ===============================
Kö                              Queue                        queue (else config `queue`, else
                                                             the file name without extension)
Datum / Intervall               Date / Interval              interval start (local time); both
                                                             may be present (date + time)
Mottagna kontakter              Received contacts            received  (required)
Etablerade kontakter            Established contacts         answered  (required)
Övergivna kontakter             Abandoned contacts           abandoned
Övergivna kontakter 1           Abandoned contacts 1         abandoned_short
Servicenivå N …                 Service level N …            answered_within[service_levels[N-1]]
Medel kötid …                   Average queue time …         wait_seconds_answered_sum
==============================  ===========================  ===============================

* A service level is a count, or a percent of received when its header or value has `%`:
  count = round(percent × received / 100), halves rounded up.
* Average queue time is over answered calls, in seconds (decimals allowed) or `mm:ss` /
  `hh:mm:ss`: wait_seconds_answered_sum = round(average × answered).
* Numbers may use a decimal comma and a space or non-breaking space as thousands separator.
  An empty cell or `-` is 0 (ACE leaves quiet intervals blank).
* Without an abandoned column, abandoned = received − answered (never below 0).
* The interval end is the explicit end when the cell has one (`08:00-08:15`), the next local
  midnight for a date-only value, and otherwise start + the interval length inferred from
  consecutive starts of each queue in the file (the smallest such gap: 15 min, 1 h; a day or
  more means days; a file with a single start guesses 1 h on the hour, else 15 min). A
  repeated wall time in the autumn DST change is read as its second occurrence the second time
  it appears for a queue.
* Rows whose interval or queue says `Total`/`Totalt`/`Summa` are sums and are skipped; lines
  before the header row (a report title, a date range) are skipped. In a grouped report that
  prints the queue (or the date) only on the first row of a group, an empty queue (or date)
  cell repeats the one above it.
* A missing required column (interval, received, answered), a file without a header row and
  an unreadable CSV fail the file as a whole (`FileError`, naming what is missing and what the
  header has): nothing of it is stored, it is not marked imported but remembered as failed, so
  it is read again once it or the source's configuration changes, and it is left in place
  whatever `after` says, for someone to look at. The files after it are read as usual.
  A bad row is a `Reject` with its line number; the good rows of the file still go in.
* Unknown columns are ignored and named once per file in the log.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.records import QueueInterval, Record, Reject
from kpimon.sources.base import Batch, CollectContext, SourceError, failing
from kpimon.sources.dropfolder import decode_text, drop_files
from kpimon.timeutil import localize, parse_time

DELIMITERS = (";", ",", "\t")
_HEADER_SCAN = 20  # records searched for the header row (report titles come first)
_TOTAL_WORDS = ("total", "totalt", "totals", "summa", "sum", "samtliga", "all")

# The rest of a header after a column name may hold details in brackets or after punctuation,
# but no further words, so that `Queue time` is not taken for `Queue`.
_DETAIL = r"(?P<detail>\s*(?:[(\[%:/\-–].*)?)$"
_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sl", re.compile(r"^(?:servicenivå|service ?level)\s*(?P<n>\d+)(?P<detail>(?!\d).*)$")),
    ("abandoned_short",
     re.compile(r"^(?:övergivna kontakter|abandoned contacts)\s*1(?!\d)" + _DETAIL)),
    ("abandoned", re.compile(r"^(?:övergivna kontakter|abandoned contacts)" + _DETAIL)),
    ("received", re.compile(r"^(?:mottagna kontakter|received contacts)" + _DETAIL)),
    ("answered", re.compile(r"^(?:etablerade kontakter|established contacts)" + _DETAIL)),
    ("avg_wait", re.compile(r"^(?:medel ?kötid|average queue time)" + _DETAIL)),
    ("queue", re.compile(r"^(?:kö|queue)" + _DETAIL)),
    ("date", re.compile(r"^(?:datum|date)" + _DETAIL)),
    ("interval", re.compile(r"^(?:intervall|interval)" + _DETAIL)),
)
REQUIRED = {
    "interval": "Datum/Intervall (Date/Interval)",
    "received": "Mottagna kontakter (Received contacts)",
    "answered": "Etablerade kontakter (Established contacts)",
}

_TIME = r"(?:[01]?\d|2[0-4])[:.][0-5]\d(?:[:.][0-5]\d)?"
_HAS_TIME = re.compile(r"(?:^|[T\s])" + _TIME + r"$")
_END_TIME = re.compile(r"^(?P<start>.+?)\s*[-–]\s*(?P<end>" + _TIME + r")$")
_FULL_RANGE = re.compile(r"^(?P<start>.+?)\s+[-–]\s+(?P<end>.+)$")
_DATE_ONLY = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})$")
_HAS_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4}")
_QUOTED_FIRST = re.compile(r"""^(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?::\s*|\s+)""", re.S)
MAX_EXPONENT = 30  # a number of more than 31 digits is refused as a value
_SECONDS_IN_HEADER = re.compile(r"(\d+)\s*(?:s|sek|sec|seconds|sekunder)\b")


class RowError(ValueError):
    """A bad cell: which kpimon field, and the offending text."""

    def __init__(self, field: str, reason: str, value: str | None = None):
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.value = value


@dataclass
class Layout:
    """Where each known column is in a file's header (indexes into a row)."""

    columns: dict[str, int] = field(default_factory=dict)
    sl_count: dict[int, int] = field(default_factory=dict)  # level number → column
    sl_percent: dict[int, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    header_seconds: dict[int, int] = field(default_factory=dict)  # level → seconds in header
    score: int = 0


def normalize_header(text: str) -> str:
    """Lower case, no BOM or surrounding quotes, single spaces."""
    return " ".join(text.replace("\ufeff", "").strip().strip('"').split()).casefold()


def match_header(cells: Sequence[str]) -> Layout:
    """Map header cells to kpimon fields; unmatched non-empty cells are `unknown`."""
    layout = Layout()
    for i, raw in enumerate(cells):
        h = normalize_header(raw)
        if not h:
            continue
        for name, pattern in _COLUMNS:
            m = pattern.match(h)
            if not m:
                continue
            if name == "sl":
                n = int(m.group("n"))
                detail = m.group("detail")
                percent = "%" in detail or "procent" in detail or "percent" in detail
                target = layout.sl_percent if percent else layout.sl_count
                target.setdefault(n, i)
                s = _SECONDS_IN_HEADER.search(detail)
                if s:
                    layout.header_seconds.setdefault(n, int(s.group(1)))
            elif name not in layout.columns:
                layout.columns[name] = i
            layout.score += 1
            break
        else:
            layout.unknown.append(raw.strip())
    return layout


def parse_number(text: str) -> tuple[Decimal | None, bool]:
    """A cell's number and whether it carried `%`; (None, …) for an empty cell or `-`.

    Spaces and non-breaking spaces are thousands separators; a comma is the decimal separator
    (when both `.` and `,` occur, the last one is the decimal separator).
    """
    s = text.strip()
    for ch in ("\xa0", "\u202f", "\u2009", " "):
        s = s.replace(ch, "")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if s in ("", "-", "–"):
        return None, percent
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    if value and value.adjusted() > MAX_EXPONENT:
        # No count or time has 31 digits; and `1e999999999` would take int() minutes.
        raise ValueError(f"too large (more than {MAX_EXPONENT + 1} digits)")
    return value, percent


def parse_seconds(text: str) -> Decimal | None:
    """Seconds given as a number (decimal comma allowed) or as `mm:ss` / `hh:mm:ss`."""
    s = text.strip()
    if ":" in s:
        parts = s.split(":")
        if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
            raise ValueError("not a time like 01:25 or 00:01:25")
        total = Decimal(0)
        for p in parts:
            total = total * 60 + int(p)
        return total
    value, _ = parse_number(s)
    return value


def half_up(value: Decimal) -> int:
    """Round to a whole number, halves away from zero (what a reader of a report expects).
    (Not `quantize`, which refuses a result of more than 28 digits.)"""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


@dataclass
class _Row:
    line: int
    queue: str
    start: datetime
    end: datetime | None  # None: infer from the other starts of the queue
    date_only: bool
    received: int
    answered: int
    within: dict[int, int]
    abandoned: int
    abandoned_short: int
    wait_sum: int


class AceCsvSource:
    """The `ace_csv` adapter: one Batch of QueueIntervals (and Rejects) per dropped file."""

    def __init__(self, config: SourceConfig, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.clock = clock
        self.sleep = sleep

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Yield one Batch per settled, not yet imported report file."""
        if not self.config.path and ctx.files is None:
            raise SourceError(f"source {self.config.name!r}: ace_csv reads files; set path",
                              permanent=True)
        for drop in drop_files(self.config, ctx, clock=self.clock, sleep=self.sleep):
            try:
                data = drop.path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise SourceError(f"{drop.path}: cannot read: {e.strerror}") from None
            if hashlib.sha256(data).hexdigest() != drop.identity.sha256:
                ctx.log.info("%s: changed while being read; left for the next collection",
                             drop.path)
                continue
            try:
                parsed, whole_file_rejected = self.parse(data, drop.path, ctx)
            except Exception as e:  # an input no rule foresaw fails this file alone
                ctx.log.debug("%s: unreadable", drop.path, exc_info=True)
                parsed = [self._reject(str(drop.path), None, None,
                                       f"cannot be read: {type(e).__name__}: {e}")]
                whole_file_rejected = True
            items: Iterable[Record | Reject] = parsed
            if whole_file_rejected:
                # A file that cannot be read at all fails alone: it is not marked imported and
                # stays in place until it (or the configuration) changes.
                reason = next((i.reason for i in parsed if isinstance(i, Reject)), "unreadable")
                items = failing(f"{drop.path}: {reason}")
            yield Batch(
                label=f"{self.config.name}: {drop.path.name}",
                items=items,
                file_key=drop.key,
                on_commit=None if whole_file_rejected else drop.on_commit,
            )

    def parse(self, data: bytes, path: Path, ctx: CollectContext
              ) -> tuple[list[QueueInterval | Reject], bool]:
        """Parse one file's bytes; returns (items, whether the whole file was rejected)."""
        where = str(path)
        text, _ = decode_text(data)
        try:
            return self._parse_text(text, where, path, ctx)
        except csv.Error as e:
            return [self._reject(where, None, None, f"not a readable CSV file: {e}")], True

    def _parse_text(self, text: str, where: str, path: Path, ctx: CollectContext
                    ) -> tuple[list[QueueInterval | Reject], bool]:
        found = _find_header(text)
        if found is None:
            return [self._reject(where, None, "interval", "the file has no header row")], True
        delimiter, header_index, header, layout = found
        missing = [f for f in REQUIRED if f not in self._present(layout)]
        if missing:
            names = ", ".join(REQUIRED[f] for f in missing)
            seen = ", ".join(repr(c.strip()) for c in header if c.strip())
            reason = f"required column missing: {names}; the header has {seen}"
            return [self._reject(where, None, missing[0], reason)], True
        if layout.unknown:
            ctx.log.info("%s: ignoring unknown columns: %s", path.name,
                         ", ".join(repr(c) for c in layout.unknown))
        self._check_levels(layout, path, ctx)
        if "abandoned" not in layout.columns:
            ctx.log.info("%s: no abandoned column; using received − answered", path.name)

        out: list[QueueInterval | Reject] = []
        rows: list[_Row] = []
        seen_starts: set[tuple[str, datetime]] = set()
        group: dict[str, str] = {}
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for index, cells in enumerate(reader):
            if index <= header_index or not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            try:
                row = self._row(cells, layout, line, path, ctx.tz, group)
            except RowError as e:
                out.append(self._reject(where, line, e.field, e.reason, e.value))
                continue
            if row is None:
                continue
            key = (row.queue, row.start)
            if key in seen_starts:
                second = _second_occurrence(row.start, ctx.tz)
                if second is None or (row.queue, second) in seen_starts:
                    out.append(self._reject(where, line, "interval",
                                            "the same queue and interval appear twice",
                                            row.start.astimezone(ctx.tz).isoformat()))
                    continue
                shift = second - row.start
                row.start = second
                if row.end is not None:
                    row.end += shift
            seen_starts.add((row.queue, row.start))
            rows.append(row)
        out.extend(self._intervals(rows, ctx))
        return out, False

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _present(layout: Layout) -> set[str]:
        present = set(layout.columns)
        if "date" in present:
            present.add("interval")
        return present

    def _reject(self, where: str, row: int | None, field_name: str | None, reason: str,
                value: str | None = None) -> Reject:
        return Reject(self.config.name, where, row, field_name, reason, value)

    def _check_levels(self, layout: Layout, path: Path, ctx: CollectContext) -> None:
        levels = self.config.service_levels
        for n in sorted(set(layout.sl_count) | set(layout.sl_percent)):
            if n > len(levels) or n < 1:
                ctx.log.info("%s: service level %d is not in service_levels %s; ignored",
                             path.name, n, list(levels))
            elif n in layout.header_seconds and layout.header_seconds[n] != levels[n - 1]:
                ctx.log.warning("%s: the header says service level %d is %d s, but "
                                "service_levels says %d s; using %d s", path.name, n,
                                layout.header_seconds[n], levels[n - 1], levels[n - 1])

    def _row(self, cells: list[str], layout: Layout, line: int, path: Path, tz: ZoneInfo,
             group: dict[str, str]) -> _Row | None:
        """One data row; `group` carries the last queue and date seen, for grouped reports
        that print them only on the first row of a group."""
        cols = layout.columns

        def cell(name: str) -> str:
            i = cols.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        if _is_total(cell("date")) or _is_total(cell("interval")) or _is_total(cell("queue")):
            return None  # a sum row
        date_text = cell("date")
        time_only = bool(cell("interval")) and not _HAS_DATE.search(cell("interval"))
        if "date" in cols and not date_text and time_only:
            date_text = group.get("date", "")
        when = _interval_text(date_text, cell("interval"))
        try:
            start, end, date_only = parse_interval(when, tz)
        except ValueError as e:
            if not cell("received") and not cell("answered"):
                return None  # a title or footer line, not data
            raise RowError("interval", _without_value(str(e)), when) from None
        if "queue" in cols:
            queue = cell("queue") or group.get("queue", "")
        else:
            queue = self.config.queue or path.stem
        if not queue:
            raise RowError("queue", "the queue is empty")
        group["queue"] = queue
        if date_text:
            group["date"] = date_text
        received = _count(cell("received"), "received")
        answered = _count(cell("answered"), "answered")
        if "abandoned" in cols:
            abandoned = _count(cell("abandoned"), "abandoned")
        else:
            abandoned = max(0, received - answered)
        abandoned_short = _count(cell("abandoned_short"), "abandoned_short")
        within: dict[int, int] = {}
        levels = self.config.service_levels
        for n, threshold in enumerate(levels, start=1):
            field_name = f"service_level_{n}"
            if n in layout.sl_count:
                i = layout.sl_count[n]
                text = cells[i] if i < len(cells) else ""
                within[threshold] = _level(text, received, field_name, percent=False)
            elif n in layout.sl_percent:
                i = layout.sl_percent[n]
                text = cells[i] if i < len(cells) else ""
                within[threshold] = _level(text, received, field_name, percent=True)
        wait_sum = 0
        if "avg_wait" in cols:
            text = cell("avg_wait")
            try:
                avg = parse_seconds(text)
            except ValueError as e:
                raise RowError("avg_wait", str(e), text) from None
            if avg is not None:
                if avg < 0:
                    raise RowError("avg_wait", "negative average queue time", text)
                wait_sum = half_up(avg * answered)
        return _Row(line, queue, start, end, date_only, received, answered, within, abandoned,
                    abandoned_short, wait_sum)

    def _intervals(self, rows: list[_Row], ctx: CollectContext) -> Iterator[QueueInterval]:
        length = _interval_length(rows)
        for row in rows:
            end = row.end
            if end is None:
                if row.date_only:
                    end = _next_local_day(row.start, ctx.tz)
                else:
                    step = length or _guess_length(row.start)
                    if step >= timedelta(hours=23) and _is_local_midnight(row.start, ctx.tz):
                        end = _next_local_day(row.start, ctx.tz)
                    else:
                        end = row.start + step
            yield QueueInterval(
                source=self.config.name, queue=row.queue, start=row.start, end=end,
                received=row.received, answered=row.answered, answered_within=row.within,
                abandoned=row.abandoned, abandoned_short=row.abandoned_short,
                wait_seconds_answered_sum=row.wait_sum, row=row.line,
            )


def _find_header(text: str) -> tuple[str, int, list[str], Layout] | None:
    """Pick the delimiter and header row that name the most known columns."""
    best: tuple[int, str, int, list[str], Layout] | None = None
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for index, cells in enumerate(reader):
            if index >= _HEADER_SCAN:
                break
            layout = match_header(cells)
            if best is None or layout.score > best[0]:
                best = (layout.score, delimiter, index, cells, layout)
    if best is not None and best[0] >= 1:
        return best[1], best[2], best[3], best[4]
    if not first_line:
        return None
    # Nothing known at all: report against the first line, split on its commonest delimiter.
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for index, cells in enumerate(reader):
        if any(c.strip() for c in cells):
            return delimiter, index, cells, match_header(cells)
    return None


def _without_value(message: str) -> str:
    """A parser's message without the value it quotes first (`'igår' is not a date…` → `is
    not a date…`): a reject's reason must not carry what its value only keeps masked."""
    return _QUOTED_FIRST.sub("", message, count=1) or message


def _is_total(text: str) -> bool:
    words = text.casefold().split()
    return bool(words) and words[0].rstrip(":") in _TOTAL_WORDS


def _interval_text(date_cell: str, interval_cell: str) -> str:
    """Join a separate date and time-of-day column; either alone is used as it is."""
    if date_cell and interval_cell and not _HAS_DATE.search(interval_cell):
        return f"{date_cell} {interval_cell}"
    return interval_cell or date_cell


def parse_interval(text: str, tz: ZoneInfo) -> tuple[datetime, datetime | None, bool]:
    """(start, explicit end or None, date only) of an interval cell, as aware UTC datetimes.

    Accepted: `2020-03-02`, `02.03.2020`, `2020-03-02 08:15[:00]`, `02.03.2020 08.15`,
    `2020-03-02 08:00-08:15`, `2020-03-02 08:00 - 2020-03-02 08:15`.
    """
    s = " ".join(text.split())
    if not s:
        raise ValueError("the interval is empty")
    if _DATE_ONLY.match(s):
        return parse_time(s, tz), None, True
    m = _END_TIME.match(s)
    if m and _HAS_TIME.search(m.group("start")):
        start = _parse_start(m.group("start"), tz)
        return start, _end_on_day(start, m.group("end"), tz), False
    m = _FULL_RANGE.match(s)
    if m:
        start = _parse_start(m.group("start"), tz)
        end = _parse_start(m.group("end"), tz)
        if end <= start:
            raise ValueError(f"{text!r}: the interval ends before it starts")
        return start, end, False
    return _parse_start(s, tz), None, False


def _parse_start(text: str, tz: ZoneInfo) -> datetime:
    # Swedish reports may write 08.15 for 08:15; parse_time wants a colon in ISO dates.
    s = re.sub(r"(\s\d{1,2})\.(\d{2})(?:\.(\d{2}))?$",
               lambda m: f"{m.group(1)}:{m.group(2)}" + (f":{m.group(3)}" if m.group(3) else ""),
               text.strip())
    return parse_time(s, tz)


def _end_on_day(start: datetime, end_text: str, tz: ZoneInfo) -> datetime:
    parts = [int(p) for p in re.split(r"[:.]", end_text)]
    hh, mm, ss = (parts + [0, 0])[:3]
    local = start.astimezone(tz)
    day = local.date()
    if hh == 24:
        hh, day = 0, day + timedelta(days=1)
    naive = datetime(day.year, day.month, day.day, hh, mm, ss)
    if naive <= local.replace(tzinfo=None):
        naive += timedelta(days=1)  # 23:45-00:00 ends the next day
    return localize(naive, tz)


def _next_local_day(start: datetime, tz: ZoneInfo) -> datetime:
    d: date = start.astimezone(tz).date() + timedelta(days=1)
    return localize(datetime(d.year, d.month, d.day), tz)


def _is_local_midnight(t: datetime, tz: ZoneInfo) -> bool:
    local = t.astimezone(tz)
    return (local.hour, local.minute, local.second) == (0, 0, 0)


def _second_occurrence(start: datetime, tz: ZoneInfo) -> datetime | None:
    """The later instant of an ambiguous local wall time, or None if it is not ambiguous."""
    naive = start.astimezone(tz).replace(tzinfo=None)
    later = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return later if later != start else None


def _interval_length(rows: list[_Row]) -> timedelta | None:
    """The report's interval length: the smallest gap between consecutive starts of a queue.

    Gaps are taken per queue (queues interleave in a file), and the smallest over the file is
    used for every queue: a report has one interval setting, and a quiet queue whose 08:15 row
    is missing must not get 30-minute intervals.
    """
    starts: dict[str, set[datetime]] = {}
    for row in rows:
        if row.end is None and not row.date_only:
            starts.setdefault(row.queue, set()).add(row.start)
    best: timedelta | None = None
    for values in starts.values():
        ordered = sorted(values)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b > a and (best is None or b - a < best):
                best = b - a
    return best


def _guess_length(start: datetime) -> timedelta:
    """One row and nothing to compare with: an hour if it starts on the hour, else 15 min."""
    return timedelta(hours=1) if start.minute == 0 else timedelta(minutes=15)


def _count(text: str, field_name: str) -> int:
    try:
        value, percent = parse_number(text)
    except ValueError as e:
        raise RowError(field_name, str(e), text) from None
    if value is None:
        return 0
    if percent:
        raise RowError(field_name, "a count cannot be a percent", text)
    if value < 0 or value != value.to_integral_value():
        raise RowError(field_name, "not a whole number of 0 or more", text)
    return int(value)


def _level(text: str, received: int, field_name: str, percent: bool) -> int:
    """A service-level cell as a count; a percent (by header or value) is of received."""
    try:
        value, value_percent = parse_number(text)
    except ValueError as e:
        raise RowError(field_name, str(e), text) from None
    if value is None:
        return 0
    if value < 0:
        raise RowError(field_name, "negative", text)
    if percent or value_percent:
        if value > 100:
            raise RowError(field_name, "a percent above 100", text)
        return half_up(value * received / 100)
    if value != value.to_integral_value():
        raise RowError(field_name, "not a whole number (add % to the header for a percent)",
                       text)
    return int(value)

