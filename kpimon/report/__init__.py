"""The board report (`kpimon report`): the annual report's goal table and the internal-control
report, as HTML, Markdown (for Git hosts) or PDF (WeasyPrint, A4).

The goal table follows the seed's annual report: per board goal (nämndmål) each indicator
with its outcome, last year's outcome, target (in the value's unit; a rise/fall with its
baseline) and status symbol, the goal's status, and the assessment rule stated. An adopted
period is marked fastställd, with any figure that has drifted since shown beside it. HTML and
PDF add a chart of each indicator's months. The internal-control part follows the seed's
internkontrollrapport: the risk matrix, the follow-up per area (Administration, Ekonomi,
Personal, Verksamhetsspecifik), conclusions and actions. `--org` counts only that
organisation's tickets in the ticket indicators.

Everything is read through the engine and the store's APIs; no SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from kpimon.config import AREAS, Config
from kpimon.i18n import SYMBOLS, Formatter, formatter_for
from kpimon.kpi.controls import ControlEvaluator, ControlOutcome, OccasionOutcome
from kpimon.kpi.engine import Evaluation, KpiEngine
from kpimon.kpi.periods import Period
from kpimon.kpi.scope import for_org
from kpimon.kpi.trend import monthly, months_of
from kpimon.present import render as render_template
from kpimon.present.svg import chart
from kpimon.present.view import GoalBlock, Status, goal_blocks
from kpimon.store.controls import exclusions

FORMATS = ("html", "md", "pdf")
ITEMS_SHOWN = 30  # items listed per indicator reading; the rest are counted


@dataclass
class ChartView:
    id: str
    name: str
    svg: Markup


@dataclass
class OccasionView:
    number: int
    date: str
    status: Status
    responsible: str
    comment: str
    recorded: str
    computed: str
    readings: list[tuple[str, list[str], str]] = field(default_factory=list)


@dataclass
class ControlView:
    number: int
    id: str
    area: str
    risk: str
    probability: int
    consequence: int
    risk_value: int
    probability_text: str
    consequence_text: str
    moment: str
    method: str
    responsible: str
    thresholds: str
    occasions: list[OccasionView]


@dataclass
class Report:
    title: str
    period_label: str
    computed: str
    adopted: bool
    org: str | None
    summary: str
    goals: list[GoalBlock]
    charts: list[ChartView]
    ic_title: str
    controls: list[ControlView]
    areas: list[tuple[str, list[ControlView]]]
    grid: list[list[list[int]]]  # [probability 4..1][consequence 1..4] → control numbers
    conclusions: list[str]
    actions: list[str]
    excluded: list[str]
    drift: bool


def _occasion_view(fmt: Formatter, ctl: ControlOutcome, o: OccasionOutcome) -> OccasionView:
    rec = o.record
    readings = []
    for r in o.readings:
        line = fmt.t("ic.indicator_line", name=r.ind.name, value=fmt.value(r.value, r.ind.unit))
        more = len(r.items) - ITEMS_SHOWN
        readings.append((line + " – " + fmt.control_status(r.status), r.items[:ITEMS_SHOWN],
                         fmt.t("ic.items_more", n=fmt.integer(more)) if more > 0 else ""))
    return OccasionView(
        number=o.number, date=fmt.short_date(o.date),
        status=Status(o.status, SYMBOLS[o.status], fmt.t("control." + o.status)),
        responsible=(rec.by if rec and rec.by else ctl.control.responsible),
        comment=rec.comment if rec and rec.comment else "",
        recorded=fmt.t("ic.recorded", when=fmt.datetime(datetime.fromtimestamp(
            rec.entered_at, UTC)), by=rec.author) if rec else "",
        computed=fmt.t("ic.from_indicators", status=fmt.t("control." + o.computed))
        if o.computed and rec is not None and o.computed != rec.status else "",
        readings=readings)


def _control_views(fmt: Formatter, outcomes: list[ControlOutcome]) -> list[ControlView]:
    views = []
    for c in outcomes:
        ctl = c.control
        views.append(ControlView(
            number=c.number, id=ctl.id, area=fmt.t("area." + ctl.area), risk=ctl.risk,
            probability=ctl.probability, consequence=ctl.consequence,
            risk_value=ctl.risk_value,
            probability_text=f"{ctl.probability}. {fmt.t(f'ic.p_short{ctl.probability}')}",
            consequence_text=f"{ctl.consequence}. {fmt.t(f'ic.c_short{ctl.consequence}')}",
            moment=ctl.moment, method=ctl.method, responsible=ctl.responsible,
            thresholds=fmt.t("ic.thresholds", minor=fmt.plain(ctl.minor or 0),
                             major=fmt.plain(ctl.major or 0)) if ctl.indicators else "",
            occasions=[_occasion_view(fmt, c, o) for o in c.occasions]))
    return views


def _conclusions(fmt: Formatter, outcomes: list[ControlOutcome]) -> tuple[list[str], list[str]]:
    """What the follow-up concludes, from the latest follow-up of each control: how many
    controls are at each status, which had none, and an action per deviation."""
    latest = [(c, c.latest) for c in outcomes]
    counts: dict[str, int] = {}
    for _c, o in latest:
        status = o.status if o is not None else "not_started"
        counts[status] = counts.get(status, 0) + 1
    conclusions = []
    if counts:
        conclusions.append(fmt.t("ic.conclusion_counts", counts=", ".join(
            fmt.t("ic.conclusion_count", n=fmt.integer(n), status=fmt.t("control." + s))
            for s, n in sorted(counts.items(), key=lambda x: ("none", "minor", "major",
                                                              "not_started").index(x[0])))))
    clean = [c.control.risk for c, o in latest if o is not None and o.status == "none"]
    if clean:
        conclusions.append(fmt.t("ic.conclusion_clean", names="; ".join(clean)))
    actions = []
    for c, o in latest:
        if o is not None and o.status in ("minor", "major"):
            rec = o.record
            text = fmt.t("ic.action", name=c.control.risk, status=fmt.t("control." + o.status),
                         date=fmt.short_date(o.date),
                         responsible=(rec.by if rec and rec.by else c.control.responsible)
                         or "–")
            if rec is not None and rec.comment:
                text += " " + rec.comment
            actions.append(text)
    return conclusions, actions


def _summary(fmt: Formatter, ev: Evaluation) -> str:
    members = {i for g in ev.goals for i in g.indicators}
    statuses = [o.status for o in ev.indicators if o.ind.id in members]
    return fmt.t("report.summary", achieved=statuses.count("achieved"),
                 partial=statuses.count("partial"),
                 not_achieved=statuses.count("not_achieved") + statuses.count("no_value"),
                 goals_achieved=sum(1 for g in ev.goals if g.status == "achieved"),
                 goals=len(ev.goals))


def build(app: Any, period: Period, at: datetime, org: str | None = None) -> Report:
    """The report's content for `period` as of `at` (adopted figures for a closed period;
    computed ones for one organisation)."""
    config: Config = app.config
    fmt = formatter_for(config)
    if org is not None:
        config = for_org(config, org)
        engine = KpiEngine(config, app.store, app.calendars)
        ev = engine.evaluate(period, at)
    else:
        engine = app.engine
        ev = app.evaluate(period, at)
    months = months_of(period)
    trends = monthly(engine, months, at) if len(months) > 1 else {}
    charts = []
    for o in ev.indicators:
        points = trends.get(o.ind.id)
        if points and any(p.value is not None for p in points):
            t = o.ind.target
            charts.append(ChartView(o.ind.id, o.ind.name, chart(
                points, o.ind.unit, fmt, fmt.t("report.chart_title", name=o.ind.name,
                                               points="").rstrip(": "),
                bound=t.number if t is not None and not t.relative else None,
                width=300, height=70, labels=True, ident=f"r-{o.ind.id}")))
    outcomes = ControlEvaluator(config, engine, app.store).evaluate(period, at)
    controls = _control_views(fmt, outcomes)
    grid = [[[c.number for c in controls if c.probability == p and c.consequence == k]
             for k in range(1, 5)] for p in range(4, 0, -1)]
    areas = [(fmt.t("area." + a), [c for c, o in zip(controls, outcomes, strict=True)
                                   if o.control.area == a]) for a in AREAS]
    conclusions, actions = _conclusions(fmt, outcomes)
    label = fmt.period_of(period)
    blocks = goal_blocks(fmt, ev)
    excluded = [fmt.t("report.excluded_row", ticket=e.ticket, reason=e.reason, author=e.author,
                      when=fmt.short_date(datetime.fromtimestamp(e.created_at, UTC)))
                for e in exclusions(app.store.engine)]
    return Report(
        title=fmt.t("report.title_org", period=label, org=org) if org else
        fmt.t("report.title", period=label),
        period_label=label, computed=fmt.datetime(at), adopted=ev.adopted, org=org,
        summary=_summary(fmt, ev), goals=blocks, charts=charts,
        ic_title=fmt.t("ic.title", period=label), controls=controls, areas=areas, grid=grid,
        conclusions=conclusions, actions=actions, excluded=excluded,
        drift=any(r.drift for b in blocks for r in b.rows))


def render(app: Any, period: Period, at: datetime, fmt_name: str,
           org: str | None = None) -> str | bytes:
    """The report as text (html, md) or PDF bytes."""
    if fmt_name not in FORMATS:
        raise ValueError(f"{fmt_name!r} is not one of {', '.join(FORMATS)}")
    fmt = formatter_for(app.config)
    report = build(app, period, at, org)
    goal_status = {b.id: b.status for b in report.goals}
    if fmt_name == "md":
        return render_template("report.md", fmt, r=report, goal_status=goal_status)
    html = render_template("report.html", fmt, r=report, goal_status=goal_status,
                           print_only=fmt_name == "pdf")
    if fmt_name == "html":
        return html
    from weasyprint import HTML  # imported here: only the PDF needs it and its libraries

    return bytes(HTML(string=html).write_pdf())


__all__ = ["FORMATS", "Report", "build", "render"]
