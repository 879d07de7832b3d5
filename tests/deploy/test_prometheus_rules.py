"""The shipped Prometheus files pass promtool: `check rules` on the recording and alert rules,
`test rules` on their unit tests (alerts fire after their `for:` with severity and runbook,
several instances count once), `check config` on the example prometheus.yml; every alert has
`for:`, a severity and a runbook that names a section of docs/grafana.md."""

from __future__ import annotations

import re
import subprocess

import yaml

from tests.conftest import need_tool
from tests.deploy.grafana.dashboard import RULE_FILES
from tests.web.golden import REPO

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


def test_rule_unit_tests_can_fail(tmp_path: object) -> None:
    """The unit tests do check something: an alert expected at the wrong time fails them."""
    src = PROM / "tests" / "kpimon-rules.test.yml"
    bad = src.read_text("utf-8").replace("eval_time: 40m", "eval_time: 25m")
    path = PROM / "tests" / ".broken.test.yml"
    path.write_text(bad, "utf-8")
    try:
        done = subprocess.run([need_tool("promtool"), "test", "rules", str(path)],
                              capture_output=True, text=True, timeout=60, cwd=PROM)
    finally:
        path.unlink()
    assert done.returncode != 0 and "KpimonSourceDown" in done.stdout + done.stderr


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
                                            "KpimonMailNotDelivered"}
    for a in alerts:
        assert a["for"], a["alert"]
        assert a["labels"]["severity"] in ("info", "warning", "critical"), a["alert"]
        page, _, anchor = a["annotations"]["runbook_url"].partition("#")
        assert page == "docs/grafana.md" and anchor in anchors, a["annotations"]
