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
from kpimon.kpi.display import drift_text, n_text, target_text, value_text
from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.periods import Period
from kpimon.kpi.trend import TrendPoint
from kpimon.present.svg import chart


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


def explain_href(ind: IndicatorConfig, period: Period) -> str:
    return f"/indicators/{quote(ind.id)}?{urlencode({'period': period.label})}"


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
