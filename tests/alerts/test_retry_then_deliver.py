"""A relay that refuses (451) and then accepts: exactly one mail, after a back-off, under the
Message-ID fixed before the first attempt; the failed attempt is counted and recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prometheus_client.samples import Sample

from tests.alerts.bench import Bench, at, write_config
from tests.alerts.smtp_server import SmtpServer


def _sample(view, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    for family in view.metrics():
        for s in family.samples:
            assert isinstance(s, Sample)
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    raise AssertionError(f"no {name}{labels}")


def test_refused_then_accepted_is_one_mail(tmp_path: Path, db_url: str) -> None:
    with SmtpServer(refuse=1) as smtp:
        b = Bench(write_config(tmp_path, db_url, smtp.port))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            assert b.tick(t0) == 0  # refused
            assert smtp.handler.refused == 1 and smtp.messages == []
            [n] = [n for n in b.notifications() if n.status != "scheduled"]
            assert n.status == "ready" and n.attempts == 1 and "451" in (n.last_error or "")
            assert n.due_at == int((t0 + timedelta(seconds=10)).timestamp())
            first_id = n.message_id
            view = b.view()
            assert _sample(view, "kpimon_notifications_total", channel="email",
                           result="error") == 1
            # Waiting for its retry: pending, since the content was fixed.
            assert _sample(view, "kpimon_outbox_pending") == 1
            b.now = t0 + timedelta(seconds=7)
            assert _sample(b.view(), "kpimon_outbox_oldest_age_seconds") == 7

            assert b.send(t0 + timedelta(seconds=5)) == 0  # not yet
            assert b.send(t0 + timedelta(seconds=10)) == 1
            for s in (20, 60, 600):
                assert b.tick(t0 + timedelta(seconds=s)) == 0
            [mail] = smtp.messages
            assert mail.message["Message-ID"] == first_id
            [n] = [n for n in b.notifications() if n.status == "sent"]
            assert n.attempts == 2 and n.result and n.result.startswith("250")
            view = b.view()
            assert _sample(view, "kpimon_outbox_pending") == 0
            assert _sample(view, "kpimon_notifications_total", channel="email",
                           result="sent") == 1
            assert _sample(view, "kpimon_notifications_total", channel="email",
                           result="error") == 1
        finally:
            b.close()
