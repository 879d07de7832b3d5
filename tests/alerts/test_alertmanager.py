"""The Alertmanager channel against a real Alertmanager: kpimon posts the firing alert to
/api/v2/alerts (labels, annotations, startsAt, endsAt ahead, generatorURL), Alertmanager shows
it active and notifies its own receiver; when the condition clears, kpimon posts it resolved
and Alertmanager no longer lists it as active and notifies the resolution. Read back from
Alertmanager's API and webhook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.alertmanager_proc import Alertmanager
from tests.alerts.bench import Bench, write_config


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path)
    yield am
    am.stop()


def _wait(predicate, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_alerts_reach_alertmanager_and_resolve(tmp_path: Path, db_url: str,
                                               alertmanager: Alertmanager) -> None:
    route = 'receiver = "am"'
    alerts = (f'[alerts.receivers.am]\nalertmanager = "{alertmanager.url}"\n'
              'resend_interval = "2s"')
    b = Bench(write_config(tmp_path, db_url, 1, route=route, alerts=alerts))
    try:
        now = datetime.now(UTC)
        b.record("calls", 0.5, now)
        assert b.tick(now) == 1
        [n] = [n for n in b.notifications() if n.status == "sent"]
        assert n.channel == "alertmanager" and n.result and "200" in n.result

        [alert] = _wait(lambda: [a for a in alertmanager.alerts(active="true")
                                 if a["labels"].get("rule") == "below_target"])
        assert alert["labels"] == {"alertname": "below_target", "rule": "below_target",
                                   "indicator": "calls", "period": "month",
                                   "severity": "warning", "team": "servicedesk"}
        assert alert["generatorURL"] == "https://kpimon.kommun.example/"
        assert alert["status"]["state"] == "active"
        starts = datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00"))
        ends = datetime.fromisoformat(alert["endsAt"].replace("Z", "+00:00"))
        assert abs((starts - now).total_seconds()) < 2
        assert ends - starts >= timedelta(seconds=7)  # 4 resend intervals ahead
        _wait(lambda: any(m["status"] == "firing" for m in alertmanager.hook.received))

        # A re-post while firing (every resend_interval), as Alertmanager expects of a client.
        assert b.tick(datetime.now(UTC)) == 0
        time.sleep(2.1)
        assert b.tick(datetime.now(UTC)) == 1
        [again] = alertmanager.alerts(active="true")
        assert again["endsAt"] > alert["endsAt"]

        b.record("calls", 0.9, datetime.now(UTC))
        assert b.tick(datetime.now(UTC)) == 1
        _wait(lambda: not [a for a in alertmanager.alerts(active="true")
                           if a["labels"].get("rule") == "below_target"])
        resolved = _wait(lambda: [m for m in alertmanager.hook.received
                                  if m["status"] == "resolved"])
        assert resolved[0]["alerts"][0]["labels"]["indicator"] == "calls"
        assert resolved[0]["alerts"][0]["status"] == "resolved"
    finally:
        b.close()
