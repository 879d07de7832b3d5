"""Alerting in the running daemon's outputs: the alert job runs after the compute, the sender
mails the firing group, and `/api/alerts`, `/metrics` (`kpimon_alerts_firing{rule}`,
`kpimon_notifications_total{channel,result}`, `kpimon_outbox_pending`,
`kpimon_outbox_oldest_age_seconds`; promtool finds nothing) and the status page show it, with
names escaped. Counters come from the store, so a new daemon starts from them."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from kpimon.store import alerts as db
from tests.alerts.bench import Bench, write_config
from tests.alerts.smtp_server import SmtpServer
from tests.conftest import need_tool
from tests.web.golden import DaemonThread, get, parse_exposition, sample, wait_for

INDICATORS = """
[[indicators]]
id = "calls"
name = "Samtal <i>inom</i> 20 s"
kind = "manual"
unit = "ratio"
target = ">= 0.70"

[[indicators]]
id = "budget"
name = "Budgetavvikelse, tkr"
kind = "manual"
target = ">= 0"

[[indicators]]
id = "hme"
name = "Medarbetarengagemang"
kind = "manual"
unit = "index"
target = ">= 70"
"""


def test_daemon_alerts_outputs(tmp_path: Path, db_url: str) -> None:
    with SmtpServer() as smtp:
        path = write_config(tmp_path, db_url, smtp.port, indicators=INDICATORS)
        b = Bench(path)
        b.record("calls", 0.5, datetime.now(UTC))
        with b.app.store.engine.begin() as conn:  # a silence on the other rule: counted too
            now = int(datetime.now(UTC).timestamp())
            db.add_silence(conn, [("rule", "=", "engagement")], now, now + 3600, "anna",
                           "test", now)
        b.record("hme", 10, datetime.now(UTC))
        b.close()
        with DaemonThread(path, {}) as d:
            [mail] = smtp.wait_for(1)
            assert mail.message["Subject"] == ("[kpimon] 1 indikator under mål: Samtal <i>inom"
                                               "</i> 20 s")
            api = wait_for(lambda: (r := get(f"{d.url}/api/alerts").json())["alerts"]
                           and r["outbox"]["pending"] == 0 and r, what="/api/alerts")
            firing = {a["rule"]: a for a in api["alerts"] if a["state"] == "firing"}
            assert set(firing) == {"below_target", "engagement"}
            assert firing["below_target"]["labels"]["indicator"] == "calls"
            assert firing["engagement"]["silenced_by"] == [api["silences"][0]["id"]]
            assert api["silences"][0]["matchers"] == ["rule=engagement"]

            metrics = wait_for(lambda: (t := get(f"{d.url}/metrics").text) and
                               'result="sent"} 1.0' in t and t, what="the sent counter")
            series = parse_exposition(metrics)
            assert sample(series, "kpimon_alerts_firing", rule="below_target") == 1
            assert sample(series, "kpimon_alerts_firing", rule="engagement") == 1
            assert sample(series, "kpimon_notifications_total", channel="email",
                          result="sent") == 1
            assert sample(series, "kpimon_notifications_total", channel="alertmanager",
                          result="gave_up") == 0
            assert sample(series, "kpimon_outbox_pending") == 0
            assert sample(series, "kpimon_outbox_oldest_age_seconds") == 0
            promtool = need_tool("promtool")
            lint = subprocess.run([promtool, "check", "metrics"], input=metrics, text=True,
                                  capture_output=True, timeout=30)
            assert lint.returncode == 0 and not (lint.stdout + lint.stderr).strip()

            page = get(f"{d.url}/").text
            assert "Aktiva larm" in page
            assert "Samtal &lt;i&gt;inom&lt;/i&gt; 20 s" in page and "<i>inom" not in page
            assert "tystat (#" in page

        # A new daemon on the same store starts from the stored counters.
        with DaemonThread(path, {}) as d:
            series = parse_exposition(get(f"{d.url}/metrics").text)
            assert sample(series, "kpimon_notifications_total", channel="email",
                          result="sent") == 1
            assert len(smtp.messages) == 1
