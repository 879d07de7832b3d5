"""A notification that cannot be delivered is retried with back-off until it is older than
`give_up_after`, then given up with an error in the log and the `gave_up` counter; a relay
that refuses for good (5xx) is given up at once."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from tests.alerts.bench import Bench, at, write_config
from tests.alerts.smtp_server import SmtpServer
from tests.alerts.test_retry_then_deliver import _sample


def test_given_up_after_its_age(tmp_path: Path, db_url: str,
                                caplog: pytest.LogCaptureFixture) -> None:
    with SmtpServer(refuse=1000) as smtp:
        b = Bench(write_config(tmp_path, db_url, smtp.port, alerts='give_up_after = "10m"'))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            b.tick(t0)
            waits = []
            now = t0
            with caplog.at_level(logging.WARNING, logger="kpimon.alerts"):
                for _ in range(20):
                    [n] = [n for n in b.notifications() if n.status in ("ready", "failed")]
                    if n.status == "failed":
                        break
                    waits.append(n.due_at - int(now.timestamp()))
                    now = now + timedelta(seconds=n.due_at - int(now.timestamp()))
                    b.send(now)
            assert n.status == "failed" and "451" in (n.last_error or "")
            # 10 s doubling: 10, 20, 40, 80, 160, 320 — then older than 10 minutes.
            assert waits == [10, 20, 40, 80, 160, 320]
            assert smtp.handler.refused == 7 and smtp.messages == []
            errors = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert len(errors) == 1 and "given up" in errors[0].getMessage()
            assert _sample(b.view(), "kpimon_notifications_total", channel="email",
                           result="gave_up") == 1
            assert _sample(b.view(), "kpimon_notifications_total", channel="email",
                           result="error") == 7
        finally:
            b.close()


def test_permanent_refusal_gives_up_at_once(tmp_path: Path, db_url: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    with SmtpServer(refuse=1000, refuse_with="554 5.7.1 relaying denied") as smtp:
        b = Bench(write_config(tmp_path, db_url, smtp.port))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            with caplog.at_level(logging.ERROR, logger="kpimon.alerts"):
                b.tick(t0)
            [n] = [n for n in b.notifications() if n.status != "scheduled"]
            assert n.status == "failed" and "554" in (n.last_error or "")
            assert any("refused for good" in r.getMessage() for r in caplog.records)
            b.send(t0 + timedelta(hours=1))
            assert smtp.handler.refused == 1
        finally:
            b.close()
