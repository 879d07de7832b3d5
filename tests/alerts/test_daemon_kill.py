"""Exactly once across processes (DESIGN §11a), with real `kpimon run` processes:

* killed (SIGKILL) between the state change and the delivery: the next process delivers the
  notification from the outbox — one mail;
* two processes on one PostgreSQL: one leads, one state change, one notification, one mail;
* killed inside the SMTP DATA: the relay may have the message already, so the next process
  sends it again once the lease runs out — at most one duplicate, with the same Message-ID.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.store import alerts as db
from tests.alerts.bench import Bench, write_config
from tests.alerts.processes import KpimonRun, wait_until
from tests.alerts.smtp_server import SmtpServer

pytestmark = pytest.mark.slow

TOP = 'compute_every = "2s"'


def _prepare(tmp_path: Path, db_url: str, port: int, route: str) -> tuple[Path, Bench]:
    path = write_config(tmp_path, db_url, port, top=TOP, route=route)
    b = Bench(path)
    b.record("calls", 0.5, datetime.now(UTC))
    return path, b


def _outbox(b: Bench) -> list[db.Notification]:
    return b.notifications()


def test_sigkill_before_delivery(tmp_path: Path, db_url: str) -> None:
    route = ('receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "8s"\n'
             'group_interval = "1m"\nrepeat_interval = "4h"')
    with SmtpServer() as smtp:
        path, b = _prepare(tmp_path, db_url, smtp.port, route)
        try:
            first = KpimonRun(path, tmp_path / "first.log")
            wait_until(lambda: [n for n in _outbox(b) if n.status == "scheduled"],
                       what="the notification in the outbox")
            first.kill()  # before the group is due
            assert smtp.messages == []
            assert b.states()["below_target/calls"] == "firing"
            second = KpimonRun(path, tmp_path / "second.log")
            try:
                smtp.wait_for(1, timeout=30)
                time.sleep(6)  # a few more rounds of alert job and sender
            finally:
                assert second.stop() == 0
            assert len(smtp.messages) == 1
            assert [n.status for n in _outbox(b) if n.status != "scheduled"] == ["sent"]
        finally:
            b.close()


def test_two_daemons_on_one_postgresql(tmp_path: Path, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several instances share a PostgreSQL database")
    route = ('receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "3s"\n'
             'group_interval = "1m"\nrepeat_interval = "4h"')
    with SmtpServer() as smtp:
        path, b = _prepare(tmp_path, db_url, smtp.port, route)
        runs = [KpimonRun(path, tmp_path / f"run{i}.log") for i in range(2)]
        try:
            smtp.wait_for(1, timeout=40)
            time.sleep(8)  # both keep evaluating and sending every 2 s
            assert len(smtp.messages) == 1
            assert [n.status for n in _outbox(b) if n.status not in ("scheduled",
                                                                        "skipped")] == ["sent"]
            for r in runs:  # both were up and working the whole time
                assert r.proc.poll() is None and "ready:" in r.log, r.log
            # One of them leads (evaluates and sends); the other serves what it stored.
            assert sum("this instance is now the leader" in r.log for r in runs) == 1
        finally:
            for r in runs:
                assert r.stop() == 0
            b.close()
        for r in runs:
            assert "alert job failed" not in r.log and "sender failed" not in r.log, r.log


def test_sigkill_inside_the_send(tmp_path: Path, db_url: str) -> None:
    route = ('receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "0s"\n'
             'group_interval = "1m"\nrepeat_interval = "4h"')
    release = threading.Event()
    with SmtpServer(block=release) as smtp:
        path, b = _prepare(tmp_path, db_url, smtp.port, route)
        try:
            first = KpimonRun(path, tmp_path / "first.log")
            assert smtp.handler.entered_data.wait(30), first.log
            first.kill()  # inside DATA: the relay has queued the message, the reply is held
            release.set()
            assert len(smtp.wait_for(1)) == 1
            [n] = [n for n in _outbox(b) if n.status == "sending"]
            second = KpimonRun(path, tmp_path / "second.log")
            try:
                # The lease (4 × the 5 s timeout + 5 s) runs out, then it goes again.
                wait_until(lambda: [x for x in _outbox(b) if x.id == n.id
                                    and x.status == "sent"], timeout=60,
                           what="the second attempt")
                time.sleep(4)
            finally:
                assert second.stop() == 0
            assert 1 <= len(smtp.messages) <= 2
            assert {m.message["Message-ID"] for m in smtp.messages} == {n.message_id}
        finally:
            b.close()
