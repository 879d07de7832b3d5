"""Asterisk `queue_log` (docs/sources/phone.md) → one `Call` per call that entered a queue.

The file is read incrementally from the offset saved after the previous collection, one line at a
time (never the whole file), so a collection every few minutes costs only the new lines.

Lines are `epoch|callid|queue|agent|EVENT|data1|data2|…`. The events that make a call:

===============  =======================================  =====================================
event            data                                     meaning here
===============  =======================================  =====================================
ENTERQUEUE       url|callerid|position                    the call starts; entered = the epoch
CONNECT          holdtime|bridged uniqueid|ringtime       answered, wait = holdtime
ABANDON          position|origposition|waittime           abandoned, wait = waittime
EXITWITHTIMEOUT  position|origposition|waittime           abandoned, wait = waittime
EXITWITHKEY      key|position|origposition|waittime       abandoned, wait = waittime
EXITEMPTY        position|origposition|waittime           left out (no one could answer)
===============  =======================================  =====================================

* The caller id in ENTERQUEUE is never read or kept (privacy by design, docs/indicators.md).
* A call counts once, in the queue it entered first, on the day it entered (a call crossing
  midnight belongs to the day it entered). When the same callid enters a second queue (a
  transfer, or a key press that sends it on) the second entry is ignored; if the call then ends
  in the second queue without an end event in the first, it counts in the first queue with
  wait = end − first entry. Finished callids are remembered for a while (`transfer_window`,
  default 4 h of log time) to recognise late re-entries; ATTENDEDTRANSFER and BLINDTRANSFER
  refresh that memory. A call left out by EXITEMPTY is forgotten, so that if the dialplan sends
  it on to another queue it counts there.
* A call that entered but has not ended yet is kept in the saved state (`pending`), so an end
  event in the next read — or in the next file after a rotation — still pairs with it. Pending
  calls that entered more than `pending_max_age` (default 24 h) before the newest event read are
  dropped with a warning.
* An end event for a call whose ENTERQUEUE was never seen (it was before the first read) is
  ignored. Lines with a callid of NONE and events not listed above are ignored.
* Unparseable lines (too few fields, an epoch or wait that is not a number) are `Reject`s with
  their line number in the file; the reject never includes the line itself (it may carry a
  caller id), only the offending field.
* With the source's `queues` set, only calls that entered one of those queues first are kept.

State saved with each batch (all strings):

``inode``    the inode of the file the offset belongs to
``offset``   bytes consumed; a last line without its newline is not consumed until it is whole
``line``     lines consumed (for reject line numbers)
``head``     SHA-1 of the file's first ≤ 64 bytes (to notice a new file that reuses the inode)
``pending``  compact JSON ``{callid: [queue, entered epoch]}`` of calls not ended yet
``done``     compact JSON ``{callid: epoch}`` of recently ended calls (transfer detection)

Rotation: when the inode at `path` is not the saved one, the old file is looked for beside it
(`<path>.1` first, then any `<name>*` sibling, e.g. logrotate's dateext names) by its saved
inode, read to its end from the saved offset, and the new file is then read from 0. A file with
the saved inode but smaller than the offset was truncated (copytruncate): it is read from 0 with
a warning. Files compressed by logrotate (`.gz`) are only read by `kpimon import`.

A large read is split into batches of `batch_lines` lines, each carrying the state at its end,
so memory stays bounded and a failure half-way repeats nothing and loses nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal, cast

from kpimon.config import SourceConfig
from kpimon.records import Call, Reject
from kpimon.sources.base import Batch, CollectContext, SourceError

PENDING_MAX_AGE = 24 * 3600
TRANSFER_WINDOW = 4 * 3600
BATCH_LINES = 100_000
_HEAD_BYTES = 64
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second datetime can hold

# Index of the wait field in the split line for each end event (0 epoch … 4 event, 5 data1 …).
_END_EVENTS: dict[str, tuple[Literal["answered", "abandoned"], int]] = {
    "CONNECT": ("answered", 5),
    "ABANDON": ("abandoned", 7),
    "EXITWITHTIMEOUT": ("abandoned", 7),
    "EXITWITHKEY": ("abandoned", 8),
}
_TRANSFERS = ("ATTENDEDTRANSFER", "BLINDTRANSFER")


@dataclass
class _Tracker:
    """Calls in flight between their ENTERQUEUE and their end, across reads and files."""

    pending: dict[str, list[str | int]] = field(default_factory=dict)  # callid → [queue, epoch]
    done: dict[str, int] = field(default_factory=dict)  # callid → epoch it ended
    newest: int = 0  # newest epoch read: the clock for expiry (log time, not wall time)
    unknown_ends: int = 0

    @classmethod
    def from_state(cls, state: dict[str, str] | None) -> _Tracker:
        """Rebuild from saved state; unreadable entries are dropped rather than failing."""
        state = state or {}
        t = cls()
        try:
            pending = json.loads(state.get("pending") or "{}")
            done = json.loads(state.get("done") or "{}")
        except ValueError:
            return t
        if isinstance(pending, dict):
            for k, v in pending.items():
                if isinstance(v, list) and len(v) == 2 and isinstance(v[1], int):
                    t.pending[str(k)] = [str(v[0]), v[1]]
        if isinstance(done, dict):
            t.done = {str(k): v for k, v in done.items() if isinstance(v, int)}
        t.newest = max([int(v[1]) for v in t.pending.values()] + list(t.done.values()) + [0])
        return t

    def expire(self, max_age: int, window: int) -> int:
        """Forget ended calls older than `window` and drop pending ones older than `max_age`;
        returns the number of pending calls dropped."""
        if self.done:
            cutoff = self.newest - window
            self.done = {k: v for k, v in self.done.items() if v >= cutoff}
        cutoff = self.newest - max_age
        stale = [k for k, v in self.pending.items() if int(v[1]) < cutoff]
        for k in stale:
            del self.pending[k]
        return len(stale)

    def dump(self) -> dict[str, str]:
        compact = (",", ":")
        return {"pending": json.dumps(self.pending, separators=compact, ensure_ascii=False),
                "done": json.dumps(self.done, separators=compact)}


@dataclass
class _Segment:
    """One file to read: an open handle, where to start, and whether it is finished."""

    path: Path
    handle: IO[bytes]
    inode: int
    offset: int
    line: int
    finished: bool  # a rotated file: nothing more will be written, its last line is whole
    live: bool = True  # False for `kpimon import` files: their state is not saved


def _head(handle: IO[bytes], upto: int) -> str:
    """SHA-1 of the first min(upto, 64) bytes (identifies a file beyond its inode number)."""
    n = min(upto, _HEAD_BYTES)
    data = os.pread(handle.fileno(), n, 0) if n else b""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


class QueueLogSource:
    """The `queue_log` adapter: reads new lines of an Asterisk queue_log and yields Calls."""

    def __init__(self, config: SourceConfig, *, batch_lines: int = BATCH_LINES,
                 pending_max_age: int = PENDING_MAX_AGE,
                 transfer_window: int = TRANSFER_WINDOW):
        self.config = config
        self.batch_lines = batch_lines
        self.pending_max_age = pending_max_age
        self.transfer_window = transfer_window
        self.queues = frozenset(config.queues)

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Yield the batches of one read from the saved offset (see the module docstring)."""
        if ctx.files is not None:
            yield from self._import(ctx)
            return
        if not self.config.path:
            raise SourceError(f"source {self.config.name!r} has no path", permanent=True)
        path = Path(self.config.path)
        saved = dict(ctx.state)
        tracker = _Tracker.from_state(saved)
        segments = self._plan(path, saved, ctx)
        try:
            for seg in segments:
                yield from self._read(seg, tracker, saved, ctx)
        finally:
            for seg in segments:
                seg.handle.close()

    # ------------------------------------------------------------------ planning

    def _open(self, path: Path) -> IO[bytes] | None:
        try:
            return path.open("rb")
        except FileNotFoundError:
            return None
        except PermissionError:
            raise SourceError(
                f"{path}: permission denied; the kpimon user must be able to read it "
                "(e.g. add it to the group that owns the file)", permanent=True) from None
        except OSError as e:
            raise SourceError(f"{path}: cannot read: {e.strerror}") from None

    def _plan(self, path: Path, saved: dict[str, str], ctx: CollectContext) -> list[_Segment]:
        """Decide what to read: the rest of a rotated file, then the current one."""
        try:
            inode = int(saved["inode"]) if saved.get("inode") else None
            offset = int(saved.get("offset") or 0)
            line = int(saved.get("line") or 0)
        except ValueError:
            ctx.log.warning("%s: saved state is unreadable; reading from the start", path)
            inode, offset, line = None, 0, 0
        current = self._open(path)
        segments: list[_Segment] = []
        try:
            if current is not None:
                st = os.fstat(current.fileno())
                cur = _Segment(path, current, st.st_ino, 0, 0, finished=False)
                if inode is None:
                    return [cur]
                if st.st_ino == inode:
                    if st.st_size < offset:
                        ctx.log.warning("%s: truncated (%d bytes, was read to %d); reading it "
                                        "from the start", path, st.st_size, offset)
                        return [cur]
                    if saved.get("head") and _head(current, offset) != saved["head"]:
                        ctx.log.warning("%s: a different file with the same inode; reading it "
                                        "from the start", path)
                        return [cur]
                    cur.offset, cur.line = offset, line
                    return [cur]
            if inode is not None:
                old = self._find_rotated(path, inode, saved.get("head"), offset)
                if old is not None:
                    old_path, handle = old
                    size = os.fstat(handle.fileno()).st_size
                    ctx.log.info("%s: rotated; finishing %s from byte %d", path, old_path,
                                 offset)
                    if size < offset:
                        ctx.log.warning("%s: smaller than the saved offset; not read", old_path)
                        handle.close()
                    else:
                        segments.append(_Segment(old_path, handle, inode, offset, line,
                                                 finished=True))
                else:
                    ctx.log.warning("%s: rotated, and the old file (inode %d) was not found "
                                    "beside it; lines written to it after byte %d are lost",
                                    path, inode, offset)
            if current is not None:
                segments.append(cur)
            if not segments:
                raise SourceError(f"{path}: no such file")
            return segments
        except BaseException:
            for seg in segments:
                seg.handle.close()
            if current is not None:
                current.close()
            raise

    def _find_rotated(self, path: Path, inode: int, head: str | None, offset: int
                      ) -> tuple[Path, IO[bytes]] | None:
        """The rotated-away file with the saved inode: `<path>.1` first, then siblings."""
        first = path.with_name(path.name + ".1")
        names = [first]
        try:
            names += sorted(p for p in path.parent.iterdir()
                            if p.name.startswith(path.name) and p != path and p != first
                            and not p.name.endswith(".gz"))
        except OSError:
            pass
        for candidate in names:
            try:
                if candidate.stat().st_ino != inode:
                    continue
            except OSError:
                continue
            handle = self._open(candidate)
            if handle is None:
                continue
            if os.fstat(handle.fileno()).st_ino == inode and (
                    not head or _head(handle, offset) == head):
                return candidate, handle
            handle.close()
        return None

    # ------------------------------------------------------------------ reading

    def _import(self, ctx: CollectContext) -> Iterator[Batch]:
        """`kpimon import`: read the given files whole (also `.gz`), leaving the state alone."""
        tracker = _Tracker()
        for p in ctx.files or []:
            try:
                handle = cast(IO[bytes], gzip.open(p, "rb") if p.suffix == ".gz"
                              else p.open("rb"))
            except FileNotFoundError:
                raise SourceError(f"{p}: no such file", permanent=True) from None
            except OSError as e:
                raise SourceError(f"{p}: cannot read: {e.strerror}", permanent=True) from None
            with handle:
                seg = _Segment(p, handle, 0, 0, 0, finished=True, live=False)
                yield from self._read(seg, tracker, {}, ctx)
        if tracker.pending:
            ctx.log.info("import: %d calls had not ended at the end of the files",
                         len(tracker.pending))

    def _read(self, seg: _Segment, tracker: _Tracker, saved: dict[str, str],
              ctx: CollectContext) -> Iterator[Batch]:
        """Read one file from its offset, yielding a batch every `batch_lines` lines."""
        source = self.config.name
        where = str(seg.path)
        queues = self.queues
        pending = tracker.pending
        done = tracker.done
        newest = tracker.newest
        items: list[Call | Reject] = []
        pos = seg.offset
        line_no = seg.line
        chunk = 0
        if seg.offset:
            seg.handle.seek(seg.offset)
        for raw in seg.handle:
            if raw[-1:] != b"\n" and not seg.finished:
                break  # still being written: take it whole next time
            pos += len(raw)
            line_no += 1
            chunk += 1
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text:
                parts = text.split("|")
                if len(parts) < 5:
                    items.append(Reject(source, where, line_no, None,
                                        "not a queue_log line (epoch|callid|queue|agent|event|…)"))
                else:
                    try:
                        epoch = int(parts[0])
                    except ValueError:
                        epoch = _int_or_none(parts[0]) or -1
                    if not 0 <= epoch <= _MAX_EPOCH:
                        items.append(Reject(source, where, line_no, "epoch",
                                            "the time is not a number", parts[0]))
                    else:
                        if epoch > newest:
                            newest = epoch
                        event = parts[4]
                        callid = parts[1]
                        if event == "ENTERQUEUE":
                            if callid not in pending and callid not in done and callid != "NONE":
                                pending[callid] = [parts[2], epoch]
                        elif event in _END_EVENTS:
                            outcome, index = _END_EVENTS[event]
                            entry = pending.get(callid)
                            if entry is None:
                                if callid not in done:
                                    tracker.unknown_ends += 1
                            else:
                                first_queue = str(entry[0])
                                entered = int(entry[1])
                                wait: int | None
                                if parts[2] != first_queue:
                                    wait = epoch - entered  # ended in a queue it moved on to
                                else:
                                    text_wait = parts[index] if len(parts) > index else ""
                                    wait = _int_or_none(text_wait)
                                    if wait is None and text_wait.strip() == "":
                                        wait = epoch - entered  # older Asterisk: no waittime
                                if wait is None:
                                    items.append(Reject(source, where, line_no, "wait",
                                                        f"{event}: the wait is not a number",
                                                        parts[index]))
                                else:
                                    del pending[callid]
                                    done[callid] = epoch
                                    if not queues or first_queue in queues:
                                        items.append(Call(
                                            source, first_queue, callid,
                                            datetime.fromtimestamp(entered, UTC),
                                            wait if wait > 0 else 0, outcome, line_no))
                        elif event == "EXITEMPTY":
                            pending.pop(callid, None)
                        elif event in _TRANSFERS:
                            if callid not in pending and callid != "NONE":
                                done[callid] = epoch
            if chunk >= self.batch_lines:
                tracker.newest = newest
                yield self._batch(seg, items, pos, line_no, tracker, ctx)
                items, chunk = [], 0
        tracker.newest = newest
        batch = self._batch(seg, items, pos, line_no, tracker, ctx)
        if items or batch.state != {k: saved.get(k) for k in batch.state}:
            yield batch
        if tracker.unknown_ends:
            ctx.log.debug("%s: %d end events without their ENTERQUEUE ignored", where,
                          tracker.unknown_ends)
            tracker.unknown_ends = 0

    def _batch(self, seg: _Segment, items: list[Call | Reject], pos: int, line_no: int,
               tracker: _Tracker, ctx: CollectContext) -> Batch:
        dropped = tracker.expire(self.pending_max_age, self.transfer_window)
        if dropped:
            ctx.log.warning("%s: %d calls entered a queue more than %d h before the newest "
                            "event and never ended; dropped", seg.path, dropped,
                            self.pending_max_age // 3600)
        state: dict[str, str] = {}
        if seg.live:
            state = {"inode": str(seg.inode), "offset": str(pos), "line": str(line_no),
                     "head": _head(seg.handle, pos), **tracker.dump()}
        return Batch(label=f"{self.config.name}: {seg.path.name}", items=items, state=state)


def _int_or_none(text: str) -> int | None:
    """A whole number from `12` or `12.0` (newer Asterisk may log fractions); else None."""
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except (ValueError, OverflowError):
            return None
