"""docs/operations.md stays true to the code: it explains every metric family /metrics exports
(under the name Prometheus sees), and the paths it tells the admin match the unit."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from kpimon.alerts.view import AlertsView
from kpimon.config import load_config
from kpimon.leader import Leadership
from kpimon.periods import containing
from kpimon.web.snapshot import SourceExtras, build_metrics
from tests.deploy.harness import REPO, write_config
from tests.deploy.unit import values

DOC = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
SUFFIX = {"counter": "_total", "info": "_info"}


def test_every_metric_is_explained(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    now = datetime.now(UTC)
    periods = {p: containing(p, now, config.tz) for p in ("month", "year")}
    families = [*build_metrics(config, {}, periods, {}, {}, {}, SourceExtras()),
                *AlertsView(rules=("a_rule",)).metrics(),  # the alerting families
                *Leadership.sole().collect()]  # kpimon_leader
    names = {f.name + SUFFIX.get(f.type, "") for f in families}
    documented = set(re.findall(r"^\| `(kpimon_\w+)` \|", DOC, re.M))
    assert names - documented == set(), "metrics missing from docs/operations.md"
    assert documented - names == set(), "docs/operations.md lists metrics that do not exist"


def test_paths_match_the_unit() -> None:
    [exec_start] = values("ExecStart")
    binary, _, rest = exec_start.partition(" ")
    assert binary in DOC and "/etc/kpimon/kpimon.toml" in rest
    [credential] = values("LoadCredential")
    assert credential.split(":", 1)[1] in DOC
    assert "WatchdogSec=" + values("WatchdogSec")[0] in DOC
