"""The leadership role (kpimon/leader.py): one leader among instances on a database (two
roles on one SQLite file's real lock), a new leader that waits for an old one to find out, a
leader that steps down at once when its lock fails or cannot be proven in time, and the
`kpimon_leader` gauge that follows the role."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from kpimon.leader import Leadership
from kpimon.store.leader import leader_lock


def _gauge(role: Leadership) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(role)
    lines = [x for x in generate_latest(registry).decode().splitlines()
             if x.startswith("kpimon_leader")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.timeout(60)
def test_one_leader_and_the_gauge_follows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kpimon.db"
    now = [100.0]
    a, b = (Leadership(leader_lock(url), settle=2.0, clock=lambda: now[0]) for _ in "ab")
    assert not a.is_leader() and _gauge(a) == "kpimon_leader 0.0"  # before its first round
    assert a.step() and a.is_leader() and _gauge(a) == "kpimon_leader 1.0"  # a free lock
    assert not b.step() and not b.is_leader() and _gauge(b) == "kpimon_leader 0.0"
    assert a.confirm() and not b.confirm()
    a.stop()  # gives the lock up
    assert not a.is_leader() and _gauge(a) == "kpimon_leader 0.0"
    # Taken over from another: it leads once an old leader has had time to find out.
    assert b.step() and not b.is_leader()
    now[0] += 2.0
    assert b.step() and b.is_leader() and _gauge(b) == "kpimon_leader 1.0"
    b.stop()


class _Lock:
    """A lock seam: taking and checking it answer `answer`; a check hangs while `hang` is
    set."""

    where = "a test"

    def __init__(self) -> None:
        self.answer = True
        self.hang = threading.Event()
        self.released = threading.Event()

    def try_acquire(self) -> bool:
        return self.answer

    def check(self) -> bool:
        while self.hang.is_set():
            self.released.wait(0.01)
        return self.answer

    def release(self) -> None:
        self.hang.clear()


@pytest.mark.timeout(60)
def test_a_failed_check_steps_down_at_once() -> None:
    lock = _Lock()
    role = Leadership(lock, settle=0.0)
    assert role.step() and role.is_leader()
    lock.answer = False
    assert not role.step() and not role.is_leader() and not role.confirm()
    lock.answer = True
    assert role.step() and role.is_leader()  # a follower that can take it again does


@pytest.mark.timeout(60)
def test_a_leader_that_cannot_prove_its_lock_steps_down_in_time() -> None:
    """A check hanging on a cut network: the role turns follower once `hold_for` has passed
    since the last proof — before the database can have given the lock to another — and a
    send's confirm() gives up rather than wait."""
    now = [100.0]
    lock = _Lock()
    role = Leadership(lock, hold_for=15.0, clock=lambda: now[0])
    assert role.step()
    lock.hang.set()
    hung = threading.Thread(target=role.step, daemon=True)
    hung.start()
    now[0] += 14.9
    assert role.is_leader()
    now[0] += 0.2
    assert not role.is_leader() and _gauge(role) == "kpimon_leader 0.0"
    role.hold_for = 0.2  # the real wait for a hung round is hold_for; keep the test short
    assert role.confirm() is False
    lock.hang.clear()
    hung.join(10)


@pytest.mark.timeout(60)
def test_alone_on_its_database_it_leads_for_good() -> None:
    role = Leadership.sole()
    assert role.is_leader() and role.confirm() and _gauge(role) == "kpimon_leader 1.0"
