"""The board report (DESIGN §8 "Report"): the goal tables for a period and the
internal-control follow-up, as HTML or Markdown.

Per goal: indicator, outcome, last year's outcome, target and a status symbol; then the goal's
status. The follow-up lists what internal control asks about: the open tickets older than the
threshold, the resolved tickets without a solution text, the status-flow exceptions, the
computers found in only one inventory, and every excluded ticket with its reason.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.targets import SYMBOLS, WORDS
from kpimon.periods import Period

FOLLOW_UP = ("open_older_than", "missing_solution", "status_flow", "asset_reconciliation")


def fmt(value: float | None, unit: str) -> str:
    """A value for people: percent for ratios, whole numbers for counts."""
    if value is None:
        return "–"
    if unit == "ratio":
        return f"{value * 100:.1f} %".replace(".", ",")
    if unit == "count":
        return f"{value:g}"
    text = f"{value:.1f}".replace(".", ",")
    return f"{text} {dict(hours='h', minutes='min', days='d', seconds='s').get(unit, unit)}"


def _rows(ev: Evaluation) -> list[tuple[str, list[IndicatorOutcome], str]]:
    by_id = {o.ind.id: o for o in ev.indicators}
    out = []
    for g in ev.goals:
        out.append((g.name, [by_id[i] for i in g.indicators if i in by_id], g.status))
    grouped = {i for g in ev.goals for i in g.indicators}
    loose = [o for o in ev.indicators if o.ind.id not in grouped]
    if loose:
        out.append(("Övriga indikatorer", loose, ""))
    return out


def _follow_up(app: Any, period: Period, at: datetime, ev: Evaluation) -> list[
        tuple[str, list[str]]]:
    sections = []
    for o in ev.indicators:
        if o.ind.kind not in FOLLOW_UP:
            continue
        rows = app.engine.explain(o.ind, period, at)
        items = [f"{r['ticket']} ({r.get('org') or '–'})" for r in rows
                 if r.get("verdict") == "counted"]
        items += [f"{r['device']}: {r['verdict']}" for r in rows if "device" in r]
        sections.append((f"{o.ind.name}: {fmt(o.figures.value, o.ind.unit)}", items))
    return sections


def _exclusions(app: Any) -> list[str]:
    from sqlalchemy import select

    from kpimon.store import tables as t

    with app.store.engine.connect() as conn:
        return [f"{r.ticket_id}: {r.reason} ({r.author}, "
                f"{datetime.fromtimestamp(r.created_at, app.config.tz):%Y-%m-%d})"
                for r in conn.execute(select(t.exclusions).order_by(t.exclusions.c.ticket_id))]


def render(app: Any, period: Period, at: datetime, fmt_name: str) -> str:
    """The report for `period` as of `at` (adopted figures for a closed period)."""
    ev = app.evaluate(period, at)
    follow = _follow_up(app, period, at, ev)
    excluded = _exclusions(app)
    if fmt_name == "md":
        return _markdown(ev, follow, excluded)
    return _html(ev, follow, excluded)


def _title(ev: Evaluation) -> str:
    adopted = " (fastställd)" if ev.adopted else ""
    return f"Uppföljning {ev.period.label}{adopted}"


def _markdown(ev: Evaluation, follow: list[tuple[str, list[str]]], excluded: list[str]) -> str:
    lines = [f"# {_title(ev)}", "",
             f"Beräknad {ev.at.astimezone(ev.period.tz):%Y-%m-%d %H:%M}.", ""]
    for name, outcomes, status in _rows(ev):
        lines += [f"## {name}", "", "| Indikator | Utfall | Föregående år | Mål | Status |",
                  "|---|---|---|---|---|"]
        for o in outcomes:
            lines.append(f"| {o.ind.name} | {fmt(o.figures.value, o.ind.unit)} | "
                         f"{fmt(o.previous, o.ind.unit)} | "
                         f"{o.ind.target.text if o.ind.target else ''} | "
                         f"{SYMBOLS[o.status]} {WORDS[o.status]} |")
        if status:
            lines += ["", f"**Måluppfyllelse:** {SYMBOLS[status]} {WORDS[status]}"]
        lines.append("")
    lines += ["## Intern kontroll: uppföljning", ""]
    for head, items in follow:
        lines.append(f"### {head}")
        lines += [f"- {i}" for i in items] or ["- inga"]
        lines.append("")
    lines += ["### Undantagna ärenden", ""]
    lines += [f"- {e}" for e in excluded] or ["- inga"]
    return "\n".join(lines) + "\n"


def _html(ev: Evaluation, follow: list[tuple[str, list[str]]], excluded: list[str]) -> str:
    parts = ["<!doctype html><html lang='sv'><head><meta charset='utf-8'>",
             f"<title>{escape(_title(ev))}</title><style>body{{font-family:sans-serif;"
             "max-width:60rem;margin:2rem}table{border-collapse:collapse;width:100%}"
             "th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}</style></head>"
             f"<body><h1>{escape(_title(ev))}</h1>"
             f"<p>Beräknad {ev.at.astimezone(ev.period.tz):%Y-%m-%d %H:%M}.</p>"]
    for name, outcomes, status in _rows(ev):
        parts.append(f"<h2>{escape(name)}</h2><table><tr><th>Indikator</th><th>Utfall</th>"
                     "<th>Föregående år</th><th>Mål</th><th>Status</th></tr>")
        for o in outcomes:
            parts.append(
                f"<tr><td>{escape(o.ind.name)}</td><td>{fmt(o.figures.value, o.ind.unit)}</td>"
                f"<td>{fmt(o.previous, o.ind.unit)}</td>"
                f"<td>{escape(o.ind.target.text) if o.ind.target else ''}</td>"
                f"<td>{SYMBOLS[o.status]} {WORDS[o.status]}</td></tr>")
        parts.append("</table>")
        if status:
            parts.append(f"<p><b>Måluppfyllelse:</b> {SYMBOLS[status]} {WORDS[status]}</p>")
    parts.append("<h2>Intern kontroll: uppföljning</h2>")
    for head, items in follow:
        parts.append(f"<h3>{escape(head)}</h3><ul>"
                     + ("".join(f"<li>{escape(i)}</li>" for i in items) or "<li>inga</li>")
                     + "</ul>")
    parts.append("<h3>Undantagna ärenden</h3><ul>"
                 + ("".join(f"<li>{escape(e)}</li>" for e in excluded) or "<li>inga</li>")
                 + "</ul></body></html>")
    return "".join(parts)
