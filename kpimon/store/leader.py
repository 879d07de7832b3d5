"""The leader lock: which of several `kpimon run` on one database is the leader.

The contract (`LeaderLock`): `try_acquire()` takes the lock without waiting and says whether
this process holds it; `check()` says whether it still holds it, proven anew (a raised error
or False both mean "not held"); `release()` gives it up. A process that dies loses the lock
with it, whatever way it dies.

* **PostgreSQL**: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of
  its own, opened outside the engine's pool and kept open. The key is derived from the schema
  the tables live in, so deployments in different schemas of one database each have their
  leader. The connection asks for short TCP keepalives on both ends — libpq's on this side,
  the server's `tcp_keepalives_*` for this session — so that when the network is cut the
  client notices and the server ends the session, which frees the lock, within
  `SERVER_GONE_AFTER` seconds. `check()` asks the server whether the session still holds it.
* **SQLite**: an `flock` on a file beside the database (`kpimon.db.leader`); the kernel frees
  it when the process ends. A database in memory or without a file has one process: it leads.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("kpimon.leader")

#: The server's keepalives for the lock's session: first probe after this many idle seconds,
#: then every KEEPALIVE_INTERVAL seconds, KEEPALIVE_COUNT unanswered probes end the session.
KEEPALIVE_IDLE = 10
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3
#: Within this many seconds of the last packet it got from a leader cut off by the network,
#: the server has ended that leader's session and freed the lock.
SERVER_GONE_AFTER = KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT
#: How long this side waits for the server to acknowledge what it sent before it gives the
#: connection up (TCP_USER_TIMEOUT), and to connect. Well below SERVER_GONE_AFTER.
CLIENT_TIMEOUT = 8
#: A holder that has not proven its lock for this many seconds counts it as lost. Counted from
#: the start of its last successful check, it ends before the server can have freed the lock
#: (SERVER_GONE_AFTER after the last packet, which that check sent), so a leader cut off from
#: the database has stepped down before another can take over.
HOLD_FOR = 15


class LeaderLock(Protocol):
    """What the leadership role needs of a lock (see the module docstring)."""

    #: Where the lock is, for the log (no secrets).
    where: str

    def try_acquire(self) -> bool: ...

    def check(self) -> bool: ...

    def release(self) -> None: ...


def leader_lock(database: str) -> LeaderLock:
    """The lock for the database at the SQLAlchemy URL `database`."""
    url = make_url(database)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            return SoleLock("a database of this process alone")
        return FileLock(Path(path + ".leader"))
    # An engine only to translate the URL into the driver's connection arguments; it never
    # connects (the lock's connection is its own, outside any pool).
    return AdvisoryLock(create_engine(url, poolclass=NullPool))


class SoleLock:
    """The lock of a database no other process can open: always held."""

    def __init__(self, where: str = "this process alone"):
        self.where = where

    def try_acquire(self) -> bool:
        return True

    def check(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLock:
    """An exclusive `flock` on `path`, held while its file descriptor is open."""

    def __init__(self, path: Path):
        self.path = path
        self.where = str(path)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return self.check()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        self._fd = fd
        return True

    def check(self) -> bool:
        """Held, and the file at `path` is still the one locked: a lock file deleted or
        replaced behind our back would let another process lock a new one."""
        if self._fd is None:
            return False
        try:
            same = os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            same = False
        if not same:
            self.release()
        return same

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a dedicated, long-lived connection.

    Thread-safe: the connection is used under a mutex; a caller that cannot get the mutex
    within CLIENT_TIMEOUT (another call hangs on a cut network) is told "not held".
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        self.where = engine.url.render_as_string(hide_password=True)
        self._conn: Any = None
        self._key: int | None = None
        self._held = False
        self._last_error: str | None = None
        self._mutex = threading.Lock()

    @property
    def key(self) -> int | None:
        """The advisory lock's key (known once connected: it depends on the schema)."""
        return self._key

    def _connect(self) -> Any:
        import psycopg

        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        kwargs.pop("context", None)
        conn = psycopg.connect(
            *args, **kwargs, autocommit=True, connect_timeout=CLIENT_TIMEOUT,
            application_name="kpimon leader lock", keepalives=1,
            keepalives_idle=KEEPALIVE_IDLE, keepalives_interval=KEEPALIVE_INTERVAL,
            keepalives_count=KEEPALIVE_COUNT, tcp_user_timeout=CLIENT_TIMEOUT * 1000)
        try:
            # The server's side of the same: a leader that vanishes from the network is
            # noticed by the server, which ends its session and so frees the lock. (Ignored
            # on a Unix socket, where a network cannot be cut.) The server's tcp_user_timeout
            # off, whatever the server's own setting: Linux lets it cut the keepalive probes
            # short, and the server could then free the lock before the leader's HOLD_FOR has
            # run out.
            for name, value in (("tcp_keepalives_idle", KEEPALIVE_IDLE),
                                ("tcp_keepalives_interval", KEEPALIVE_INTERVAL),
                                ("tcp_keepalives_count", KEEPALIVE_COUNT),
                                ("tcp_user_timeout", 0)):
                conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
            row = conn.execute("SELECT current_schema()").fetchone()
            schema = (row[0] if row else None) or ""
        except Exception:
            conn.close()
            raise
        self._key = lock_key(schema)
        return conn

    def try_acquire(self) -> bool:
        if not self._mutex.acquire(timeout=CLIENT_TIMEOUT):
            return False
        try:
            if self._held:
                return self._check()
            try:
                if self._conn is None:
                    self._conn = self._connect()
                # A follower keeps its connection and asks again on it at every try.
                self._held = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)",
                                                     (self._key,)).fetchone()[0])
            except Exception as e:
                # Once per kind of failure, not at every try (a follower tries each second).
                error = _first_line(e)
                log.log(logging.DEBUG if error == self._last_error else logging.WARNING,
                        "cannot reach the database for the leader lock: %s", error)
                self._last_error = error
                self._drop()
                return False
            self._last_error = None
            return self._held
        finally:
            self._mutex.release()

    def check(self) -> bool:
        if not self._mutex.acquire(timeout=CLIENT_TIMEOUT):
            return False
        try:
            return self._check()
        finally:
            self._mutex.release()

    def _check(self) -> bool:
        if not self._held or self._conn is None:
            return False
        try:
            # The lock as the server sees it for this very session: a bigint key shows as
            # classid (high half), objid (low half), objsubid 1.
            key = (self._key or 0) & 0xFFFFFFFFFFFFFFFF
            held = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = %s AND objid = %s "
                "AND objsubid = 1", (key >> 32, key & 0xFFFFFFFF)).fetchone()[0] == 1
        except Exception as e:
            log.warning("the leader lock's connection failed: %s", _first_line(e))
            held = False
        if not held:
            self._drop()
        return held

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None and self._held:
                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
                except Exception:
                    pass  # closing the session below frees it anyway
            self._drop()

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass


def lock_key(schema: str) -> int:
    """The advisory lock's key (a signed 64-bit integer) for kpimon's tables in `schema`."""
    digest = hashlib.sha256(b"kpimon leader\0" + schema.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
