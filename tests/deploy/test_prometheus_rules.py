"""The shipped Prometheus files pass promtool: `check rules` on the recording and alert rules,
`test rules` on their unit tests (alerts fire after their `for:` with severity and runbook,
several instances count once), `check config` on the example prometheus.yml; every alert has
`for:`, a severity and a runbook that names a section of docs/grafana.md, and every kpimon
metric an alert reads is one kpimon exports."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import pytest
import yaml

from kpimon.config import parse_config
from kpimon.daemon import Daemon
from tests.conftest import need_tool
from tests.deploy.grafana.dashboard import RULE_FILES, metric_names_in
from tests.web.golden import REPO, exposition_of, family_names

PROM = REPO / "deploy" / "prometheus"


def _promtool(*args: str) -> str:
    done = subprocess.run([need_tool("promtool"), *args], capture_output=True, text=True,
                          timeout=60, cwd=PROM)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    return out


def test_check_rules() -> None:
    out = _promtool("check", "rules", *(str(p) for p in RULE_FILES))
    assert out.count("SUCCESS") == len(RULE_FILES)


def test_rule_unit_tests() -> None:
    tests = sorted((PROM / "tests").glob("*.yml"))
    assert tests
    assert "SUCCESS" in _promtool("test", "rules", *(str(p) for p in tests))


@pytest.mark.parametrize(("test_file", "early", "alert"), [
    ("kpimon-rules.test.yml", "eval_time: 40m", "KpimonSourceDown"),
    ("kpimon-jobs.test.yml", "eval_time: 32m", "KpimonComputeStale"),
    ("kpimon-jobs.test.yml", "eval_time: 25m", "KpimonComputeFailing"),
    ("kpimon-jobs.test.yml", "eval_time: 24h30m", "KpimonPurgeFailed"),
])
def test_rule_unit_tests_can_fail(test_file: str, early: str, alert: str) -> None:
    """The unit tests do check something: an alert expected before its `for:` has passed
    fails them."""
    src = PROM / "tests" / test_file
    text = src.read_text("utf-8")
    assert early in text
    bad = text.replace(early, "eval_time: 15m", 1)
    path = PROM / "tests" / ".broken.test.yml"
    path.write_text(bad, "utf-8")
    try:
        done = subprocess.run([need_tool("promtool"), "test", "rules", str(path)],
                              capture_output=True, text=True, timeout=60, cwd=PROM)
    finally:
        path.unlink()
    assert done.returncode != 0 and alert in done.stdout + done.stderr


def test_check_example_config() -> None:
    assert "is valid prometheus config" in _promtool("check", "config", "prometheus.yml")


def test_every_alert_has_for_severity_and_runbook() -> None:
    doc = (REPO / "docs" / "grafana.md").read_text("utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", doc, re.M)}
    alerts = [r for p in RULE_FILES for g in yaml.safe_load(p.read_text("utf-8"))["groups"]
              for r in g["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} == {"KpimonSourceDown", "KpimonSourceStale",
                                            "KpimonIndicatorNotAchieved", "KpimonReloadFailed",
                                            "KpimonMailNotDelivered", "KpimonComputeStale",
                                            "KpimonComputeFailing", "KpimonPurgeFailed",
                                            "KpimonDeletionsHeld"}
    for a in alerts:
        assert a["for"], a["alert"]
        assert a["labels"]["severity"] in ("info", "warning", "critical"), a["alert"]
        page, _, anchor = a["annotations"]["runbook_url"].partition("#")
        assert page == "docs/grafana.md" and anchor in anchors, a["annotations"]


def test_alerts_read_metrics_kpimon_exports() -> None:
    """Each `kpimon_` metric an alert reads has a series in /metrics of a daemon with an
    `efecte_rest` source (the one kind with held deletions) and an indicator: a renamed
    metric would leave its alert silent forever."""
    rest = {"name": "efecte", "kind": "efecte_rest", "every": "5m",
            "url": "https://efecte.example/rest-api/itsm/v1", "templates": ["incident"],
            "fields": {"id": "id", "created": "c", "status": "s", "priority": "p",
                       "updated": "u"},
            "values": {"priority": {"1": "acute"}, "status": {"n": "new"}}}
    indicator = {"id": "resp_30m", "kind": "response_within", "threshold": "30m"}
    daemon = Daemon(parse_config({"database": "sqlite://", "sources": [rest],
                                  "indicators": [indicator]}), env={})
    try:
        daemon.app.store.upgrade()
        daemon._refresh_alerts_view()  # the outbox's figures, as after each compute
        exported = family_names(exposition_of(
            daemon._snapshot({}, datetime.now(UTC), ready=True), alerts=daemon.alerts))
    finally:
        daemon.app.store.close()
    recorded = {str(r["record"]) for p in RULE_FILES
                for g in yaml.safe_load(p.read_text("utf-8"))["groups"] for r in g["rules"]
                if "record" in r}
    read = {name for p in RULE_FILES for g in yaml.safe_load(p.read_text("utf-8"))["groups"]
            for r in g["rules"] if "alert" in r for name in metric_names_in(str(r["expr"]))}
    assert {"kpimon_compute_failures_total", "kpimon_purge_last_success_timestamp_seconds",
            "kpimon_source_deletions_held"} <= read
    # kpimon_source_up has a series once a source has run; the rest from the start.
    missing = read - recorded - exported - {"kpimon_source_up"}
    assert not missing, sorted(missing)


def test_operations_doc_lists_every_alert() -> None:
    """docs/operations.md's table of the shipped alerts names each alert of the rule file,
    and no other."""
    doc = (REPO / "docs" / "operations.md").read_text("utf-8")
    listed = set(re.findall(r"^\| `(Kpimon\w+)` \|", doc, re.M))
    shipped = {r["alert"] for p in RULE_FILES
               for g in yaml.safe_load(p.read_text("utf-8"))["groups"]
               for r in g["rules"] if "alert" in r}
    assert listed == shipped
