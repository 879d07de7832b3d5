"""`manual`: values entered by hand for the board's manual indicators (docs/indicators.md).

Besides `kpimon record`, a manual source reads a CSV drop (files matching `path`, or one file at
an `url`) with a header row and the columns

    indicator;period;value;note

(`;`, `,` or tab, sniffed from the header; Swedish headers `indikator;period;värde;notering`
work too; `note` may be left out). The drop-folder rules are those of every file source (settle,
identity, `after`); each file is one batch stored in one transaction.

* `period` is any period kpimon knows (`2020`, `2020-11`, `2020-Q4`, `2020-W05`,
  `2020-01-01..2020-06-30`) and is stored under its canonical label, so `2020-q4` and `2020-Q4`
  are the same period.
* `value` is a number with a decimal point or a decimal comma (`71,13`), an optional sign (the
  typographic minus `−823` too) and spaces as thousands separators (`1 250`). A trailing `%`
  divides by 100, so `6,58 %` is stored as 0.0658, the unit a target like `fall from 0.07`
  compares with. In a comma-separated file a decimal comma must be quoted (`"71,13"`); an
  unquoted one (`hme,2020,71,13`: a whole number followed by a note of digits) is rejected
  rather than read as 71 with the note "13".
* Every row becomes a `ManualValue` entered at the collection time; for the same indicator and
  period a later row, and a later file, wins ("the latest entry wins", docs/indicators.md),
  and every entry is kept.
* A bad row is a `Reject` with its row number and reason; the other rows are stored.

The same drop takes the follow-ups of internal-control points (`[[controls]]`): a file whose
header names

    control;occasion;status;comment;by

(Swedish `kontroll;tillfälle;status;kommentar;av` too) gives one `ControlStatus` per row:
`occasion` is the occasion's date (`2020-06-30`) or number (`2`), `status` an id (`none`,
`minor`, `major`, `not_started`) or its phrase (`Mindre avvikelser`), `by` who followed the
control up. Each is kept with the collection time; the latest per control and occasion wins.

The adapter cannot see the configured indicators, so an id that no indicator uses is stored but
never read; the row number and id are in the source's log at info level.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from kpimon.config import SourceConfig
from kpimon.periods import parse_period
from kpimon.records import ControlStatus, ManualValue, Record, Reject, parse_control_status
from kpimon.sources.base import Batch, CollectContext, FileError
from kpimon.sources.dropfolder import DropFile, downloaded, pending_files
from kpimon.sources.ticket_csv import CsvFile

# Header names (lower case) for each column, English and Swedish.
COLUMNS = {
    "indicator": ("indicator", "indikator", "id"),
    "period": ("period", "perioden"),
    "value": ("value", "värde", "varde", "utfall"),
    "note": ("note", "notering", "anteckning", "kommentar", "comment"),
}
CONTROL_COLUMNS = {
    "control": ("control", "kontroll", "kontrollpunkt"),
    "occasion": ("occasion", "tillfälle", "tillfalle", "datum", "date"),
    "status": ("status",),
    "comment": ("comment", "kommentar"),
    "by": ("by", "av", "ansvarig", "responsible"),
}
NOTE_MAX = 500  # the store's column
COMMENT_MAX = 4000
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"[+\-\u2212]?\d+")
_DIGITS = re.compile(r"\d+\s*%?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_value(text: str) -> float:
    """A hand-entered number: decimal point or comma, spaces as thousands separators, the
    typographic minus, and a trailing `%` meaning hundredths. Raises ValueError."""
    s = text.strip().replace("\u2212", "-")
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        s = s.replace(space, "")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if "," in s and "." in s:
        raise ValueError(f"{text!r}: give either a decimal point or a decimal comma, "
                         "without thousands separators")
    s = s.replace(",", ".")
    if not _NUMBER.fullmatch(s):
        raise ValueError(f"{text!r} is not a number like 71,13 or -823")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value / 100 if percent else value


class ManualSource:
    """The `manual` adapter: one Batch of `ManualValue`s (and rejects) per CSV file."""

    def __init__(self, config: SourceConfig):
        self.config = config

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        if ctx.files is None and self.config.url:
            yield from self._from_url(ctx)
            return
        for drop in pending_files(self.config.path or "", self.config, ctx):
            yield self._batch(drop, ctx)

    def _from_url(self, ctx: CollectContext) -> Iterator[Batch]:
        with downloaded(self.config, ctx) as drop:
            if not ctx.is_imported(drop.key):
                # Read now: the temporary file is gone once this generator moves on.
                yield Batch(label=drop.label, items=list(self._rows(drop, ctx)),
                            file_key=drop.key)

    def _batch(self, drop: DropFile, ctx: CollectContext) -> Batch:
        return Batch(label=drop.label, items=self._rows(drop, ctx), file_key=drop.key,
                     on_commit=drop.on_commit)

    def _rows(self, drop: DropFile, ctx: CollectContext) -> Iterator[Record | Reject]:
        # The same reader as ticket exports: encoding, delimiter, quoted newlines.
        with CsvFile(drop.path) as csv_file:
            rows = ((line, fields) for line, fields, _error in csv_file)
            yield from self._parse(drop, ctx, rows, csv_file.delimiter)

    def _parse(self, drop: DropFile, ctx: CollectContext,
               rows: Iterator[tuple[int, list[str]]], delimiter: str
               ) -> Iterator[Record | Reject]:
        name = self.config.name
        first = next(rows, None)
        if first is None:
            return
        header_line, header = first
        controls = self._columns(header, CONTROL_COLUMNS, ("control", "occasion", "status"))
        if controls is not None:
            yield from self._controls(drop, ctx, rows, controls, len(header))
            return
        index = self._columns(header, COLUMNS, ("indicator", "period", "value"))
        if index is None:
            raise FileError(f"{drop.label}: the first row must be a header naming the columns "
                            "indicator, period, value and (optionally) note, or control, "
                            "occasion, status (and optionally comment, by); it has: "
                            f"{', '.join(h.strip() for h in header if h.strip())[:300]}",
                            permanent=True)
        width = len(header)
        for line, fields in rows:
            if len(fields) > width:
                yield Reject(name, drop.label, line, None,
                             f"row has {len(fields)} fields, the header has {width}"
                             + (" (quote a decimal comma in a comma-separated file)"
                                if delimiter == "," else ""))
                continue

            def cell(key: str, fields: list[str] = fields) -> str:
                i = index.get(key)
                return fields[i].strip() if i is not None and i < len(fields) else ""

            indicator, period_text, value_text = cell("indicator"), cell("period"), cell("value")
            note = cell("note") or None
            if delimiter == "," and note and _WHOLE.fullmatch(value_text) \
                    and _DIGITS.fullmatch(note):
                # `hme,2020,71,13` reads as 71 with the note "13": surely an unquoted 71,13.
                yield Reject(name, drop.label, line, "value",
                             "a decimal comma split the value from its decimals: quote it "
                             "(\"71,13\") or use a decimal point", f"{value_text},{note}")
                continue
            if not indicator:
                yield Reject(name, drop.label, line, "indicator", "required value is empty")
                continue
            if not _ID.fullmatch(indicator):
                yield Reject(name, drop.label, line, "indicator",
                             "not an indicator id (letters, digits and _)", indicator)
                continue
            if not period_text:
                yield Reject(name, drop.label, line, "period", "required value is empty")
                continue
            try:
                period = parse_period(period_text, ctx.tz)
            except ValueError as e:
                yield Reject(name, drop.label, line, "period", str(e), period_text)
                continue
            if not value_text:
                yield Reject(name, drop.label, line, "value", "required value is empty")
                continue
            try:
                value = parse_value(value_text)
            except ValueError as e:
                yield Reject(name, drop.label, line, "value", str(e), value_text)
                continue
            ctx.log.info("%s row %d: %s %s = %g", drop.label, line, indicator, period.label,
                         value)
            yield ManualValue(indicator, period.label, value, ctx.now,
                              note[:NOTE_MAX] if note else None)

    def _controls(self, drop: DropFile, ctx: CollectContext,
                  rows: Iterator[tuple[int, list[str]]], index: dict[str, int], width: int
                  ) -> Iterator[Record | Reject]:
        name = self.config.name
        for line, fields in rows:
            if len(fields) > width:
                yield Reject(name, drop.label, line, None,
                             f"row has {len(fields)} fields, the header has {width}")
                continue

            def cell(key: str, fields: list[str] = fields) -> str:
                i = index.get(key)
                return fields[i].strip() if i is not None and i < len(fields) else ""

            control, occasion, status_text = cell("control"), cell("occasion"), cell("status")
            if not _ID.fullmatch(control):
                yield Reject(name, drop.label, line, "control",
                             "not a control id (letters, digits and _)" if control
                             else "required value is empty", control or None)
                continue
            if not (occasion.isdigit() or _DATE.fullmatch(occasion)):
                yield Reject(name, drop.label, line, "occasion",
                             "not an occasion date YYYY-MM-DD or number", occasion or None)
                continue
            try:
                status = parse_control_status(status_text)
            except ValueError as e:
                yield Reject(name, drop.label, line, "status", str(e), status_text)
                continue
            comment = cell("comment")[:COMMENT_MAX] or None
            by = cell("by")[:128] or None
            ctx.log.info("%s row %d: control %s occasion %s = %s", drop.label, line, control,
                         occasion, status)
            yield ControlStatus(control, occasion, status, comment, by, ctx.now)

    @staticmethod
    def _columns(header: list[str], columns: dict[str, tuple[str, ...]],
                 required: tuple[str, ...]) -> dict[str, int] | None:
        """Column positions by header name; None unless every required column is named."""
        names = [h.strip().lower() for h in header]
        index: dict[str, int] = {}
        for key, aliases in columns.items():
            for i, h in enumerate(names):
                if h in aliases:
                    index[key] = i
                    break
        if not all(k in index for k in required):
            return None
        return index
