"""`inventory_csv`: a computer inventory exported to a file, as a name list or a count.

Either system (the CMDB or ConfigMgr) can export its computers to a file in a drop folder
(`path`, a glob) or publish it at an `url`:

* **a name list** (the default): one device name per row, in the column named by `column`, or
  else in the first column whose header is a known name header (`Namn`, `Name`, `Datornamn`,
  `Computer name`, `Device name`, `Hostname`, …), or else in the first column. A single-column
  file whose first line is not a known header has no header at all; a file with several columns
  always has one.
* **a count** (`count = true`): a file whose only content is an integer (`3226`, `3 226`), or a
  CSV with a count column (header `Antal`/`Count`, or `column`, and one value under it), or a
  count row (`Antal;3226`).

The delimiter is sniffed among `;`, `,` and tab (or given as `delimiter`); the encoding is
`utf-8-sig`, else `utf-8`, else `cp1252` (or given as `encoding`). Each file becomes one
snapshot `Batch` of `Device`s (seen at the file's modification time) or of one `DeviceCount`.
A row without a name is a `Reject` with its line number. A file that yields no name or no count
at all is rejected whole and is *not* a snapshot, so a broken export never empties the
inventory.

Drop-folder rules (docs/sources/): a file is taken once unchanged for `settle` seconds (the daemon
leaves an unsettled file for its next cycle; a one-shot `collect` waits for it), is identified by
name + size + mtime + SHA-256 of its content and skipped once imported, and after its batch is
committed it is kept, moved to `archive` or deleted (`after`). `kpimon import` passes the files
in `ctx.files`: they are read at once, settled or not, imported before or not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from kpimon.config import SourceConfig
from kpimon.records import Device, DeviceCount, Reject
from kpimon.redact import url_label
from kpimon.sources.base import Batch, CollectContext, FileError, SourceError, failing
from kpimon.sources.dropfolder import decode_text, drop_files
from kpimon.sources.http import HttpClient

DELIMITERS = (";", ",", "\t")

# Header names compared after _header_key (case, spaces, `_` and `-` ignored).
NAME_HEADERS = frozenset({
    "namn", "name", "datornamn", "computername", "dator", "computer", "devicename", "device",
    "enhetsnamn", "enhet", "hostname", "netbiosname", "resourcename",
})
COUNT_HEADERS = frozenset({"antal", "count", "antaldatorer", "numberofcomputers", "total"})

# A count may be written with thousands separated by a space, a no-break or a thin space.
_COUNT_RE = re.compile(r"\+?\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\+?\d+")


@dataclass(frozen=True)
class _Parsed:
    """What one file holds: its records and rejects, and whether it is a usable snapshot."""

    items: list[Device | DeviceCount | Reject]
    snapshot: bool


class InventoryCsvSource:
    """The `inventory_csv` adapter: one snapshot Batch per exported inventory file."""

    def __init__(self, config: SourceConfig, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self._clock = clock
        self._sleep = sleep

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Yield one Batch per new settled file (or per file in `ctx.files`), oldest first."""
        cfg = self.config
        if ctx.files is None and not cfg.path:
            if cfg.url:
                yield self._from_url(ctx)
                return
            raise SourceError(f"source {cfg.name}: path or url is required", permanent=True)
        for drop in drop_files(cfg, ctx, clock=self._clock, sleep=self._sleep):
            data = drop.path.read_bytes()
            if hashlib.sha256(data).hexdigest() != drop.identity.sha256:
                # Rewritten between hashing and reading: take the new version next cycle.
                ctx.log.info("source %s: %s changed while being read; taking it later",
                             cfg.name, drop.path)
                continue
            seen_at = datetime.fromtimestamp(drop.identity.mtime_ns / 1e9, UTC)
            try:
                parsed = self._parse(data, drop.path.name, seen_at)
            except FileError as e:
                # This file alone fails (remembered, not marked imported); the next go on.
                yield Batch(label=f"{cfg.name}: {drop.path.name}", items=failing(e.message),
                            file_key=drop.key)
                continue
            yield Batch(label=f"{cfg.name}: {drop.path.name}", items=parsed.items,
                        file_key=drop.key, snapshot=parsed.snapshot, on_commit=drop.on_commit)

    # ------------------------------------------------------------------ url

    def _from_url(self, ctx: CollectContext) -> Batch:
        """One snapshot from an `url` (no drop-folder rules: it is read every cycle)."""
        cfg = self.config
        client = HttpClient(cfg, ctx.stats, ctx.log, secrets=ctx.secrets)
        if cfg.username:
            client.session.auth = requests.auth.HTTPBasicAuth(cfg.username, cfg.password or "")
        resp = client.get(cfg.url or "")
        client.session.close()
        if resp.status_code == 401:
            raise SourceError(f"source {cfg.name}: the server refused the credentials for user "
                              f"{cfg.username or '(none given)'}", permanent=True)
        seen_at = ctx.now
        modified = resp.headers.get("Last-Modified")
        if modified:
            try:
                seen_at = parsedate_to_datetime(modified).astimezone(UTC)
            except (TypeError, ValueError):
                pass
        # The URL's last part, a secret in it (a token from the environment) masked.
        label = url_label(cfg.url or "", ctx.secrets).rsplit("/", 1)[-1] or "download"
        parsed = self._parse(resp.content, label, seen_at)
        return Batch(label=f"{cfg.name}: {label}", items=parsed.items, snapshot=parsed.snapshot)

    # ------------------------------------------------------------------ parsing

    def _parse(self, data: bytes, where: str, seen_at: datetime) -> _Parsed:
        source = self.config.name
        text = _decode(data, self.config.encoding)
        if text is None:
            return _failed(source, where, None, "the file is not utf-8 or cp1252 text")
        rows = _rows(text, self.config.delimiter)
        if self.config.count:
            return self._parse_count(text, rows, where, seen_at)
        return self._parse_names(rows, where, seen_at)

    def _parse_names(self, rows: list[tuple[int, list[str]]], where: str,
                     seen_at: datetime) -> _Parsed:
        source = self.config.name
        if not rows:
            return _failed(source, where, None, "the file holds no device names")
        header = rows[0][1]
        keys = [_header_key(h) for h in header]
        if self.config.column:
            wanted = _header_key(self.config.column)
            if wanted not in keys:
                # A configuration mistake, not a bad file: the file fails as a whole and is
                # read again once the column is put right (or the file changes).
                raise FileError(
                    f"{where}: the header lacks {self.config.column!r} (`column`); it has: "
                    f"{', '.join(h.strip() for h in header if h.strip())[:300]}",
                    permanent=True)
            index, data_rows = keys.index(wanted), rows[1:]
        else:
            known = [i for i, k in enumerate(keys) if k in NAME_HEADERS]
            if known:
                index, data_rows = known[0], rows[1:]
            elif len(header) > 1:
                index, data_rows = 0, rows[1:]  # a multi-column export always has a header
            else:
                index, data_rows = 0, rows  # a bare list of names
        field = header[index].strip() if data_rows is not rows else None
        items: list[Device | DeviceCount | Reject] = []
        seen: set[str] = set()
        for line, fields in data_rows:
            name = fields[index].strip() if index < len(fields) else ""
            if not name:
                items.append(Reject(source, where, line, field, "empty device name"))
                continue
            if name in seen:
                continue  # one snapshot row per name; reconciliation collapses variants anyway
            seen.add(name)
            items.append(Device(source, name, seen_at))
        if not seen:
            return _Parsed(items + _failed(source, where, None,
                                           "the file holds no device names").items, False)
        return _Parsed(items, True)

    def _parse_count(self, text: str, rows: list[tuple[int, list[str]]], where: str,
                     seen_at: datetime) -> _Parsed:
        source = self.config.name
        whole = text.strip()
        if _COUNT_RE.fullmatch(whole):
            return _Parsed([DeviceCount(source, _count(whole), seen_at)], True)
        labels = {_header_key(self.config.column)} if self.config.column else COUNT_HEADERS
        found: tuple[int, str, str] | None = None  # line, header, value
        if rows:
            keys = [_header_key(h) for h in rows[0][1]]
            index = next((i for i, k in enumerate(keys) if k in labels), None)
            if index is not None:
                values = [(line, f[index].strip()) for line, f in rows[1:]
                          if index < len(f) and f[index].strip()]
                if len(values) != 1:
                    return _failed(source, where, rows[0][0],
                                   f"expected one value under {rows[0][1][index].strip()!r}, "
                                   f"found {len(values)}")
                found = (values[0][0], rows[0][1][index].strip(), values[0][1])
        if found is None:
            for line, fields in rows:
                if len(fields) >= 2 and _header_key(fields[0]) in labels:
                    found = (line, fields[0].strip(), fields[1].strip())
                    break
        if found is None:
            return _failed(source, where, None,
                           "no count found (a lone integer, an Antal/Count column or row)")
        line, label, value = found
        if not _COUNT_RE.fullmatch(value):
            return _failed(source, where, line, "not a whole number of computers", label, value)
        return _Parsed([DeviceCount(source, _count(value), seen_at)], True)


# ---------------------------------------------------------------------- helpers


def _failed(source: str, where: str, row: int | None, reason: str, field: str | None = None,
            value: str | None = None) -> _Parsed:
    """A file that gives no inventory: one reject, and not a snapshot."""
    return _Parsed([Reject(source, where, row, field, reason, value)], False)


def _decode(data: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return decode_text(data)[0]
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _rows(text: str, delimiter: str | None) -> list[tuple[int, list[str]]]:
    """(line number where the row starts, fields) for every row that is not blank."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = delimiter or _sniff(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    out: list[tuple[int, list[str]]] = []
    line = 0
    for fields in reader:
        start = line + 1
        line = reader.line_num
        if any(f.strip() for f in fields):
            out.append((start, fields))
    return out


def _sniff(line: str) -> str:
    """The most frequent of `;`, `,` and tab in the first line (`;` when there is none)."""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().casefold())


def _count(text: str) -> int:
    digits = re.sub(r"[^\d]", "", text).lstrip("0") or "0"
    # Beyond 20 digits a count is out of the store's range (it rejects it); its first 20 say
    # so, where Python's int() refuses more than 4 300.
    return int(digits[:20])


