"""A restart between the state change and the delivery: the notification waits in the outbox
(written with the change), and the next process delivers it — exactly once. The process-level
version (SIGKILL of `kpimon run`) is in test_daemon_kill.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.alerts.bench import Bench, at, write_config
from tests.alerts.smtp_server import SmtpServer

ROUTE = ('receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "30s"\n'
         'group_interval = "5m"\nrepeat_interval = "4h"')


def test_outbox_survives_a_restart(tmp_path: Path, db_url: str) -> None:
    with SmtpServer() as smtp:
        path = write_config(tmp_path, db_url, smtp.port, route=ROUTE)
        t0 = at("2026-11-10 10:00")
        first = Bench(path)
        first.record("calls", 0.5, t0)
        first.tick(t0)  # fires; its group waits 30 s for companions
        [n] = first.notifications()
        assert n.status == "scheduled" and n.due_at == int(t0.timestamp()) + 30
        assert first.states()["below_target/calls"] == "firing"
        first.close()  # the process goes away before the group is due

        second = Bench(path)
        try:
            assert second.send(t0 + timedelta(seconds=29)) == 0
            assert second.send(t0 + timedelta(seconds=30)) == 1
            # The new process evaluates too: the alert is already firing, nothing new.
            for s in (60, 120, 600):
                assert second.tick(t0 + timedelta(seconds=s)) == 0
            assert len(smtp.messages) == 1
        finally:
            second.close()
