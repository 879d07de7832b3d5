"""The status page for staff without Grafana: goals, indicators and sources at a glance.

Rendered from the snapshot only; plain HTML and CSS, no script, refreshes itself every minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from html import escape
from urllib.parse import quote

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
    adopted = " <small>(adopted: the figures the board adopted)</small>" if ev.adopted else ""
    return (f'<h2 id="{name}">{escape(name.capitalize())}: {escape(ev.period.label)}{adopted}'
            "</h2>"
            f"<table><tr><th>Goal</th><th>Status</th></tr>{goals}</table><br>"
            "<table><tr><th>Indicator</th><th>Value</th><th>n</th><th>Target</th>"
            f"<th>Status</th></tr>{''.join(rows)}</table>")


def status_page(snap: Snapshot) -> str:
    """The whole page."""
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
        failed = snap.file_failures.get(name, [])
        if failed and not err:  # a file that failed earlier and is still to be mended
            err = escape(failed[0].error) + (f" (and {len(failed) - 1} more files)"
                                             if len(failed) > 1 else "")
        n, what = snap.stored.get(name, (0, ""))
        stored = f"{n:,} {what}" if what else ""
        rejected = (f'<a href="rejects?source={quote(name)}">{r.rejects_total}</a>'
                    if r.rejects_total else "0")
        rows.append(f"<tr><td>{escape(name)}</td><td>{state}</td><td>{last}</td>"
                    f'<td class="num">{r.records_total}</td><td class="num">{stored}</td>'
                    f'<td class="num">{rejected}</td><td><small>{err}</small></td></tr>')
    parts.append("<h2 id='sources'>Sources</h2><table><tr><th>Source</th><th>State</th>"
                 "<th>Last success</th>"
                 "<th title='rows read from the source by every collection so far (a ticket "
                 "exported twice counts twice)'>Records taken</th>"
                 "<th title='what the source has in the store now'>Stored now</th>"
                 "<th title='rows that could not be taken; the link lists the latest'>Rejected"
                 "</th><th>Error</th></tr>" + "".join(rows) + "</table>")
    parts.append("<p><small><a href='/metrics'>metrics</a> · <a href='/api/kpis'>JSON</a>"
                 "</small></p></body></html>")
    return "".join(parts)


def _local(dt: datetime, tz: tzinfo | None) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _local_ts(ts: int, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")
