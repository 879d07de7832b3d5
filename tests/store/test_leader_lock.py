"""The leader lock (kpimon.store.leader) on SQLite (an flock beside the file) and PostgreSQL
(a session-level advisory lock): one holder at a time, freed by a release, by the holder's
death and — on PostgreSQL — noticed as lost when the holder's session is gone."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kpimon.store.leader import (
    CLIENT_TIMEOUT,
    HOLD_FOR,
    KEEPALIVE_COUNT,
    KEEPALIVE_IDLE,
    KEEPALIVE_INTERVAL,
    AdvisoryLock,
    FileLock,
    SoleLock,
    leader_lock,
    lock_key,
)
from tests.conftest import PG_RUN, PG_URL

ROOT = Path(__file__).resolve().parents[2]


def _admin() -> object:
    import psycopg

    return psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True)


@pytest.mark.timeout(60)
def test_one_holder_at_a_time(db_url: str) -> None:
    a, b = leader_lock(db_url), leader_lock(db_url)
    try:
        assert a.try_acquire() is True
        assert b.try_acquire() is False and b.try_acquire() is False  # a follower retries
        assert a.check() is True and b.check() is False
        assert a.try_acquire() is True  # the holder asking again still holds it
        a.release()
        assert a.check() is False
        assert b.try_acquire() is True
        assert a.try_acquire() is False
    finally:
        a.release()
        b.release()


@pytest.mark.timeout(90)
def test_a_killed_holder_frees_the_lock(db_url: str) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from kpimon.store.leader import leader_lock
        lock = leader_lock({db_url!r})  # kept: a lock dropped is released
        print(lock.try_acquire(), flush=True)
        time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True)
    mine = leader_lock(db_url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        assert mine.try_acquire() is False
        holder.kill()  # SIGKILL: no release, no goodbye to the database
        holder.wait(30)
        deadline = time.monotonic() + 30
        while not mine.try_acquire():
            assert time.monotonic() < deadline, "the dead holder's lock was never freed"
            time.sleep(0.1)
    finally:
        holder.kill()
        holder.wait()
        mine.release()


@pytest.mark.timeout(60)
def test_sqlite_locks_a_file_beside_the_database(tmp_path: Path) -> None:
    lock = leader_lock(f"sqlite:///{tmp_path}/kpimon.db")
    assert isinstance(lock, FileLock) and lock.path == tmp_path / "kpimon.db.leader"
    assert lock.try_acquire() and lock.path.exists()
    # A lock file deleted and made anew behind the holder's back could be locked by another
    # process: the holder counts its lock as lost.
    lock.path.unlink()
    other = leader_lock(f"sqlite:///{tmp_path}/kpimon.db")
    assert other.try_acquire()
    assert lock.check() is False
    other.release()
    assert isinstance(leader_lock("sqlite://"), SoleLock)


def _pg(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's advisory lock")


@pytest.mark.timeout(60)
def test_a_lost_session_is_noticed(db_url: str) -> None:
    _pg(db_url)
    a, b = leader_lock(db_url), leader_lock(db_url)
    try:
        assert a.try_acquire() and not b.try_acquire()
        assert isinstance(a, AdvisoryLock)
        key = (a.key or 0) & 0xFFFFFFFFFFFFFFFF
        with _admin() as conn:  # type: ignore[attr-defined]
            # The holder's session ends (a restarted server, an administrator, a proxy).
            [(pid,)] = conn.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = %s AND objid = %s", (key >> 32, key & 0xFFFFFFFF)).fetchall()
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert a.check() is False
        assert b.try_acquire() is True
        assert a.try_acquire() is False  # it reconnects as a follower
    finally:
        a.release()
        b.release()


@pytest.mark.timeout(60)
def test_each_schema_has_its_own_leader(db_url: str) -> None:
    _pg(db_url)
    schema = PG_RUN.create("SCHEMA", "t_")
    other = f"{PG_URL}?options=-csearch_path%3D{schema}"
    a, b = leader_lock(db_url), leader_lock(other)
    try:
        assert a.try_acquire() and b.try_acquire()
        assert lock_key(schema) != lock_key(db_url.rsplit("%3D", 1)[1])
    finally:
        a.release()
        b.release()
        PG_RUN.drop("SCHEMA", schema)


@pytest.mark.timeout(60)
def test_the_lock_session_keeps_short_keepalives(db_url: str) -> None:
    """Both ends probe an idle connection, so a cut network ends the session (and frees the
    lock) on the server and is noticed by the leader."""
    _pg(db_url)
    lock = leader_lock(db_url)
    assert isinstance(lock, AdvisoryLock)
    try:
        assert lock.try_acquire()
        conn = lock._conn  # the dedicated session itself
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_%'").fetchall())
        assert settings["tcp_keepalives_idle"] == str(KEEPALIVE_IDLE)  # seconds
        assert settings["tcp_keepalives_count"] == str(KEEPALIVE_COUNT)
        # The server gives up after idle + interval × count, later than the leader does.
        assert settings["tcp_user_timeout"] == "0"
        assert KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT > HOLD_FOR + 5
        sock = socket.socket(fileno=conn.pgconn.socket)
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE_IDLE
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == \
                CLIENT_TIMEOUT * 1000
        finally:
            sock.detach()  # the socket belongs to libpq
    finally:
        lock.release()
