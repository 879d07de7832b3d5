"""The status page for staff without Grafana: goals, indicators and sources at a glance.

Rendered from the snapshot only; plain HTML and CSS, no script, refreshes itself every minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from html import escape

from kpimon.alerts.view import AlertInfo
from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.output import format_value
from kpimon.kpi.targets import SYMBOLS, WORDS
from kpimon.web.snapshot import Snapshot

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;
text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.achieved{color:#1a7f37}.partial{color:#9a6700}.not_achieved{color:#cf222e}
.no_value,.no_target{color:#777}.down{color:#cf222e;font-weight:bold}.up{color:#1a7f37}
small{color:#666}
"""


def _value(o: IndicatorOutcome) -> str:
    return escape(format_value(o.figures.value, o.ind.unit, decimals=1))


def _status(status: str) -> str:
    return f'<span class="{status}">{SYMBOLS[status]} {WORDS[status]}</span>'


def _period_section(name: str, ev: Evaluation) -> str:
    rows = []
    goal_of = {i: g for g in ev.goals for i in g.indicators}
    for o in ev.indicators:
        f = o.figures
        n = "" if f.denominator is None else f"{f.denominator:g}"
        g = goal_of.get(o.ind.id)
        rows.append(
            f"<tr><td>{escape(o.ind.name)}<br><small>{escape(o.ind.id)}"
            f"{' · ' + escape(g.id) if g else ''}</small></td>"
            f'<td class="num">{_value(o)}</td><td class="num">{n}</td>'
            f"<td>{escape(o.ind.target.text) if o.ind.target else ''}</td>"
            f"<td>{_status(o.status)}</td></tr>")
    goals = "".join(f"<tr><td>{escape(g.name)}</td><td>{_status(g.status)}</td></tr>"
                    for g in ev.goals)
    return (f'<h2 id="{name}">{escape(name.capitalize())}: {escape(ev.period.label)}</h2>'
            f"<table><tr><th>Goal</th><th>Status</th></tr>{goals}</table><br>"
            "<table><tr><th>Indicator</th><th>Value</th><th>n</th><th>Target</th>"
            f"<th>Status</th></tr>{''.join(rows)}</table>")


def alerts_section(firing: list[AlertInfo], tz: tzinfo | None) -> str:
    """The firing alerts (AlertsView.firing()), muted ones marked; nothing when none fire."""
    if not firing:
        return ""
    rows = []
    for a in firing:
        muted = (f"silenced ({', '.join(f'#{i}' for i in a.silenced_by)})" if a.silenced_by
                 else f"muted by {', '.join(a.inhibited_by)}" if a.inhibited_by else "")
        since = _local_ts(a.since, tz) if a.since else ""
        rows.append(f'<tr><td class="down">{escape(a.title)}</td><td>{escape(a.rule)}</td>'
                    f"<td>{escape(a.severity or '')}</td><td>{since}</td>"
                    f"<td><small>{escape(muted)}</small></td></tr>")
    return ("<h2 id='alerts'>Firing alerts</h2><table><tr><th>Alert</th><th>Rule</th>"
            "<th>Severity</th><th>Since</th><th></th></tr>" + "".join(rows) + "</table>")


def status_page(snap: Snapshot, firing: list[AlertInfo] | None = None) -> str:
    """The whole page; `firing` lists the alerts that fire now."""
    parts = [f"<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
             "<meta http-equiv='refresh' content='60'><title>kpimon</title>"
             f"<style>{CSS}</style></head><body><h1>kpimon – servicedeskens nyckeltal</h1>"]
    # Times in the configured time zone (the periods' zone), not the server process's: the
    # desk reads them beside the periods, and a service often runs with TZ=UTC.
    tz = next((ev.period.tz for ev in snap.evaluations.values()), None)
    if not snap.ready or snap.computed_at is None:
        parts.append("<p>Starting: the first computation has not finished yet.</p>")
    else:
        when = snap.computed_at
        parts.append(f"<p><small>Computed {escape(_local(when, tz))}</small></p>")
        parts.append(alerts_section(firing or [], tz))
        for name in ("month", "year"):
            ev = snap.evaluations.get(name)
            if ev is not None:
                parts.append(_period_section(name, ev))
    rows = []
    for name, r in snap.sources.items():
        state = ('<span class="up">up</span>' if r.last_ok else
                 '<span class="down">failing</span>' if r.last_ok is False else "not yet run")
        last = _local_ts(r.last_success, tz) if r.last_success else "never"
        err = escape(r.last_error or "") if not r.last_ok else ""
        rows.append(f"<tr><td>{escape(name)}</td><td>{state}</td><td>{last}</td>"
                    f'<td class="num">{r.records_total}</td><td class="num">{r.rejects_total}'
                    f"</td><td><small>{err}</small></td></tr>")
    parts.append("<h2 id='sources'>Sources</h2><table><tr><th>Source</th><th>State</th>"
                 "<th>Last success</th><th>Records</th><th>Rejected</th><th>Error</th></tr>"
                 + "".join(rows) + "</table>")
    parts.append("<p><small><a href='/metrics'>metrics</a> · <a href='/api/kpis'>JSON</a>"
                 " · <a href='/api/alerts'>alerts</a>"
                 "</small></p></body></html>")
    return "".join(parts)


def _local(dt: datetime, tz: tzinfo | None) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _local_ts(ts: int, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")
