"""The shipped Grafana dashboard, checked as file provisioning and "Import dashboard" read it
(there is no Grafana server here): it is what deploy/grafana/dashboard.py writes; it has a
stable uid, `id: null`, a Prometheus `datasource` variable used by every panel and query, no
`__inputs`; its titles are Swedish; and every metric it queries is one the daemon exposes or
the shipped rules record (or Prometheus's ALERTS of those rules)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from prometheus_client.exposition import generate_latest

from kpimon.config import parse_config
from kpimon.periods import containing
from kpimon.web.server import WebServer
from kpimon.web.snapshot import Snapshot, SnapshotHolder, SourceExtras, build_metrics
from tests.deploy.grafana import dashboard as dash
from tests.web.golden import REPO, family_names

GENERATOR = REPO / "deploy" / "grafana" / "dashboard.py"


def test_committed_json_is_what_the_generator_writes() -> None:
    done = subprocess.run([sys.executable, str(GENERATOR)], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout == dash.DASHBOARD.read_text("utf-8"), \
        "run: python deploy/grafana/dashboard.py > deploy/grafana/dashboards/kpimon.json"


def test_provisioning_shape() -> None:
    board = dash.dashboard()
    assert "__inputs" not in board and "__requires" not in board
    assert board["uid"] == runpy.run_path(str(GENERATOR))["UID"] == "kpimon-overview"
    assert board["id"] is None
    variables = dash.variables(board)
    ds = variables["datasource"]
    assert ds["type"] == "datasource" and ds["query"] == "prometheus"
    for panel in dash.panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, \
            panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
    for var in variables.values():
        if var["type"] == "query":
            assert var["datasource"]["uid"] == "${datasource}"
    # Every query runs on one series per key whatever the number of kpimon instances.
    for title, expr in dash.panel_queries(board):
        assert "max by" in expr or "min by" in expr, (title, expr)
    ids = [p["id"] for p in dash.panels(board)]
    assert len(ids) == len(set(ids))


def test_rows_and_swedish_titles() -> None:
    board = dash.dashboard()
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == ["Nämndens mål", "Andelar mot mål", "Tider mot mål", "Antal mot mål",
                    "Övriga indikatorer (inmatade värden)", "Per kommun",
                    "Öppna ärenden, ålder och risk", "Telefoni: servicenivå per kö",
                    "Datorer i inventeringarna", "Källornas hälsa", "Larm"]
    english = ("Status of", "Tickets", "Source", "Goal", "Indicator", "Open ", "Calls")
    for panel in dash.panels(board):
        assert not any(w in panel["title"] for w in english), panel["title"]
    assert board["title"] == "kpimon – servicedeskens nyckeltal"


TICKETS = {"id": "a", "created": "b", "status": "c", "priority": "d"}
EVERY_KIND = {
    "database": "sqlite://", "queues": ["Servicedesk"], "orgs": ["Laxå"],
    "sources": [
        {"name": "export", "kind": "ticket_csv", "path": "/x/*.csv", "every": "5m",
         "fields": TICKETS,
         "values": {"status": {"N": "new"}, "priority": {"N": "normal"}}},
        {"name": "ace", "kind": "ace_csv", "path": "/x/*.csv", "every": "15m"},
        {"name": "cmdb", "kind": "inventory_csv", "path": "/x/a.csv", "every": "1h"},
        {"name": "sccm", "kind": "inventory_csv", "path": "/x/b.csv", "every": "1h"},
    ],
    "indicators": [
        {"id": "resp", "kind": "response_within", "threshold": "30m", "target": "rise",
         "breakdown": ["org"]},
        {"id": "handling", "kind": "handling_time", "unit": "hours", "target": "<= 20"},
        {"id": "sl", "kind": "call_service_level", "threshold": "20s", "target": ">= 0.7",
         "breakdown": ["queue"]},
        {"id": "pcs", "kind": "asset_reconciliation", "a": "cmdb", "b": "sccm"},
    ],
    "goals": [{"id": "g", "indicators": ["resp", "handling", "sl"]}],
}


def _exposed_names() -> set[str]:
    """Every sample and family name `/metrics` can have: the snapshot of a configuration with
    every kind of source and a target of each sort, served through the web server's registry
    (with the client library's process and platform collectors)."""
    config = parse_config(EVERY_KIND, env={})
    now = datetime.now(UTC)
    periods = {"month": containing("month", now, config.tz),
               "year": containing("year", now, config.tz)}
    metrics = build_metrics(config, {}, periods, {}, {}, {}, SourceExtras())
    holder = SnapshotHolder(Snapshot(metrics=metrics))
    server = WebServer("127.0.0.1", 0, holder, lambda *a: {}, config.tz, lambda: True)
    try:
        # As /metrics serves them: the snapshot's families, rendered once per snapshot, then
        # the registry's live ones (alerts, leadership, process).
        text = (holder.exposition(generate_latest) + generate_latest(server.registry)).decode()
    finally:
        server.httpd.server_close()  # never started: nothing to shut down
    declared = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    return family_names(text) | declared


def test_only_metrics_the_daemon_exposes_or_the_rules_record() -> None:
    known = _exposed_names() | dash.recorded_names() | {"ALERTS"}
    board = dash.dashboard()
    used: set[str] = set()
    for _, expr in dash.panel_queries(board):
        used |= dash.metric_names_in(expr)
    for var in dash.variables(board).values():
        if var["type"] == "query":
            used |= dash.metric_names_in(dash.variable_query(var))
    assert used, "no metric found in the dashboard's queries"
    assert used <= known, sorted(used - known)
    rules_use: set[str] = set()
    for _, expr in dash.rule_expressions():
        rules_use |= dash.metric_names_in(expr)
    assert rules_use <= known, sorted(rules_use - known)
    # ALERTS only for the rules shipped beside the dashboard.
    alerts = [e for _, e in dash.panel_queries(board) if "ALERTS" in e]
    assert alerts and all('alertname=~"Kpimon.*"' in e for e in alerts)


def test_provisioning_files() -> None:
    prov = REPO / "deploy" / "grafana" / "provisioning"
    dashboards = yaml.safe_load((prov / "dashboards" / "kpimon.yaml").read_text("utf-8"))
    assert dashboards["apiVersion"] == 1
    (provider,) = dashboards["providers"]
    assert provider["type"] == "file" and provider["options"]["path"]
    sources = yaml.safe_load((prov / "datasources" / "prometheus.yaml").read_text("utf-8"))
    (ds,) = sources["datasources"]
    assert ds["type"] == "prometheus" and ds["url"].startswith("http")
    assert Path(provider["options"]["path"]).is_absolute()
