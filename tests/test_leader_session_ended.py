"""The database ends the leader's session (a restarted server, an administrator's
`pg_terminate_backend`, a proxy): the lock is free at once, and the old leader finds out at
its next check. The instance that takes the lock leads only after that, so at no moment do two
instances lead. On the shared PostgreSQL, in a schema of the test's own."""

from __future__ import annotations

import threading
import time

import pytest

from kpimon.leader import Leadership
from kpimon.store.leader import AdvisoryLock, leader_lock
from tests.conftest import PG_URL, _pg_available, missing_service

pytestmark = pytest.mark.timeout(60)


def test_no_two_leaders_when_the_session_ends(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's sessions")
    if _pg_available():
        missing_service(f"PostgreSQL at {PG_URL}")
    old = Leadership(leader_lock(db_url))  # both check every second, as in service
    new = Leadership(leader_lock(db_url))
    both: list[float] = []
    done = threading.Event()

    def watch() -> None:  # samples the two roles until the test ends
        while not done.is_set():
            if old.is_leader() and new.is_leader():
                both.append(time.monotonic())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        old.start()
        new.start()
        assert old.is_leader() and not new.is_leader()
        watcher.start()
        assert isinstance(old.lock, AdvisoryLock)
        key = (old.lock.key or 0) & 0xFFFFFFFFFFFFFFFF
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                         "'advisory' AND granted AND classid = %s AND objid = %s",
                         (key >> 32, key & 0xFFFFFFFF))
        # The new one's try comes first, before the old one's next check (as soon as the
        # ended session has let go): it has the lock, but does not lead yet.
        deadline = time.monotonic() + 10
        while not new.step():
            assert time.monotonic() < deadline, "the ended session kept the lock"
            time.sleep(0.005)
        assert not new.is_leader()
        deadline = time.monotonic() + 20
        while not new.is_leader():
            assert time.monotonic() < deadline, "no one took over"
            time.sleep(0.01)
        assert not old.is_leader()
    finally:
        done.set()
        old.stop()
        new.stop()
    assert both == [], "two leaders at once"
