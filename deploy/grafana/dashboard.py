"""Builds deploy/grafana/dashboards/kpimon.json, the Grafana dashboard shipped with kpimon.

    python deploy/grafana/dashboard.py > deploy/grafana/dashboards/kpimon.json

The JSON is committed (file provisioning and "Import dashboard" read it as it is); a test checks
that it is what this script writes. Every query aggregates with `max by (...)`, so the panels
show one line per indicator, source or key however many kpimon instances Prometheus scrapes,
and takes names from `kpimon_indicator_info` / `kpimon_goal_info`. Metric values are in base
units (ratio 0-1, seconds, counts), which the panels' units format.
"""

from __future__ import annotations

import json
import sys
from typing import Any

UID = "kpimon-overview"
DS = {"type": "prometheus", "uid": "${datasource}"}

# Status codes of the status timelines: a state set turned into one number per series.
STATUS_CODE = ('3 * max by ({by}) (kpimon_{what}_status{{status="achieved"{sel}}})'
               ' + 2 * max by ({by}) (kpimon_{what}_status{{status="partial"{sel}}})'
               ' + 1 * max by ({by}) (kpimon_{what}_status{{status="not_achieved"{sel}}})')
STATUS_MAPPINGS = [{"type": "value", "options": {
    "3": {"text": "Uppnått", "color": "green", "index": 0},
    "2": {"text": "Delvis uppnått", "color": "yellow", "index": 1},
    "1": {"text": "Ej uppnått", "color": "red", "index": 2},
    "0": {"text": "Inget värde", "color": "text", "index": 3}}}]
STATUS_TEXT = [{"type": "value", "options": {
    "achieved": {"text": "Uppnått", "color": "green", "index": 0},
    "partial": {"text": "Delvis uppnått", "color": "yellow", "index": 1},
    "not_achieved": {"text": "Ej uppnått", "color": "red", "index": 2},
    "no_value": {"text": "Inget värde", "color": "text", "index": 3}}}]


def named(expr: str, info: str = "") -> str:
    """`expr` (one series per indicator) with the indicator's name as a label."""
    return (f"{expr} * on (indicator) group_left (name) "
            f"max by (indicator, name) (kpimon_indicator_info{info})")


class Board:
    """Panels laid out row by row on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append({"id": self._id(), "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self) -> None:
        if self.x:
            self.y += self.row_h
            self.x = 0
            self.row_h = 0

    def panel(self, kind: str, title: str, targets: list[dict[str, Any]], *, w: int = 12,
              h: int = 8, unit: str | None = None, description: str = "",
              **extra: Any) -> dict[str, Any]:
        if self.x + w > 24:
            self._newline()
        defaults: dict[str, Any] = {}
        if unit:
            defaults["unit"] = unit
        defaults.update(extra.pop("defaults", {}))
        panel = {"id": self._id(), "type": kind, "title": title, "description": description,
                 "datasource": DS, "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
                 "targets": [{"refId": chr(65 + i), "datasource": DS, **t}
                             for i, t in enumerate(targets)],
                 "fieldConfig": {"defaults": defaults,
                                 "overrides": extra.pop("overrides", [])},
                 "options": extra.pop("options", {}), **extra}
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)
        return panel


def series(expr: str, legend: str) -> dict[str, Any]:
    return {"expr": expr, "legendFormat": legend, "range": True, "instant": False}


def table(expr: str) -> dict[str, Any]:
    return {"expr": expr, "format": "table", "range": False, "instant": True}


def indicator_variable(name: str, label: str, unit_selector: str) -> dict[str, Any]:
    """A multi-value variable of indicator ids (shown by name) whose metric values are in one
    base unit, for the repeated panels."""
    query = f"query_result(max by (indicator, name) (kpimon_indicator_info{{{unit_selector}}}))"
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": f"{name}-query"}, "definition": query,
            "regex": '/indicator="(?<value>[^"]+)".*name="(?<text>[^"]*)"/',
            "includeAll": True, "multi": True, "refresh": 2, "sort": 1, "hide": 0,
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": []}


def indicator_panels(board: Board, variable: str, unit: str) -> None:
    """One panel per indicator of the variable: month and year against target and baseline."""
    sel = f'indicator=~"${variable}"'
    board.panel("timeseries", f"${{{variable}:text}}", [
        series(f'max by (indicator) (kpimon_indicator_value{{{sel}, period="month"}})',
               "Innevarande månad"),
        series(f'max by (indicator) (kpimon_indicator_value{{{sel}, period="year"}})',
               "Innevarande år"),
        series(f"max by (indicator) (kpimon_indicator_target{{{sel}}})", "Mål"),
        series(f"max by (indicator, period) (kpimon_indicator_baseline{{{sel}}})",
               "Jämförelsevärde ({{period}})"),
    ], w=8, unit=unit, repeat=variable, repeatDirection="h", maxPerRow=3,
        description="Värdet för innevarande månad och år mot målet. Vid målet höjning/sänkning "
                    "visas det värde som jämförs med (föregående period eller ett fast värde).",
        overrides=[{"matcher": {"id": "byName", "options": "Mål"}, "properties": [
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}])


def build() -> dict[str, Any]:
    b = Board()
    period = 'period="$period"'

    b.row("Nämndens mål")
    b.panel("table", "Målens status ($period)", [table(
        f'max by (goal, name) (kpimon_goal_info) * on (goal) group_left (status) '
        f'(max by (goal, status) (kpimon_goal_status{{{period}}}) == 1)')],
        w=8, description="Ett mål är uppnått när alla dess indikatorer är uppnådda, delvis "
                         "uppnått när mer än hälften är uppnådda eller delvis uppnådda.",
        overrides=[{"matcher": {"id": "byName", "options": "status"}, "properties": [
            {"id": "mappings", "value": STATUS_TEXT},
            {"id": "custom.cellOptions", "value": {"type": "color-background"}},
            {"id": "displayName", "value": "Status"}]},
            {"matcher": {"id": "byName", "options": "name"}, "properties": [
                {"id": "displayName", "value": "Mål"}]}],
        transformations=[{"id": "organize", "options": {
            "excludeByName": {"Time": True, "Value": True, "goal": True}}}])
    b.panel("state-timeline", "Målens status över tid ($period)", [series(
        f"({STATUS_CODE.format(by='goal', what='goal', sel=', ' + period)}) "
        "* on (goal) group_left (name) max by (goal, name) (kpimon_goal_info)", "{{name}}")],
        w=16, defaults={"mappings": STATUS_MAPPINGS, "color": {"mode": "thresholds"},
                        "thresholds": {"mode": "absolute", "steps": [
                            {"color": "text", "value": None}]}},
        options={"showValue": "never", "mergeValues": True})
    b.panel("state-timeline", "Indikatorernas status över tid ($period)", [series(
        named(f"({STATUS_CODE.format(by='indicator', what='indicator', sel=', ' + period)})"),
        "{{name}}")], w=24, h=10,
        defaults={"mappings": STATUS_MAPPINGS, "color": {"mode": "thresholds"},
                  "thresholds": {"mode": "absolute", "steps": [{"color": "text",
                                                                 "value": None}]}},
        options={"showValue": "never", "mergeValues": True},
        description="Indikatorer utan mål visas inte.")

    b.row("Andelar mot mål")
    indicator_panels(b, "ratio_indicator", "percentunit")
    b.row("Tider mot mål")
    indicator_panels(b, "time_indicator", "s")
    b.row("Antal mot mål")
    indicator_panels(b, "count_indicator", "short")
    b.row("Övriga indikatorer (inmatade värden)")
    indicator_panels(b, "other_indicator", "none")

    b.row("Per kommun")
    b.panel("timeseries", "Andelar per kommun ($period)", [series(named(
        f'max by (indicator, key) (kpimon_indicator_breakdown_value{{dimension="org", '
        f'{period}}})', '{unit="ratio"}'), "{{name}}: {{key}}")], w=12, unit="percentunit")
    b.panel("bargauge", "Andelar per kommun just nu ($period)", [
        {**table(named(f'max by (indicator, key) (kpimon_indicator_breakdown_value'
                       f'{{dimension="org", {period}}})', '{unit="ratio"}')),
         "format": "time_series", "legendFormat": "{{name}}: {{key}}"}],
        w=12, unit="percentunit", defaults={"min": 0, "max": 1},
        options={"orientation": "horizontal", "displayMode": "basic"})

    b.row("Öppna ärenden, ålder och risk")
    b.panel("timeseries", "Öppna ärenden per prioritet", [series(
        "sum by (priority) (max by (kind, priority, org) (kpimon_open_tickets))",
        "{{priority}}")], w=8, unit="short")
    b.panel("timeseries", "Öppna ärenden per kommun", [series(
        "sum by (org) (max by (kind, priority, org) (kpimon_open_tickets))", "{{org}}")],
        w=8, unit="short")
    b.panel("timeseries", "Ärenden i riskzonen", [series(
        named("max by (indicator) (kpimon_tickets_at_risk)"), "{{name}}")], w=8, unit="short",
        description="Öppna ärenden som passerat 75 % av indikatorns tidsgräns utan att ha "
                    "passerat den.")
    b.panel("timeseries", "Äldsta öppna ärende", [series(named(
        'max by (indicator) (kpimon_indicator_value{period="month"})',
        '{kind="oldest_open_age"}'), "{{name}}")], w=12, unit="s")
    b.panel("timeseries", "Öppna ärenden äldre än gränsen", [series(named(
        'max by (indicator) (kpimon_indicator_value{period="month"})',
        '{kind="open_older_than"}'), "{{name}}")], w=12, unit="short")

    b.row("Telefoni: servicenivå per kö")
    b.panel("timeseries", "Servicenivå per kö ($period)", [series(named(
        f'max by (indicator, key) (kpimon_indicator_breakdown_value{{dimension="queue", '
        f'{period}}})', '{unit="ratio"}'), "{{name}}: {{key}}")], w=12, unit="percentunit")
    b.panel("timeseries", "Samtalsindikatorer ($period)", [series(named(
        f"max by (indicator) (kpimon_indicator_value{{{period}}})",
        '{kind=~"call_.*", unit="ratio"}'), "{{name}}")], w=12, unit="percentunit")

    b.row("Datorer i inventeringarna")
    b.panel("timeseries", "Datorer per källa", [series(
        "max by (source) (kpimon_devices)", "{{source}}")], w=12, unit="short")
    b.panel("timeseries", "Skillnad mellan inventeringarna", [series(named(
        'max by (indicator) (kpimon_indicator_value{period="month"})',
        '{kind="asset_reconciliation"}'), "{{name}}")], w=12, unit="short",
        description="Datorer som bara finns i den ena inventeringen.")

    b.row("Källornas hälsa")
    b.panel("stat", "Källor", [series("max by (source) (kpimon_source_up)", "{{source}}")],
            w=8, h=6, defaults={"mappings": [{"type": "value", "options": {
                "1": {"text": "Fungerar", "color": "green", "index": 0},
                "0": {"text": "Misslyckas", "color": "red", "index": 1}}}],
                "color": {"mode": "thresholds"}, "thresholds": {"mode": "absolute", "steps": [
                    {"color": "red", "value": None}, {"color": "green", "value": 1}]}},
            options={"colorMode": "background", "graphMode": "none", "textMode": "value_and_name",
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
            description="En källa som aldrig har hämtats visas inte här förrän efter sin "
                        "första hämtning.")
    b.panel("timeseries", "Tid sedan senaste lyckade hämtning", [series(
        "time() - max by (source) (kpimon_source_last_success_timestamp_seconds)",
        "{{source}}")], w=8, h=6, unit="s")
    b.panel("stat", "Konfigurationen", [series(
        "min by (instance) (kpimon_config_last_reload_successful)", "{{instance}}")],
            w=8, h=6, defaults={"mappings": [{"type": "value", "options": {
                "1": {"text": "Inläst", "color": "green", "index": 0},
                "0": {"text": "Senaste omläsningen misslyckades", "color": "red",
                      "index": 1}}}], "color": {"mode": "thresholds"},
                "thresholds": {"mode": "absolute", "steps": [
                    {"color": "red", "value": None}, {"color": "green", "value": 1}]}},
            options={"colorMode": "background", "graphMode": "none", "textMode": "value",
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}})
    b.panel("timeseries", "Avvisade rader per timme", [series(
        "max by (source) (increase(kpimon_source_rejected_records_total[1h]))", "{{source}}")],
        w=8, unit="short")
    b.panel("timeseries", "Hämtade poster per timme", [series(
        "max by (source) (increase(kpimon_source_records_total[1h]))", "{{source}}")],
        w=8, unit="short")
    b.panel("timeseries", "Hämtningens längd", [series(
        "max by (source) (kpimon_source_collect_duration_seconds)", "{{source}}")],
        w=8, unit="s")

    b.row("Larm")
    b.panel("table", "Larm från Prometheus-reglerna (väntande och aktiva)", [table(
        'max by (alertname, alertstate, severity, source, indicator, period) '
        '(ALERTS{alertname=~"Kpimon.*"})')], w=16, h=6,
        description="Larmen i deploy/prometheus/kpimon-alerts.yml, som Prometheus utvärderar.",
        transformations=[{"id": "organize", "options": {
            "excludeByName": {"Time": True, "Value": True}}}])
    b.panel("timeseries", "kpimons egna larm per regel", [series(
        "max by (rule) (kpimon_alerts_firing)", "{{rule}}")], w=8, h=6, unit="short",
        description="Aktiva larm från [[alerts.rules]] i kpimons konfiguration (även tystade).")

    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": "kpimon: servicedeskens nyckeltal, mål, källor och larm",
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "liveNow": False,
        "panels": b.panels,
        "refresh": "5m",
        "schemaVersion": 38,
        "tags": ["kpimon"],
        "templating": {"list": [
            {"name": "datasource", "label": "Datakälla", "type": "datasource",
             "query": "prometheus", "regex": "", "hide": 0, "refresh": 1, "options": [],
             "current": {}},
            {"name": "period", "label": "Period", "type": "custom",
             "query": "Månad : month, År : year", "hide": 0, "multi": False,
             "includeAll": False,
             "current": {"selected": True, "text": "Månad", "value": "month"},
             "options": [{"selected": True, "text": "Månad", "value": "month"},
                         {"selected": False, "text": "År", "value": "year"}]},
            indicator_variable("ratio_indicator", "Andelar", 'unit="ratio"'),
            indicator_variable("time_indicator", "Tider", 'unit="seconds"'),
            indicator_variable("count_indicator", "Antal", 'unit="count"'),
            indicator_variable("other_indicator", "Övriga",
                               'unit!~"ratio|seconds|count"'),
        ]},
        "time": {"from": "now-90d", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": "kpimon – servicedeskens nyckeltal",
        "uid": UID,
        "version": 1,
        "weekStart": "monday",
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
