"""`ticket_csv`: Efecte-style CSV exports of tickets (and optionally their status history).

Files come from a drop folder (`path`, a glob; `status_changes`, a glob for history files) or an
HTTP(S) `url`. Each file is one `Batch`: stored in one transaction, or not at all.

Reading (docs/sources/):

* the encoding is `encoding` when configured, else `utf-8-sig` (a BOM), else `utf-8` when the
  whole file decodes, else `cp1252` — decided by a binary pre-scan so that a file is never
  half-read in the wrong encoding. Bytes that still do not decode (cp1252 leaves five byte
  values undefined) become U+FFFD rather than stopping the file;
* the delimiter is `delimiter` when configured, else whichever of `;`, tab and `,` splits the
  header line into the most columns (`;` on a tie), so a decimal comma in a data row does not
  matter;
* rows stream through `csv.reader` (quoted fields may hold delimiters and line breaks), so memory
  does not depend on the size of the file. Blank lines, and rows whose every field is blank, are
  not data and are skipped.

Rows (the row number of a reject is the line where the row starts; the header is line 1):

* a row with fewer fields than the header (a missing column, or the last row of a file cut off
  mid-row) is a reject naming the first mapped field it lacks; a row with more fields than the
  header is a reject unless the extra fields are empty (an unquoted delimiter in a value would
  shift every later column);
* a header without a mapped required column fails the file as a whole (`FileError`: which
  columns it lacks, which it has, and to map them with `fields`); no row is read from it;
* everything else is `TicketMapper`'s (value maps, required fields, dates, DST).

A history file (`status_changes`) has a header row, then four columns by position: ticket id;
changed at; from status (empty for the first change); to status — both through the status map.
`kpimon import SOURCE FILE` reads one named file: it is a ticket file when its header has the
required columns, a history file when the source has `status_changes` and the header has exactly
four columns, and otherwise a file error (never guessed to be history). A history file whose
header has fewer than four columns fails as a whole too.

An `url` is fetched through the shared HTTP helper into a temporary file, and is identified by
the URL and a hash of its content: an unchanged export is not imported again.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from kpimon.config import SourceConfig
from kpimon.records import Record, Reject, StatusChange, Ticket
from kpimon.sources.base import Batch, CollectContext, FileError, SourceError
from kpimon.sources.dropfolder import detect_encoding, downloaded, pending_files
from kpimon.sources.mapping import FIELD_ORDER, RowPlan, TicketMapper

DELIMITERS = (";", "\t", ",")
_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab"}
# A long solution text must not make its row unreadable (csv's default limit is 128 KiB).
FIELD_SIZE_LIMIT = 1 << 24


def sniff_delimiter(header: str) -> str:
    """The one of `;`, tab and `,` that splits the header line into the most columns."""
    best, best_n = ";", 1
    for d in DELIMITERS:
        try:
            n = len(next(csv.reader([header], delimiter=d), []))
        except csv.Error:
            continue
        if n > best_n:
            best, best_n = d, n
    return best


class CsvFile:
    """One export file to read: its rows, and how far into the file they are.

    The file is opened by `open()` (or `with`), when the rows are wanted, not before: a Batch
    that is never consumed holds no open file. Iterating the opened file yields
    `(line, fields, error)`: the line where the row starts, its fields, and a reason when
    `csv.reader` could not read the row (fields is then empty). The header is the first row.
    """

    def __init__(self, path: Path, encoding: str | None = None, delimiter: str | None = None):
        self.path = path
        self.size = path.stat().st_size
        self._encoding = encoding
        self._delimiter = delimiter
        self.encoding = ""
        self.delimiter = ""
        self._raw: io.BufferedReader | None = None
        self._text: io.TextIOWrapper | None = None

    def open(self) -> None:
        """Open the file: decide its encoding and delimiter (OSError, or LookupError for an
        unknown configured encoding)."""
        self.encoding = self._encoding or detect_encoding(self.path)
        codec = codecs.lookup(self.encoding).name  # an unknown one fails before opening
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        if codec == "utf-8" and self._raw.read(3) == codecs.BOM_UTF8:
            self.encoding = "utf-8-sig"  # `encoding = "utf-8"` and a BOM: not part of the text
        self._raw.seek(0)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, errors="replace",
                                      newline="")
        first = ""
        for _ in range(20):  # the header: the first line that is not blank
            first = self._text.readline()
            if not first or first.strip():
                break
        self._text.seek(0)
        self.delimiter = self._delimiter or sniff_delimiter(first)

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        elif self._raw is not None:
            self._raw.close()

    def __enter__(self) -> CsvFile:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def position(self) -> int:
        """Bytes read from the file so far (read-ahead included), for progress and ETA."""
        if self._raw is None:
            return 0
        try:
            return self._raw.tell()
        except (OSError, ValueError):  # closed: all of it
            return self.size

    def progress(self) -> tuple[int, int]:
        return self.position(), self.size

    def __iter__(self) -> Iterator[tuple[int, list[str], str | None]]:
        if csv.field_size_limit() < FIELD_SIZE_LIMIT:
            csv.field_size_limit(FIELD_SIZE_LIMIT)
        if self._text is None:
            raise ValueError("CsvFile.open() first")
        reader = csv.reader(self._text, delimiter=self.delimiter, strict=False)
        line = 0
        while True:
            start = line + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                line = reader.line_num
                yield start, [], f"unreadable row: {e}"
                continue
            line = reader.line_num
            if not fields:
                continue
            for f in fields:
                if f and not f.isspace():
                    break
            else:
                continue  # every field blank: not a data row
            yield start, fields, None


HISTORY_COLUMNS = 4  # ticket id; changed at; from status; to status


def _named(header: list[str]) -> list[str]:
    return [h for h in header if h]


def _listed(header: list[str], limit: int = 400) -> str:
    text = ", ".join(_named(header)) or "(nothing)"
    return text if len(text) <= limit else text[:limit] + " …"


class TicketCsvSource:
    """The `ticket_csv` adapter: one Batch per export file, tickets or status history."""

    def __init__(self, config: SourceConfig):
        self.config = config

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Yield a Batch per new settled file (or per file of `kpimon import`), oldest first."""
        mapper = TicketMapper(self.config, ctx.tz)
        try:
            if ctx.files is not None:
                # `kpimon import`: the user's own file, read whatever the drop folder's rules
                # and never moved or deleted afterwards (`after` is for the drop folder).
                for drop in pending_files(self.config.path or "", self.config, ctx):
                    yield self._batch(drop.path, drop.label, drop.key, None, ctx, mapper, None)
                return
            if self.config.url and not self.config.path:
                yield from self._from_url(ctx, mapper)
                return
            # The status history first: the tickets that arrive after it get their facts
            # from it as they are inserted (a large first import with a status file then
            # leaves no facts pass behind it); a ticket whose history comes later is marked
            # for the facts pass.
            if self.config.status_changes:
                for drop in pending_files(self.config.status_changes, self.config, ctx,
                                          optional=True):
                    yield self._batch(drop.path, drop.label, drop.key, drop.on_commit, ctx,
                                      mapper, True)
            if self.config.path:
                for drop in pending_files(self.config.path, self.config, ctx):
                    yield self._batch(drop.path, drop.label, drop.key, drop.on_commit, ctx,
                                      mapper, False)
        finally:
            ctx.stats.warnings += mapper.warnings

    def _from_url(self, ctx: CollectContext, mapper: TicketMapper) -> Iterator[Batch]:
        with downloaded(self.config, ctx) as drop:
            if not ctx.is_imported(drop.key) and not ctx.failed_before(drop.key):
                yield self._batch(drop.path, drop.label, drop.key, None, ctx, mapper, False)

    def _batch(self, path: Path, label: str, key: str, on_commit: Callable[[], None] | None,
               ctx: CollectContext, mapper: TicketMapper, history: bool | None) -> Batch:
        """A Batch whose items stream from the file as the store consumes them."""
        try:
            csv_file = CsvFile(path, self.config.encoding, self.config.delimiter)
        except OSError as e:
            raise SourceError(f"{label}: {e.strerror or e}") from None
        return Batch(label=label, items=self._items(csv_file, label, ctx, mapper, history),
                     file_key=key, on_commit=on_commit, progress=csv_file.progress)

    def _items(self, csv_file: CsvFile, label: str, ctx: CollectContext, mapper: TicketMapper,
               history: bool | None) -> Iterator[Record | Reject]:
        try:
            csv_file.open()
        except OSError as e:
            raise SourceError(f"{label}: {e.strerror or e}") from None
        except LookupError as e:  # an unknown `encoding`
            raise SourceError(f"source {self.config.name}: {e}", permanent=True) from None
        try:
            rows = iter(csv_file)
            first = next(rows, None)
            if first is None:
                return
            header = [h.strip() for h in first[1]]
            plan = mapper.plan(header)
            if history is None:  # `kpimon import`: tickets, or a history file by its header
                history = plan.problem is not None and bool(self.config.status_changes) \
                    and len(_named(header)) == HISTORY_COLUMNS
            if history:
                if len(_named(header)) < HISTORY_COLUMNS:
                    raise FileError(
                        f"{label}: a status history file has {HISTORY_COLUMNS} columns (ticket "
                        "id; changed at; from status; to status); its header has "
                        f"{len(_named(header))}: {_listed(header)}", permanent=True)
                yield from self._history_rows(rows, label, mapper)
            else:
                if plan.problem is not None:
                    raise FileError(self._header_problem(label, header, mapper),
                                    permanent=True)
                if plan.missing:
                    ctx.log.info("%s: no column for %s; left empty", label,
                                 ", ".join(f"{n} ({mapper.fields[n]!r})" for n in plan.missing))
                yield from self._ticket_rows(rows, label, plan, csv_file.delimiter)
        finally:
            csv_file.close()

    def _header_problem(self, label: str, header: list[str], mapper: TicketMapper) -> str:
        """What a file whose header lacks mapped required columns is told: which ones, what
        the header has, and how to fix it."""
        present = set(header)
        lacking = [mapper.fields[f] for f in FIELD_ORDER if f in mapper.required
                   and mapper.fields.get(f) and mapper.fields[f] not in present]
        hint = "map them with `fields` in the source's configuration"
        if self.config.status_changes:
            hint += (f" (a status history file has {HISTORY_COLUMNS} columns: ticket id; "
                     "changed at; from status; to status)")
        return (f"{label}: the header lacks {', '.join(lacking)}; it has: {_listed(header)}; "
                f"{hint}")

    def _ticket_rows(self, rows: Iterator[tuple[int, list[str], str | None]], label: str,
                     plan: RowPlan, delimiter: str) -> Iterator[Record | Reject]:
        # The hot loop of a large import: RowPlan.map, unrolled.
        width = plan.width
        pick = plan.pick
        map_values = plan.mapper.map_values
        solution = plan.solution_mapped
        for line, fields, error in rows:
            if len(fields) == width:
                fields.append("")  # the value of every mapped column the file lacks
                yield map_values(pick(fields), solution, label, line)
            else:
                yield self._odd_row(line, fields, error, label, plan, delimiter)

    def _odd_row(self, line: int, fields: list[str], error: str | None, label: str,
                 plan: RowPlan, delimiter: str) -> Ticket | Reject:
        """A row that is not as wide as the header: unreadable, short, or too long."""
        name = self.config.name
        n, width = len(fields), plan.width
        if error is not None:
            return Reject(name, label, line, None, error)
        if n < width:
            # the first mapped field whose column the row does not reach
            lacking = min(((plan.column(f), f) for f in FIELD_ORDER if plan.column(f) >= n),
                          default=(0, None))[1]
            return Reject(name, label, line, lacking,
                          f"row has {n} of the header's {width} columns"
                          + (f", so no {plan.mapper.fields[lacking]!r}" if lacking else "")
                          + " (a missing column, or a row cut off)")
        if all(not f or f.isspace() for f in fields[width:]):
            del fields[width:]  # only empty cells after the last column: a trailing delimiter
            return plan.map(fields, label, line)
        return Reject(name, label, line, None,
                      f"row has {n} columns, the header {width} (an unquoted "
                      f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))} in a value?)")

    def _history_rows(self, rows: Iterator[tuple[int, list[str], str | None]], label: str,
                      mapper: TicketMapper) -> Iterator[Record | Reject]:
        """Status history: ticket id; changed at; from status (empty first); to status."""
        name = self.config.name
        times = mapper.times
        for line, fields, error in rows:
            if error is not None:
                yield Reject(name, label, line, None, error)
                continue
            if len(fields) < 4:
                yield Reject(name, label, line, "status_changes",
                             f"expected 4 columns, found {len(fields)}")
                continue
            ticket_id, at_text, from_text, to_text = (f.strip() for f in fields[:4])
            if not ticket_id:
                yield Reject(name, label, line, "id", "required value is empty")
                continue
            try:
                at = times(at_text)
            except ValueError:
                yield Reject(name, label, line, "at", "not a date and time", at_text)
                continue
            to_status = mapper.status(to_text)
            if to_status is None:
                yield Reject(name, label, line, "status",
                             f"value {to_text[:64]!r} is not in values.status", to_text)
                continue
            from_status = mapper.status(from_text) if from_text else None
            if from_text and from_status is None:
                yield Reject(name, label, line, "status",
                             f"value {from_text[:64]!r} is not in values.status", from_text)
                continue
            yield StatusChange(name, ticket_id, at, from_status, to_status, False)
