"""Inhibition by a failing source: while a source's last collection fails, the alerts of the
indicators computed from it are muted, and the source's own mail says which; when it
recovers, the indicator alert that still fires is notified. `[[alerts.inhibit]]` rules mute
Alertmanager-style. The source is a real ticket_csv `url` on a local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.alerts.bench import at
from tests.http_server import LocalServer, QuietHandler
from tests.sources.ticket_csv_files import csv_text, row


class _Export(QuietHandler):
    status = 503
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply(self.status, self.body)


@pytest.fixture
def export() -> Iterator[tuple[str, type[_Export]]]:
    handler = type("Export", (_Export,), {})
    with LocalServer(handler) as httpd:
        yield f"{httpd.origin}/export.csv", handler


SOURCE = """
[[sources]]
name = "efecte"
kind = "ticket_csv"
url = "{url}"
every = "5m"
retries = 0
timeout = 5
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "02 - Pågår" = "in_progress", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
values.kind = {{ "Incident" = "incident" }}
"""  # noqa: E501 - TOML inline tables are one line

INDICATORS = """
[[indicators]]
id = "first_line"
name = "Andel ärenden lösta av servicedesk"
kind = "first_line_share"
target = ">= 0.9"

[[indicators]]
id = "calls"
name = "Andel samtal besvarade inom 20 s"
kind = "manual"
unit = "ratio"
target = ">= 0.70"
"""

RULES = """
[[alerts.rules]]
id = "kpi"
kind = "indicator_status"
status = ["not_achieved", "no_value"]
labels = { team = "servicedesk" }

[[alerts.rules]]
id = "source_down"
kind = "source_failing"
labels = { team = "drift" }
"""


def test_failing_source_mutes_its_indicators(bench, smtp, export) -> None:  # type: ignore[no-untyped-def]
    url, handler = export
    b = bench(sources=SOURCE.format(url=url), indicators=INDICATORS, rules=RULES)
    t0 = at("2020-03-10 12:00")
    b.record("calls", 0.5, t0)  # a manual indicator: no source, never muted
    [outcome] = b.app.collect()
    assert not outcome.ok and "503" in (outcome.error or "")
    assert b.tick(t0) == 2
    by_subject = {m.message["Subject"]: m.message for m in smtp.wait_for(2)}
    assert set(by_subject) == {
        "[kpimon] 1 källa fungerar inte: efecte",
        "[kpimon] 1 indikator under mål: Andel samtal besvarade inom 20 s",
    }
    source_mail = by_subject["[kpimon] 1 källa fungerar inte: efecte"]
    text = source_mail.get_body(("plain",)).get_content()
    assert "Tystade larm medan källan inte fungerar: Andel ärenden lösta av servicedesk" in text
    assert "503" in text
    html = source_mail.get_body(("html",)).get_content()
    assert "Andel ärenden lösta av servicedesk" in html
    [muted] = [a for a in b.view().firing() if a.labels.get("indicator") == "first_line"]
    assert muted.inhibited_by == ("efecte",) and muted.muted
    assert b.tick(t0 + timedelta(minutes=5)) == 0

    # The source recovers; the indicator is still below target (1 of 2 by the first line).
    handler.status = 200
    handler.body = csv_text([row("T1", created="2020-03-02 08:00", resolved="2020-03-02 10:00",
                                 line="1"),
                             row("T2", created="2020-03-03 08:00", resolved="2020-03-03 12:00",
                                 line="2")]).encode("utf-8")
    [outcome] = b.app.collect()
    assert outcome.ok
    t1 = t0 + timedelta(minutes=10)
    assert b.tick(t1) == 2
    subjects = {m.message["Subject"] for m in smtp.wait_for(4)[2:]}
    assert subjects == {"[kpimon] Åtgärdat: efecte",
                        "[kpimon] 2 indikatorer under mål: Andel samtal besvarade inom 20 s, "
                        "Andel ärenden lösta av servicedesk"}
    assert b.tick(t1 + timedelta(minutes=5)) == 0


INHIBIT = """
[[alerts.inhibit]]
source_match = { severity = "critical" }
target_match = { severity = "warning" }
equal = ["team"]
"""

RULES_SEVERITY = """
[[alerts.rules]]
id = "calls_critical"
kind = "indicator_status"
indicator = "calls"
labels = { severity = "critical", team = "servicedesk" }

[[alerts.rules]]
id = "calls_warning"
kind = "indicator_status"
indicator = "calls"
labels = { severity = "warning", team = "servicedesk" }

[[alerts.rules]]
id = "budget_warning"
kind = "indicator_status"
indicator = "budget"
labels = { severity = "warning", team = "ekonomi" }
"""


def test_configured_inhibit_rule(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench(alerts=INHIBIT, rules=RULES_SEVERITY)
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    b.record("budget", -1, t0)
    assert b.tick(t0) == 2  # calls_warning muted by calls_critical (same team)
    rules = {m.message["Subject"] for m in smtp.wait_for(2)}
    assert rules == {"[kpimon] 1 indikator under mål: Andel samtal besvarade inom 20 s",
                     "[kpimon] 1 indikator under mål: Budgetavvikelse, tkr"}
    muted = {a.rule: a.inhibited_by for a in b.view().firing()}
    assert muted == {"calls_critical": (), "calls_warning": ("Andel samtal besvarade inom 20 s",),
                     "budget_warning": ()}
