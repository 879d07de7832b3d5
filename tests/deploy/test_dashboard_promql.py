"""Every PromQL expression of the shipped dashboard and rules, run by a real Prometheus that
scrapes a real kpimon daemon (the demo configuration and data): each parses and returns at
least one series. Template variables are filled as Grafana fills them — a query variable with
all its values (its "All"), a custom variable with each of its options in turn. The alerts on
conditions the demo does not reach (QUIET) must be accepted by Prometheus; their firing is
shown by promtool's unit tests (test_prometheus_rules)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.grafana import dashboard as dash
from tests.deploy.grafana.demo import (
    break_config_and_reload,
    collect,
    demo_config,
    mail_waiting_since,
    metrics,
    succeeded_long_ago,
)
from tests.deploy.prometheus_server import QueryError, metric_names, prometheus, query
from tests.web.golden import DaemonProcess, wait_for

pytestmark = pytest.mark.timeout(240)

#: Alerts whose condition the demo daemon does not reach in the test: a compute failing or
#: not run for 15 minutes, a failed retention purge, a held Efecte resync (the demo has no
#: `efecte_rest` source).
QUIET = {"rule KpimonComputeStale", "rule KpimonComputeFailing", "rule KpimonPurgeFailed",
         "rule KpimonDeletionsHeld"}


def _rule_files(tmp_path: Path) -> list[Path]:
    """The shipped rule files, evaluated every second instead of every minute (the test
    cannot wait for a one-minute group interval)."""
    out = []
    for src in dash.RULE_FILES:
        dst = tmp_path / src.name
        dst.write_text(re.sub(r"^\s+interval: .*\n", "", src.read_text("utf-8"), flags=re.M),
                       "utf-8")
        out.append(dst)
    return out


def _expressions(prom: str, board: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) for every dashboard query under every value of the custom variables,
    every variable query, and every rule."""
    values = dict(dash.BUILTINS)
    customs: dict[str, list[str]] = {}
    out: list[tuple[str, str]] = []
    for name, var in dash.variables(board).items():
        if var["type"] == "query":
            inner = dash.variable_query(var)
            out.append((f"variable {name}", inner))
            ids = sorted({s["metric"]["indicator"] for s in query(prom, inner)})
            assert ids, f"variable {name} has no values: {inner}"
            values[name] = "(" + "|".join(ids) + ")"
        elif var["type"] == "custom":
            customs[name] = [o["value"] for o in var["options"]]
    assert set(customs) == {"period"}, customs
    for option in customs["period"]:
        for title, expr in dash.panel_queries(board):
            out.append((f"panel {title!r} (period={option})",
                        dash.substitute(expr, {**values, "period": option})))
    return out + [(f"rule {name}", expr) for name, expr in dash.rule_expressions()]


def test_every_query_returns_series(tmp_path: Path) -> None:
    config, env = demo_config(tmp_path)
    collect(config, env)
    succeeded_long_ago(f"sqlite:///{env['KPIMON_DEMO_DIR']}/kpimon.db", "arkiv", 2 * 86400)
    mail_waiting_since(f"sqlite:///{env['KPIMON_DEMO_DIR']}/kpimon.db", 3600)
    with DaemonProcess(config, env) as daemon:
        wait_for(lambda: metrics(daemon.url).get(
            ("kpimon_source_up", (("source", "arkiv"),))) == 0.0, 30,
            what="the arkiv source down", interval=0.2)
        break_config_and_reload(daemon, config)
        with prometheus(tmp_path, [f"127.0.0.1:{daemon.port}"], _rule_files(tmp_path)) as prom:
            board = dash.dashboard()

            empty: list[str] = ["(never evaluated)"]

            def all_answer() -> bool:
                try:
                    expressions = _expressions(prom, board)
                except (AssertionError, QueryError):
                    return False  # not scraped yet
                # A QueryError from here on is a broken expression: it fails the test.
                empty[:] = [f"{where}: {expr}" for where, expr in expressions
                            if not query(prom, expr) and where not in QUIET]
                return not empty

            try:
                wait_for(all_answer, 90, what="every expression to return a series",
                         interval=1)
            except AssertionError:
                pytest.fail("expressions without a series:\n" + "\n".join(empty))
            # The names Prometheus holds are the daemon's and the rules' (and Prometheus's
            # own ALERTS): every metric the dashboard uses is among them.
            assert QUIET <= {where for where, _ in _expressions(prom, board)}
            held = metric_names(prom)
            used = set().union(*(dash.metric_names_in(e) for _, e in dash.panel_queries(board)))
            assert used <= held, sorted(used - held)
    assert daemon.proc is not None and daemon.proc.returncode == 0, "".join(daemon.log)
