"""What the templates show, computed once in Python: each indicator's row (value, target in
its unit, the rise/fall baseline and its period, the same period last year, n and what it
counts, status as symbol and word, stale mark, trend) and each goal's block.

The templates only lay these out; every number and word here went through the `Formatter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from markupsafe import Markup

from kpimon.config import IndicatorConfig
from kpimon.i18n import SYMBOLS, Formatter
from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.periods import Period
from kpimon.kpi.targets import EPSILON
from kpimon.kpi.trend import TrendPoint
from kpimon.present.svg import chart

N_TIPS = {"response_within": "n.created", "resolution_within": "n.created",
          "first_line_share": "n.resolved", "handling_time": "n.resolved",
          "call_service_level": "n.offered", "call_answer_rate": "n.offered",
          "call_abandon_rate": "n.offered", "call_average_wait": "n.answered"}


@dataclass
class Status:
    """A status for people: a CSS class, a symbol (decoration) and a word (the meaning)."""

    key: str
    symbol: str
    word: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.word}"


@dataclass
class IndicatorRow:
    id: str
    name: str
    href: str
    value: str
    target: str
    last_year: str
    last_year_label: str
    n: str
    n_tip: str
    status: Status
    stale: list[str] = field(default_factory=list)
    trend: Markup | None = None
    drift: str = ""  # an adopted figure that has changed since: what it is now


@dataclass
class GoalBlock:
    id: str
    name: str
    status: Status | None
    rows: list[IndicatorRow]


@dataclass
class PeriodView:
    key: str
    heading: str
    label: str
    period_label: str
    adopted: bool
    goals: list[GoalBlock]


def status_of(fmt: Formatter, status: str, goal: bool = False) -> Status:
    return Status(status, SYMBOLS.get(status, ""), fmt.status_word(status, goal))


def reference(o: IndicatorOutcome) -> float | None:
    """What the value is compared with: the bound of an absolute target, the baseline of a
    relative one."""
    t = o.ind.target
    if t is None:
        return None
    if t.relative:
        return t.number if t.number is not None else o.baseline
    return t.number


def value_text(fmt: Formatter, o: IndicatorOutcome) -> str:
    return fmt.value(o.figures.value, o.ind.unit, reference(o))


def target_text(fmt: Formatter, o: IndicatorOutcome, period: Period) -> str:
    """`≥ 90 %`, `≤ 20 h`, `höjning från 71,13`, or for a bare rise/fall the baseline and its
    period: `höjning från 84,2 % (november)`."""
    t = o.ind.target
    if t is None:
        return ""
    unit = o.ind.unit
    if t.relative and t.number is None:
        what = fmt.t("target." + t.op)
        when = fmt.baseline_period(period.previous())
        base = o.baseline if o.baseline is not None else (
            o.current.baseline if o.current is not None else None)
        if base is None:
            return fmt.t("baseline.none", what=what, when=when)
        value = o.figures.value
        d = fmt.decimals_for(base, unit, value)
        if value is not None:
            d = max(d, fmt.decimals_for(value, unit, base))
        return fmt.t("baseline.from", what=what, base=fmt.value(base, unit, decimals=d),
                     when=when)
    text = fmt.target(t.op, t.number, unit)
    partial = o.ind.partial
    if partial is not None and partial.number is not None:
        text += " (" + fmt.t("target.partial", bound=fmt.target(partial.op, partial.number,
                                                                  unit)) + ")"
    return text


def n_text(fmt: Formatter, o: IndicatorOutcome) -> tuple[str, str]:
    """n (the population counted) and what it counts; empty for counts and ages."""
    den = o.figures.denominator
    if den is None:
        return "", ""
    key = N_TIPS.get(o.ind.kind, "n.other")
    if o.ind.kind == "call_service_level" and o.ind.formula == "answered_only":
        key = "n.answered"
    return fmt.integer(den), fmt.t(key)


def explain_href(ind: IndicatorConfig, period: Period) -> str:
    return f"/indicators/{quote(ind.id)}?{urlencode({'period': period.label})}"


def drift_text(fmt: Formatter, o: IndicatorOutcome) -> str:
    """For an adopted figure: the value computed now when it differs from the adopted one."""
    cur = o.current
    if cur is None:
        return ""
    a, b = o.figures.value, cur.figures.value
    if a is None and b is None:
        return ""
    if a is not None and b is not None and abs(a - b) <= EPSILON:
        return ""
    d = fmt.decimals_for(b, o.ind.unit, a) if b is not None else None
    return fmt.t("report.drift", value=fmt.value(b, o.ind.unit, decimals=d))


def indicator_row(fmt: Formatter, o: IndicatorOutcome, period: Period,
                  stale: Sequence[str] = (), trend: Sequence[TrendPoint] | None = None
                  ) -> IndicatorRow:
    n, tip = n_text(fmt, o)
    last_year_period = period.year_earlier()
    t = o.ind.target
    bound = t.number if t is not None and not t.relative else None
    return IndicatorRow(
        id=o.ind.id, name=o.ind.name, href=explain_href(o.ind, period),
        value=value_text(fmt, o), target=target_text(fmt, o, period),
        last_year=fmt.value(o.previous, o.ind.unit),
        last_year_label=fmt.period_of(last_year_period), n=n, n_tip=tip,
        status=status_of(fmt, o.status), stale=list(stale),
        trend=chart(trend, o.ind.unit, fmt, fmt.t("page.trend_title", name=o.ind.name,
                                                      points="").rstrip(": "),
                    bound=bound, ident=f"{period.kind}-{o.ind.id}") if trend else None,
        drift=drift_text(fmt, o))


def goal_blocks(fmt: Formatter, ev: Evaluation,
                stale: Mapping[str, Sequence[str]] | None = None,
                trends: Mapping[str, Sequence[TrendPoint]] | None = None) -> list[GoalBlock]:
    """The goals in their configured order, each with its indicators; indicators in no goal
    last, as "other indicators"."""
    stale = stale or {}
    rows = {o.ind.id: indicator_row(fmt, o, ev.period, stale.get(o.ind.id, ()),
                                    (trends or {}).get(o.ind.id))
            for o in ev.indicators}
    blocks = [GoalBlock(g.id, g.name, status_of(fmt, g.status, goal=True),
                        [rows[i] for i in g.indicators if i in rows]) for g in ev.goals]
    grouped = {i for g in ev.goals for i in g.indicators}
    loose = [rows[o.ind.id] for o in ev.indicators if o.ind.id not in grouped]
    if loose:
        blocks.append(GoalBlock("", fmt.t("page.other"), None, loose))
    return blocks


def period_view(fmt: Formatter, key: str, ev: Evaluation,
                stale: Mapping[str, Sequence[str]] | None = None,
                trends: Mapping[str, Sequence[TrendPoint]] | None = None) -> PeriodView:
    heading = fmt.t("period." + key) if key in ("month", "year") else ""
    return PeriodView(key, heading, ev.period.label, fmt.period_of(ev.period), ev.adopted,
                      goal_blocks(fmt, ev, stale, trends))
