"""`ticket_csv`: Efecte-style CSV exports of tickets (and optionally their status history).

Files come from a drop folder (`path`, a glob) or an HTTP(S) `url`. The delimiter is sniffed
among `;`, `,` and tab from the header line; the encoding is `utf-8-sig`, else `utf-8`, else
`cp1252`, decided by a binary pre-scan so that a file is never half-read in the wrong encoding.
Rows stream through `csv.reader` (quoted fields may hold newlines), so memory does not grow with
the file. Each file is one `Batch`: stored in one transaction, or not at all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from kpimon.config import SourceConfig
from kpimon.records import Record, Reject, StatusChange
from kpimon.sources.base import Batch, CollectContext
from kpimon.sources.dropfolder import DropFile, detect_encoding, downloaded, pending_files
from kpimon.sources.mapping import TicketMapper
from kpimon.timeutil import parse_time

csv.field_size_limit(1 << 24)  # a long solution text must not abort the file


def sniff_delimiter(header: str) -> str:
    """The most frequent of `;`, `,` and tab in the header line (default `;`)."""
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_rows(path: Path, encoding: str, delimiter: str | None = None
              ) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, fields) for every record after the header.

    The header itself is yielded first with line number 1.
    """
    with open(path, encoding=encoding, newline="") as f:
        first = f.readline()
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter or sniff_delimiter(first), strict=False)
        line = 0
        for fields in reader:
            start = line + 1
            line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            yield start, fields


class TicketCsvSource:
    """The `ticket_csv` adapter: one Batch per export file, tickets or status history."""

    def __init__(self, config: SourceConfig):
        self.config = config

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        mapper = TicketMapper(self.config, ctx.tz)
        if ctx.files is None and self.config.url:
            yield from self._from_url(ctx, mapper)
            return
        for drop in pending_files(self.config.path or "", self.config, ctx):
            yield self._batch(drop, ctx, mapper, history=False)
        if self.config.status_changes and ctx.files is None:
            for drop in pending_files(self.config.status_changes, self.config, ctx,
                                      optional=True):
                yield self._batch(drop, ctx, mapper, history=True)
        ctx.stats.warnings += mapper.warnings

    def _from_url(self, ctx: CollectContext, mapper: TicketMapper) -> Iterator[Batch]:
        with downloaded(self.config, ctx) as drop:
            if not ctx.is_imported(drop.key):
                batch = self._batch(drop, ctx, mapper, history=False)
                # Read now: the temporary file is gone once this generator moves on.
                yield Batch(batch.label, list(batch.items), file_key=batch.file_key)

    def _batch(self, drop: DropFile, ctx: CollectContext, mapper: TicketMapper,
               history: bool) -> Batch:
        label = drop.label
        items = (self._history_rows(drop, label, ctx, mapper) if history
                 else self._ticket_rows(drop, label, mapper))
        return Batch(label=label, items=items, file_key=drop.key, on_commit=drop.on_commit)

    def _ticket_rows(self, drop: DropFile, label: str, mapper: TicketMapper
                     ) -> Iterator[Record | Reject]:
        encoding = self.config.encoding or detect_encoding(drop.path)
        rows = read_rows(drop.path, encoding, self.config.delimiter)
        header_line = next(rows, None)
        if header_line is None:
            return
        header = [h.strip() for h in header_line[1]]
        index = {h: i for i, h in enumerate(header)}
        missing = [f"{k} ({v!r})" for k, v in mapper.columns().items()
                   if v not in index and k in ("id", "created", "status", "priority")]
        if missing:
            yield Reject(self.config.name, label, 1, None,
                         "required column missing: " + ", ".join(missing))
            return
        width = len(header)
        for line, fields in rows:
            if len(fields) < width:
                yield Reject(self.config.name, label, line, None,
                             f"row has {len(fields)} fields, the header has {width} "
                             "(a missing column or a truncated row)")
                continue
            raw = {h: fields[i] for h, i in index.items()}
            yield mapper.map(raw, label, line)

    def _history_rows(self, drop: DropFile, label: str, ctx: CollectContext,
                      mapper: TicketMapper) -> Iterator[Record | Reject]:
        """Status history: ticket id; changed at; from status (empty first); to status."""
        encoding = self.config.encoding or detect_encoding(drop.path)
        rows = read_rows(drop.path, encoding, self.config.delimiter)
        next(rows, None)  # header
        for line, fields in rows:
            def bad(field: str, reason: str, value: str | None = None,
                    line: int = line) -> Reject:
                return Reject(self.config.name, label, line, field, reason, value)

            if len(fields) < 4:
                yield bad("status_changes", f"expected 4 columns, found {len(fields)}")
                continue
            ticket_id, at_text, from_text, to_text = (f.strip() for f in fields[:4])
            if not ticket_id:
                yield bad("id", "required value is empty")
                continue
            try:
                at = parse_time(at_text, ctx.tz)
            except ValueError:
                yield bad("at", "not a date and time", at_text)
                continue
            to_status = mapper.status(to_text)
            if to_status is None:
                yield bad("status", f"value {to_text!r} is not in values.status", to_text)
                continue
            from_status = mapper.status(from_text) if from_text else None
            if from_text and from_status is None:
                yield bad("status", f"value {from_text!r} is not in values.status", from_text)
                continue
            yield StatusChange(self.config.name, ticket_id, at, from_status, to_status, False)
