"""Progress on a terminal: one line at the bottom of stderr, with log lines printed above it.

`import`, `collect`, `recompute` and the daemon's first start (a first import of a large export,
the facts of every ticket) can take minutes; on a terminal they show a line such as

    tickets.csv   42% [##########              ]  412,000 rows  61,204 rows/s  ETA 0:09

redrawn at most five times a second. Nothing is drawn when stderr is not a terminal (a pipe, a
file, the journal). `ProgressLine` is also the stream the log handler writes to, so a log line
clears the bar, is printed, and the bar comes back below it: the two never overwrite each other.
A finished task (`done`) leaves its last state on a line of its own, so what follows starts
below the bar rather than over it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

_CLEAR = "\r\033[K"  # to the line's start, and wipe it
_TO_END = "\033[K"  # wipe from here to the end of the line


class ProgressLine:
    """The bottom line of a terminal (stderr), shared by the tasks that report progress.

    It is a text stream too (write, flush, fileno, isatty): give it to the logger so that log
    lines are printed above the bar. Safe to use from several threads.
    """

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic,
                 enabled: bool | None = None):
        self.stream = stream
        self.clock = clock
        self.enabled = bool(getattr(stream, "isatty", lambda: False)()) if enabled is None \
            else enabled
        self._lock = threading.RLock()
        self._shown = ""  # the text of the bar now on screen ("" when none)
        self._hidden = ""  # a bar cleared for a line being written, drawn again after it

    # ------------------------------------------------------------------ the stream interface

    def write(self, text: str) -> int:
        with self._lock:
            if self._shown:
                self.stream.write(_CLEAR)
                self._hidden, self._shown = self._shown, ""
            n = self.stream.write(text)
            if self._hidden and text.endswith("\n"):
                self._draw(self._hidden)  # the bar comes back below the finished line
                self._hidden = ""
            return n if isinstance(n, int) else len(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.enabled

    # ------------------------------------------------------------------ tasks

    def task(self, unit: str = "rows", delay: float = 0.0) -> ProgressTask:
        """A task whose progress is counted in `unit` (rows, tickets …); nothing is drawn for
        it until it has run `delay` seconds (so the daemon's quick passes leave no trace)."""
        return ProgressTask(self, unit, delay)

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._draw(text)

    def finish(self, text: str) -> None:
        """Leave `text` as the last state of a task, on a line of its own."""
        if not self.enabled:
            return
        with self._lock:
            self.stream.write("\r" + text + _TO_END + "\n")
            self.stream.flush()
            self._shown = self._hidden = ""

    def _draw(self, text: str) -> None:
        # Over the line from its start; what a longer earlier text left is wiped after it.
        self.stream.write("\r" + text + _TO_END)
        self.stream.flush()
        self._shown = text


class ProgressTask:
    """One task's progress (`update(label, items, done, total)`, then `done()`).

    `done`/`total` give the share (bytes of a file, tickets of a pass); `items` is what is
    counted for the rate (rows, tickets). Matches the collector's `Progress` protocol.
    """

    def __init__(self, line: ProgressLine, unit: str = "rows", delay: float = 0.0):
        self.line = line
        self.unit = unit
        self.delay = delay
        self.started = line.clock()
        self.last = float("-inf")
        self.state: tuple[str, int, int, int] | None = None

    @property
    def enabled(self) -> bool:
        return self.line.enabled

    def update(self, label: str, items: int, done: int, total: int) -> None:
        if self.state is not None and self.state[0] != label:
            self._finish_label()
        self.state = (label, items, done, total)
        now = self.line.clock()
        if not self.line.enabled or now - self.last < 0.2 or now - self.started < self.delay:
            return
        self.last = now
        self.line.show(self.text(now))

    def text(self, now: float | None = None) -> str:
        if self.state is None:
            return ""
        label, items, done, total = self.state
        elapsed = (self.line.clock() if now is None else now) - self.started
        return progress_text(label, items, done, total, elapsed, unit=self.unit)

    def _finish_label(self) -> None:
        """A new label (the next file): the last one's state stays on its own line."""
        if self.state is not None and self.last > float("-inf"):
            label, items, _done, total = self.state
            self.state = (label, items, total, total)
            self.line.finish(self.text())
        self.started = self.line.clock()
        self.last = float("-inf")

    def done(self) -> None:
        """The task is over: its final state stays visible (if it was drawn at all)."""
        if self.state is not None and self.last > float("-inf"):
            label, items, _done, total = self.state
            self.state = (label, items, total, total)
            self.line.finish(self.text())
        self.state = None
        self.last = float("-inf")


def progress_text(label: str, items: int, done: int, total: int, elapsed: float,
                  width: int = 24, unit: str = "rows") -> str:
    """One progress line, e.g. `tickets.csv  42% [##########              ]  412,000 rows
    61,204 rows/s  ETA 0:09`."""
    rate = items / elapsed if elapsed > 0 else 0.0
    share = min(1.0, done / total) if total > 0 else 0.0
    bar = "#" * int(share * width)
    eta = "ETA --:--"
    if 0 < share < 1 and elapsed > 0:
        left = int(elapsed * (1 - share) / share)
        eta = f"ETA {left // 60}:{left % 60:02d}"
    elif share >= 1:
        eta = f"in {int(elapsed) // 60}:{int(elapsed) % 60:02d}"
    name = Path(label).name or label
    return (f"{name[:30]}  {share * 100:3.0f}% [{bar:<{width}}]  {items:,} {unit}  "
            f"{rate:,.0f} {unit}/s  {eta}")

