"""The shipped dashboard and rules, read as Grafana and Prometheus read them: the dashboard's
panels, queries and variables, the rule files' expressions, and the substitution of template
variables that Grafana does before it sends a query."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "kpimon.json"
RULE_FILES = [REPO / "deploy" / "prometheus" / "kpimon-rules.yml",
              REPO / "deploy" / "prometheus" / "kpimon-alerts.yml"]

#: Grafana's built-in variables, as Grafana fills them for a one-hour view.
BUILTINS = {"__range": "1h", "__rate_interval": "1m", "__interval": "15s"}
#: A metric name in PromQL (kpimon's own, the recorded ones, the client library's, ALERTS).
METRIC = re.compile(r"\b(kpimon[_:][A-Za-z0-9_:]*|process_[a-z_]+|python_[a-z_]+|ALERTS)\b")


def dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text("utf-8")))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside collapsed rows included."""
    for p in board["panels"]:
        yield p
        yield from p.get("panels", [])


def panel_queries(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every panel target."""
    return [(p["title"], t["expr"]) for p in panels(board) for t in p.get("targets", [])]


def variables(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in board["templating"]["list"]}


def variable_query(var: dict[str, Any]) -> str:
    """The PromQL inside a query variable's `query_result(...)`."""
    text = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
    m = re.fullmatch(r"query_result\((.*)\)", text.strip(), re.S)
    assert m, f"variable {var['name']}: expected query_result(...), got {text!r}"
    return m.group(1)


def rule_expressions() -> list[tuple[str, str]]:
    """(rule name, PromQL) of every recording and alerting rule shipped."""
    out = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]:
            for rule in group["rules"]:
                out.append((rule.get("record") or rule["alert"], str(rule["expr"])))
    return out


def recorded_names() -> set[str]:
    out = set()
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]:
            out |= {r["record"] for r in group["rules"] if "record" in r}
    return out


def substitute(expr: str, values: dict[str, str]) -> str:
    """Grafana's interpolation of `$name`, `${name}` and `${name:format}` in a query."""
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        assert name in values, f"no value for ${name} in {expr!r}"
        return values[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", one, expr)


def metric_names_in(expr: str) -> set[str]:
    return set(METRIC.findall(expr))
