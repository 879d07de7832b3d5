"""The KPI engine: every configured indicator for a period as of a moment, with targets,
statuses, last year's value and the board's goals (docs/indicators.md).

All queries of one evaluation run on one connection, so they see one state of the store.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kpimon.config import Config, IndicatorConfig
from kpimon.kpi import goals as goal_rules
from kpimon.kpi import settled, targets
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.indicators import assets, calls, manual, tickets
from kpimon.kpi.indicators.base import EvalContext, Figures, Measured, breakdown_keys
from kpimon.kpi.sources import awaits_collection
from kpimon.periods import Period
from kpimon.store import Store
from kpimon.timeutil import epoch

Measure = Callable[[EvalContext, IndicatorConfig], Measured]
Explain = Callable[[EvalContext, IndicatorConfig], list[dict[str, Any]]]

MEASURES: dict[str, Measure] = {
    "response_within": tickets.measure_clock,
    "resolution_within": tickets.measure_clock,
    "first_line_share": tickets.measure_first_line,
    "handling_time": tickets.measure_handling,
    "open_older_than": tickets.measure_open,
    "oldest_open_age": tickets.measure_open,
    "missing_solution": tickets.measure_missing_solution,
    "status_flow": tickets.measure_status_flow,
    "call_service_level": calls.measure,
    "call_answer_rate": calls.measure,
    "call_abandon_rate": calls.measure,
    "call_average_wait": calls.measure,
    "manual": manual.measure,
    "asset_reconciliation": assets.measure,
}
EXPLAINS: dict[str, Explain] = {
    "response_within": tickets.explain_clock,
    "resolution_within": tickets.explain_clock,
    "first_line_share": tickets.explain_resolved,
    "handling_time": tickets.explain_resolved,
    "missing_solution": tickets.explain_resolved,
    "status_flow": tickets.explain_resolved,
    "open_older_than": tickets.explain_open,
    "oldest_open_age": tickets.explain_open,
    "asset_reconciliation": assets.explain,
    "manual": manual.explain,
    "call_service_level": calls.explain,
    "call_answer_rate": calls.explain,
    "call_abandon_rate": calls.explain,
    "call_average_wait": calls.explain,
}


# Kinds measured together, one pass over their shared population per evaluation.
GROUPS: tuple[tuple[tuple[str, ...], Callable[[EvalContext, list[IndicatorConfig]],
                                               dict[str, Measured]]], ...] = (
    (("response_within", "resolution_within"), tickets.measure_created),
    (("first_line_share", "handling_time", "missing_solution", "status_flow"),
     tickets.measure_resolved),
    (("open_older_than", "oldest_open_age"), tickets.measure_open_group),
)


# The groups whose figures are sums per bucket over the tickets created or resolved in the
# period: a year or quarter adds them up from its months (kpi/settled.py).
SUMS: dict[Callable[..., Any], tuple[settled.SumsFn, settled.FiguresFn]] = {
    tickets.measure_created: (tickets.created_sums, tickets.created_figures),
    tickets.measure_resolved: (tickets.resolved_sums, tickets.resolved_figures),
}


class SharedOpen:
    """The open tickets' group, measured once per moment: the running month and year both
    end at `at`, so their open-ticket figures are the same query (evaluated in parallel, the
    second waits for the first)."""

    KEEP = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[Any, ...], threading.Lock] = {}
        self._done: dict[tuple[Any, ...], dict[str, Measured]] = {}

    def measure(self, ctx: EvalContext, group: list[IndicatorConfig],
                version: tuple[Any, ...]) -> dict[str, Measured]:
        key = (ctx.end, ctx.at, tuple(i.id for i in group), version)
        with self._lock:
            lock = self._keys.setdefault(key, threading.Lock())
        with lock:
            if key not in self._done:
                self._done[key] = tickets.measure_open_group(ctx, group)
                with self._lock:
                    for old in list(self._done)[:-self.KEEP]:
                        self._done.pop(old, None)
                        self._keys.pop(old, None)
            # Copies: the caller's outcomes get extras added to them.
            return {k: copy.deepcopy(m) for k, m in self._done[key].items()}


def measure_all(ctx: EvalContext, inds: list[IndicatorConfig],
                months: tuple[settled.SettledSums, tuple[Any, ...]] | None = None,
                shared: SharedOpen | None = None) -> dict[str, Measured]:
    """Every indicator given, for one period: grouped where a population is shared. With
    `months` (the stored month sums and the data version), a year's or quarter's sum-based
    groups come from its settled months plus the rest; with `shared`, the open tickets'
    group is measured once per moment."""
    out: dict[str, Measured] = {}
    for kinds, group_measure in GROUPS:
        group = [i for i in inds if i.kind in kinds and MEASURES[i.kind] is not None]
        if not group:
            continue
        if months is not None and group_measure in SUMS \
                and ctx.period.kind in settled.SPLIT_PERIODS:
            sums_fn, figures_fn = SUMS[group_measure]
            out.update(months[0].measure(ctx, group, sums_fn, figures_fn, months[1]))
        elif shared is not None and months is not None \
                and group_measure is tickets.measure_open_group:
            out.update(shared.measure(ctx, group, months[1]))
        else:
            out.update(group_measure(ctx, group))
    for ind in inds:
        if ind.id not in out:
            out[ind.id] = MEASURES[ind.kind](ctx, ind)
    return out


def register(kind: str, measure: Measure, explain: Explain | None = None) -> None:
    """Used by indicator families that live in optional modules (e.g. inventories)."""
    MEASURES[kind] = measure
    if explain is not None:
        EXPLAINS[kind] = explain


@dataclass
class KeyOutcome:
    figures: Figures
    status: str


@dataclass
class IndicatorOutcome:
    """One indicator's figures, status and context for a period."""

    ind: IndicatorConfig
    figures: Figures
    status: str
    previous: float | None = None
    baseline: float | None = None
    breakdown: dict[str, dict[str, KeyOutcome]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    current: IndicatorOutcome | None = None  # for an adopted period: the figures computed now


@dataclass
class GoalOutcome:
    id: str
    name: str
    status: str
    indicators: tuple[str, ...]


@dataclass
class Evaluation:
    """The result of evaluating one period as of `at`."""

    period: Period
    at: datetime
    indicators: list[IndicatorOutcome]
    goals: list[GoalOutcome]
    adopted: bool = False

    def indicator(self, ident: str) -> IndicatorOutcome:
        return next(o for o in self.indicators if o.ind.id == ident)


# A period whose end lies this far before the evaluation moment is settled: every clock of
# its tickets has stopped or run out (thresholds are hours or business days), so its figures
# change only when the data does.
SETTLED_AFTER = 60 * 86400


def forecast(o: IndicatorOutcome, period: Period, at: datetime) -> dict[str, Any] | None:
    """For a share with an absolute target in a period still running: the share of the rest
    of the period's expected population that must be met to end on target, and whether that
    is possible. The expected population assumes the pace so far continues."""
    target = o.ind.target
    fig = o.figures
    if o.ind.unit != "ratio" or target is None or target.relative or target.number is None \
            or fig.numerator is None or not fig.denominator:
        return None
    now, start, end = epoch(at), period.start_s, period.end_s
    if not start < now < end:
        return None
    expected = fig.denominator * (end - start) / (now - start)
    remaining = expected - fig.denominator
    if remaining < 1:
        return None
    needed = target.number * expected - fig.numerator
    if target.op in ("<=", "<"):  # a share that must stay low: the rest may be at most this
        share = needed / remaining
        return {"required_share": round(max(0.0, min(1.0, share)), 4),
                "reachable": share >= 0}
    share = needed / remaining
    return {"required_share": round(max(0.0, min(1.0, share)), 4), "reachable": share <= 1}


def _serial(conn: Any) -> None:
    """On PostgreSQL, this evaluation's queries run as index lookups: no parallel workers
    (each reads one period through indexes, and starting workers costs more than it saves;
    the month and the year already run side by side), no hash joins (the planner
    overestimates the open tickets at a past moment by 20x and would hash every resolution
    for the `NOT EXISTS` instead of looking up the few hundred open tickets) and no JIT
    compilation (30 ms a query on this kind of machine, more than such a query takes). One
    statement: every round trip counts in a cycle of a few dozen short queries."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('enable_hashjoin', 'off', true), set_config('jit', 'off', true)")


class KpiEngine:
    """Evaluates the configured indicators and goals against the store."""

    def __init__(self, config: Config, store: Store, calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.calendars = calendars
        # Figures of settled periods (see evaluate), with the data version they were read at.
        self._settled: dict[tuple[str, tuple[str, ...]], tuple[tuple[Any, ...],
                                                                dict[str, Measured]]] = {}
        self.months = settled.SettledSums(config, store, calendars)
        self.open = SharedOpen()

    def measure(self, ind: IndicatorConfig, period: Period, at: datetime) -> Measured:
        with self.store.engine.connect() as conn:
            ctx = EvalContext(conn, self.config, period, epoch(at), self.calendars)
            return MEASURES[ind.kind](ctx, ind)

    def evaluate(self, period: Period, at: datetime,
                 only: list[str] | None = None) -> Evaluation:
        """Every indicator (or those in `only`) and every goal for `period` as of `at`."""
        every = [i for i in self.config.indicators if only is None or i.id in only]
        with self.store.engine.connect() as conn:
            _serial(conn)
            version = self.store.data_version(conn)
            collected = self.store.collected_sources(conn)
            # Nothing is known before an indicator's sources first complete a collection:
            # those are not measured (a count would read 0, "achieved").
            waiting = {i.id for i in every if awaits_collection(i, self.config, collected)}
            inds = [i for i in every if i.id not in waiting]

            def measure(p: Period, group: list[IndicatorConfig]) -> dict[str, Measured]:
                return self._measure_cached(conn, version, p, group, at)

            current = measure(period, inds)
            last_year = measure(period.year_earlier(), inds)
            relative = [i for i in inds if i.target is not None and i.target.relative
                        and i.target.number is None]
            if not relative:
                baselines: dict[str, Measured] = {}
            elif period.previous() == period.year_earlier():  # a year: the same period
                baselines = last_year
            else:
                baselines = measure(period.previous(), relative)
        outcomes = [self._outcome(i, Measured(Figures(None, None, None)), None, None)
                    if i.id in waiting else
                    self._outcome(i, current[i.id], last_year[i.id].total.value,
                                  baselines.get(i.id)) for i in every]
        for o in outcomes:
            o.extra.setdefault("forecast", forecast(o, period, at))
        statuses = {o.ind.id: o.status for o in outcomes}
        goals = [GoalOutcome(g.id, g.name, goal_rules.goal_status(
            [statuses[i] for i in g.indicators if i in statuses]), g.indicators)
            for g in self.config.goals]
        return Evaluation(period, at, outcomes, goals)

    def _measure_cached(self, conn: Any, version: tuple[Any, ...], p: Period,
                        group: list[IndicatorConfig], at: datetime) -> dict[str, Measured]:
        # A period that ended long before `at` only changes with the data: its figures are
        # kept until new data, an exclusion or a manual value arrives.
        settled = epoch(at) - p.end_s > SETTLED_AFTER
        key = (p.label, tuple(i.id for i in group))
        if settled:
            hit = self._settled.get(key)
            if hit is not None and hit[0] == version:
                return hit[1]
        # The data version counts the exclusions: no query to tell whether there are any.
        ctx = EvalContext(conn, self.config, p, epoch(at), self.calendars,
                          exclusions=version[1] > 0)
        result = measure_all(ctx, group, (self.months, version), self.open)
        if settled:
            self._settled[key] = (version, result)
        return result

    def values(self, periods: list[Period], at: datetime, only: list[str] | None = None
               ) -> dict[str, dict[str, Measured]]:
        """The figures of each period (by label) as of `at`, without last year's values,
        baselines or goals: for trends. Settled periods come from the cache."""
        inds = [i for i in self.config.indicators if only is None or i.id in only]
        with self.store.engine.connect() as conn:
            version = self.store.data_version(conn)
            return {p.label: self._measure_cached(conn, version, p, inds, at) for p in periods}

    def _outcome(self, ind: IndicatorConfig, measured: Measured, previous: float | None,
                 base_measured: Measured | None) -> IndicatorOutcome:
        baseline = base_measured.total.value if base_measured else None
        outcome = IndicatorOutcome(
            ind=ind, figures=measured.total,
            status=targets.status(ind, measured.total.value, baseline),
            previous=previous, baseline=baseline, extra=measured.extra)
        for dim, keys in measured.breakdown.items():
            base_keys = base_measured.breakdown.get(dim, {}) if base_measured else {}
            outcome.breakdown[dim] = {
                key: KeyOutcome(fig, targets.status(
                    ind, fig.value, base_keys[key].value if key in base_keys else None))
                for key, fig in keys.items()}
        if ind.breakdown and ind.breakdown[0] not in outcome.breakdown:
            # A kind with nothing to break down (a manual value, a reconciliation) still lists
            # every configured key, with no value (docs/indicators.md "Numbers").
            outcome.breakdown[ind.breakdown[0]] = {
                key: KeyOutcome(Figures(None, None, None), targets.status(ind, None))
                for key in breakdown_keys(ind, self.config)}
        return outcome

    def explain(self, ind: IndicatorConfig, period: Period, at: datetime
                ) -> list[dict[str, Any]]:
        """The ids behind an indicator's figures, with their verdicts and elapsed times."""
        fn = EXPLAINS.get(ind.kind)
        with self.store.engine.connect() as conn:
            ctx = EvalContext(conn, self.config, period, epoch(at), self.calendars)
            if fn is None:
                measured = MEASURES[ind.kind](ctx, ind)
                return [{"extra": measured.extra}] if measured.extra else []
            return fn(ctx, ind)
