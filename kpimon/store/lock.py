"""The store's writer lock: one writer of records and facts at a time, across processes.

Any number of processes may write one store — `kpimon import` beside a running daemon,
several imports at once, several daemons on PostgreSQL. A batch marks the tickets it changes
"facts dirty" and the facts pass rebuilds them; if a batch lands while a pass is under way,
the pass may clear a flag it has not honoured, or insert resolutions that another pass has
already inserted. So every batch, every facts pass and the retention purge run under this
lock, and the facts always end equal to a rebuild.

* SQLite: an exclusive `flock` on a file beside the database (`<db>-writer.lock`), plus a
  thread lock for the threads of one process (an in-memory database has only the latter).
* PostgreSQL: a transaction-level advisory lock, keyed by the schema, held by a connection
  of its own for as long as the work lasts; the server frees it if the process dies.

The lock is re-entrant within a thread. Waiting is bounded (`timeout`): past it `StoreBusy` is
raised, which the collector records as a failed run like any other failure.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

#: The first half of the PostgreSQL advisory lock key ("kpiw"); the second is the schema's hash.
PG_KEY = 0x6B706977
#: How long a writer waits for another before giving up (seconds): a long facts pass after a
#: large import must not fail the next collection, a hung process must not stop them forever.
TIMEOUT = 600.0


class StoreBusy(Exception):
    """Another writer held the store's writer lock for longer than the wait allows."""


class WriterLock:
    """See the module docstring; `hold()` is the one way in."""

    def __init__(self, engine: Engine, timeout: float = TIMEOUT):
        self.engine = engine
        self.timeout = timeout
        self.dialect = engine.dialect.name
        database = engine.url.database if self.dialect == "sqlite" else None
        self.path = f"{database}-writer.lock" if database and database != ":memory:" else None
        self._threads = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock for the block; waits at most `timeout` (default: the lock's), then
        raises StoreBusy."""
        if getattr(self._local, "depth", 0):
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        if not self._threads.acquire(timeout=wait):
            raise StoreBusy(self._busy())
        try:
            with self._process_lock(deadline):
                self._local.depth = 1
                try:
                    yield
                finally:
                    self._local.depth = 0
        finally:
            self._threads.release()

    def _busy(self) -> str:
        return (f"the store is busy: another writer has held it for more than "
                f"{self.timeout:.0f} s")

    @contextmanager
    def _process_lock(self, deadline: float) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self._pg_lock(deadline):
                yield
        elif self.path is not None:
            with self._file_lock(deadline):
                yield
        else:
            yield

    @contextmanager
    def _file_lock(self, deadline: float) -> Iterator[None]:
        assert self.path is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            pause = 0.005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreBusy(self._busy()) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.1)
            yield  # closing the descriptor releases the lock
        finally:
            os.close(fd)

    @contextmanager
    def _pg_lock(self, deadline: float) -> Iterator[None]:
        with self.engine.connect() as conn:
            wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
            with conn.begin():
                conn.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
                try:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext("
                                      "current_schema()))"), {"k": PG_KEY})
                except Exception as e:
                    if "lock timeout" in str(e).lower():
                        raise StoreBusy(self._busy()) from None
                    raise
                yield  # the transaction's end releases the lock
