"""Ticket indicators (docs/indicators.md): response/resolution within, first line, handling time,
open older than, oldest open age, missing solution and status flow.

Every figure is one SQL aggregate over the tickets of the period joined with their facts; the
clock positions in `ticket_facts` (and `resolution_facts`) make each elapsed time a
subtraction. On the identity clock (24x7 without pause) a position is the instant itself:
nothing is joined, the tickets' and resolutions' own columns are the positions (`_Positions`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kpimon.config import IndicatorConfig
from kpimon.kpi.facts import (
    FACTS_KINDS,
    clock_position,
    clocks_for,
    is_identity_clock,
    pause_intervals,
)
from kpimon.kpi.indicators.base import (
    EvalContext,
    Figures,
    Measured,
    base_scope,
    group_figures,
    in_unit,
    indicator_filter,
    not_done_by,
    org_bucket,
    ratio,
    resolved_as_of,
    resolved_by,
    sum_count,
    sum_ratio,
    ticket_scope,
)
from kpimon.kpi.resolution import Change
from kpimon.store import tables as t

tk = t.tickets.c


class _Positions:
    """One clock's positions as SQL columns (created, first response, resolution).

    A stored clock's are the columns of its facts row `f`, which the caller joins (`f_on`):
    the resolution's is the row's own `resolved_c` when the resolution `r` is the ticket's
    last, else the earlier resolution's row in `resolution_facts`, read by a subquery only
    for those few (store/tables.py). On the identity clock (24x7 without pause) they are the
    instants themselves, `tickets.created`, `tickets.response_at` and the resolution's
    `resolved_at`, and nothing is joined (`f` is None).
    """

    def __init__(self, ctx: EvalContext, ind: IndicatorConfig, r: Any, name: str = ""):
        clock = _clock_of(ind)
        identity = ind.kind not in FACTS_KINDS or is_identity_clock(
            ctx.calendars[ind.calendar], ind.pause)
        self.r = r
        self.f: Any = None
        self.created_c: Any = tk.created
        self.response_c: Any = tk.response_at
        self.resolved_c: Any = r.c.resolved_at
        if not identity:
            self.f = f = t.ticket_facts.alias(f"f{name}")
            rf = t.resolution_facts.alias(f"rf{name}")
            self.created_c, self.response_c = f.c.created_c, f.c.response_c
            earlier = select(rf.c.resolved_c).where(
                rf.c.ticket_key == r.c.ticket_key, rf.c.resolved_at == r.c.resolved_at,
                rf.c.clock == clock).scalar_subquery()
            self.resolved_c = case((r.c.resolved_at == f.c.resolved_at, f.c.resolved_c),
                                   (r.c.resolved_at.is_not(None), earlier), else_=None)
            self.f_on = and_(f.c.ticket_key == tk.ticket_key, f.c.clock == clock)

    def join_f(self, from_: Any) -> Any:
        return from_ if self.f is None else from_.join(self.f, self.f_on)


class _Joins:
    """The tickets joined with one clock's facts and the resolution valid at a moment.

    `resolved=True` starts from the resolutions (inner join), so that "resolved in the period"
    is read from the index on `resolved_at` instead of from every ticket.
    """

    def __init__(self, ctx: EvalContext, ind: IndicatorConfig, as_of: int,
                 resolved: bool = False):
        self.r = t.resolutions.alias("r")
        self.p = p = _Positions(ctx, ind, self.r)
        if resolved:
            self.from_ = p.join_f(self.r.join(t.tickets, resolved_as_of(as_of, self.r)))
        else:
            self.from_ = p.join_f(t.tickets).outerjoin(self.r, resolved_as_of(as_of, self.r))


def _created_in(ctx: EvalContext) -> ColumnElement[bool]:
    return and_(tk.created >= ctx.start, tk.created < ctx.period.end_s, tk.created <= ctx.at)


def _resolved_in(ctx: EvalContext, r: Any) -> ColumnElement[bool]:
    return and_(r.c.resolved_at >= ctx.start, r.c.resolved_at < ctx.end)


def _stop(ctx: EvalContext, ind: IndicatorConfig, j: _Joins) -> ColumnElement[Any]:
    """The clock position where a ticket's clock stopped, as of `at` (NULL: still running)."""
    if ind.kind == "response_within":
        responded = and_(tk.response_at.is_not(None), tk.response_at <= ctx.at)
        return case((responded, j.p.response_c), else_=j.p.resolved_c)
    return j.p.resolved_c


# --------------------------------------------------------------------------- populations
#
# The indicators of one evaluation that share a population — created in the period, resolved
# in the period, open at its end — are measured together in one pass over that population,
# one pair of conditional sums per indicator, so the cost of an evaluation follows the number
# of populations and the size of the period, not the number of indicators.


def _clock_of(ind: IndicatorConfig) -> str:
    # Kinds that measure no elapsed time use the always-present 24x7 facts.
    return ind.clock if ind.kind in FACTS_KINDS else "24x7"


class _Population:
    """Tickets joined with the facts of every clock a group of indicators uses."""

    def __init__(self, ctx: EvalContext, inds: list[IndicatorConfig], mode: str,
                 window: tuple[int, int] | None = None):
        self.r = t.resolutions.alias("r")
        self.facts: dict[str, _Positions] = {}
        # Only the clocks something is measured with: in the resolved population just the
        # handling times (the other kinds there read the ticket row alone).
        for i in inds:
            if (mode != "resolved" or i.kind == "handling_time") and \
                    _clock_of(i) not in self.facts:
                self.facts[_clock_of(i)] = _Positions(ctx, i, self.r, str(len(self.facts)))
        as_of = ctx.end if mode == "open" else ctx.at
        if mode == "resolved":
            from_: Any = self.r.join(t.tickets, resolved_as_of(as_of, self.r))
        else:
            from_ = t.tickets
        for p in self.facts.values():
            from_ = p.join_f(from_)
        if mode == "created":
            from_ = from_.outerjoin(self.r, resolved_as_of(as_of, self.r))
        self.from_ = from_
        conds = base_scope(ctx.has_exclusions())
        if all(indicator_filter(i) for i in inds):
            # No row that no indicator of the group wants.
            conds.append(or_(*[_filter(i) for i in inds]))
        if mode == "created" and window is not None:  # [lo, hi) within the created period
            conds += [tk.created >= max(window[0], ctx.start),
                      tk.created < min(window[1], ctx.period.end_s, ctx.at + 1)]
        elif mode == "created":
            conds.append(_created_in(ctx))
        elif mode == "resolved":
            conds.append(_resolved_in(ctx, self.r))
        else:
            m = ctx.end
            # `+ 0` keeps SQLite off the index on created (every ticket of the history is
            # created before m); the few not done by m are one range of ix_tickets_open.
            conds += [tk.created + 0 <= m, not_done_by(m),
                      ~exists(select(literal(1)).select_from(self.r).where(
                          resolved_by(m, ctx.at, self.r)))]
        self.where = conds

    def stop(self, ctx: EvalContext, ind: IndicatorConfig) -> tuple[_Positions, Any]:
        """(the indicator's clock positions, the position where its clock stopped as of `at`:
        the first response, else the resolution, for `response_within`; NULL: running)."""
        p = self.facts[_clock_of(ind)]
        if ind.kind == "response_within":
            responded = and_(tk.response_at.is_not(None), tk.response_at <= ctx.at)
            return p, case((responded, p.response_c), else_=p.resolved_c)
        return p, p.resolved_c

    def query(self, columns: list[Any], bucket: Any) -> Select[Any]:
        return select(bucket, *columns).select_from(self.from_).where(*self.where) \
            .group_by(bucket)


def _when(cond: ColumnElement[bool], value: Any = 1) -> Any:
    return func.sum(case((cond, value), else_=0))


def _filter(ind: IndicatorConfig) -> ColumnElement[bool]:
    conds = indicator_filter(ind)
    return and_(*conds) if conds else literal(True)


# --------------------------------------------------------------------------- clock indicators


def _clock_select(ctx: EvalContext, ind: IndicatorConfig, columns: list[Any]) -> tuple[
        Select[Any], dict[str, ColumnElement[Any]]]:
    j = _Joins(ctx, ind, ctx.at)
    stop = _stop(ctx, ind, j)
    threshold = ind.threshold or 0
    at_c = ctx.calendars[ind.calendar].position(ctx.at)
    elapsed = stop - j.p.created_c
    running = at_c - j.p.created_c
    met = and_(stop.is_not(None), elapsed <= threshold)
    missed = or_(and_(stop.is_not(None), elapsed > threshold),
                 and_(stop.is_(None), running > threshold))
    exprs = {"met": met, "missed": missed, "elapsed": elapsed, "running": running,
             "stop": stop, "created_c": j.p.created_c}
    query = select(*columns(exprs) if callable(columns) else columns).select_from(j.from_).where(
        _created_in(ctx), *ticket_scope(ind, ctx.config))
    return query, exprs


# Raw sums per breakdown bucket, one dict per indicator: what a period's figures are made of.
# Those of indicators without a pause add up over consecutive periods (kpi/settled.py).
Sums = list[dict[str, list[float]]]


def measure_created(ctx: EvalContext, inds: list[IndicatorConfig]) -> dict[str, Measured]:
    """`response_within` / `resolution_within` over the tickets created in the period:
    met / (met + missed); pending left out. One pass for every indicator given."""
    return created_figures(ctx, inds, created_sums(ctx, inds))


def created_sums(ctx: EvalContext, inds: list[IndicatorConfig]) -> Sums:
    """[met, missed] per bucket of each clock indicator, running paused clocks included."""
    pop = _Population(ctx, inds, "created")
    bucket = org_bucket(ctx.config).label("bucket")
    cols = []
    for n, ind in enumerate(inds):
        p, stop = pop.stop(ctx, ind)
        threshold = ind.threshold or 0
        at_c = ctx.calendars[ind.calendar].position(ctx.at)
        met = and_(stop.is_not(None), stop - p.created_c <= threshold)
        missed = and_(stop.is_not(None), stop - p.created_c > threshold)
        if not ind.pause:  # under a pause clock running tickets are settled per ticket
            missed = or_(missed, and_(stop.is_(None), at_c - p.created_c > threshold))
        flt = _filter(ind)
        cols += [_when(and_(flt, met)).label(f"met{n}"),
                 _when(and_(flt, missed)).label(f"missed{n}")]
    counts: Sums = [defaultdict(lambda: [0, 0]) for _ in inds]
    for row in ctx.conn.execute(pop.query(cols, bucket)):
        for n in range(len(inds)):
            counts[n][row.bucket][0] += int(getattr(row, f"met{n}") or 0)
            counts[n][row.bucket][1] += int(getattr(row, f"missed{n}") or 0)
    for n, ind in enumerate(inds):
        if ind.pause:
            for bucket_key, running in _paused_running(ctx, ind).values():
                if running > (ind.threshold or 0):
                    counts[n][bucket_key][1] += 1
    return counts


def created_figures(ctx: EvalContext, inds: list[IndicatorConfig], counts: Sums
                    ) -> dict[str, Measured]:
    out = {}
    for n, ind in enumerate(inds):
        rows = {k: ratio(met, met + missed) for k, (met, missed) in sorted(counts[n].items())}
        out[ind.id] = group_figures(ind, ctx.config, rows, sum_ratio)
    return out


def measure_clock(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """`response_within` / `resolution_within` for one indicator."""
    return measure_created(ctx, [ind])[ind.id]


def _paused_running(ctx: EvalContext, ind: IndicatorConfig
                    ) -> dict[tuple[str, str], tuple[str, int]]:
    """(source, id) → (breakdown key, elapsed at `at`) of the tickets whose clock is still
    running at `at` under a pause clock. Each one's clock position at `at` depends on its own
    pause history as of `at`, so it is settled per ticket (only the running ones)."""
    bucket = org_bucket(ctx.config).label("bucket")
    query, e = _clock_select(ctx, ind, [])
    query = query.with_only_columns(tk.source, tk.id, bucket, e["created_c"]).where(
        e["stop"].is_(None))
    rows = ctx.conn.execute(query).all()
    if not rows:
        return {}
    clock = clocks_for(ctx.config, ctx.calendars)[ind.clock]
    sc = t.status_changes.c
    histories: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for h in ctx.conn.execute(select(sc.source, sc.ticket_id, sc.at, sc.from_status,
                                     sc.to_status, sc.derived)
                              .where(sc.ticket_id.in_([r.id for r in rows]), sc.at <= ctx.at)
                              .order_by(sc.at, sc.id)):
        histories[(h.source, h.ticket_id)].append(
            Change(h.at, h.from_status, h.to_status, bool(h.derived)))
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for r in rows:
        paused = pause_intervals(histories.get((r.source, r.id), []), clock.pause)
        out[(r.source, r.id)] = (r.bucket, clock_position(clock, ctx.at, paused) - r.created_c)
    return out


def explain_clock(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    def cols(e: dict[str, ColumnElement[Any]]) -> list[Any]:
        return [tk.source, tk.id, tk.org, e["met"].label("met"), e["missed"].label("missed"),
                e["elapsed"].label("elapsed"), e["running"].label("running")]

    query, _ = _clock_select(ctx, ind, cols)  # type: ignore[arg-type]
    # Under a pause clock a running ticket's elapsed time is its own (see _paused_running);
    # the SQL `running` is the plain calendar time and would disagree with `measure_clock`.
    paused = _paused_running(ctx, ind) if ind.pause else {}
    out = []
    for r in ctx.conn.execute(query.order_by(tk.created, tk.id)):
        verdict = "met" if r.met else "missed" if r.missed else "pending"
        elapsed = r.elapsed if r.elapsed is not None else r.running
        if (r.source, r.id) in paused:
            elapsed = paused[(r.source, r.id)][1]
            verdict = "missed" if elapsed > (ind.threshold or 0) else "pending"
        out.append({"ticket": r.id, "source": r.source, "org": r.org, "verdict": verdict,
                    "elapsed_seconds": max(0, int(elapsed)) if elapsed is not None else None})
    return out


# --------------------------------------------------------------------------- resolved in period


def _resolved_select(ctx: EvalContext, ind: IndicatorConfig, columns: list[Any]
                     ) -> tuple[Select[Any], _Joins]:
    j = _Joins(ctx, ind, ctx.at, resolved=True)
    query = select(*columns).select_from(j.from_).where(
        j.r.c.resolved_at.is_not(None), _resolved_in(ctx, j.r), *ticket_scope(ind, ctx.config))
    return query, j


def _first_line_met(ctx: EvalContext) -> ColumnElement[bool]:
    groups = [and_(tk.source == s.name, tk.support_group.in_(s.first_line_groups))
              for s in ctx.config.sources if s.first_line_groups]
    by_group = and_(tk.resolved_by_line.is_(None), or_(*groups)) if groups else literal(False)
    return or_(tk.resolved_by_line == 1, by_group)


def measure_resolved(ctx: EvalContext, inds: list[IndicatorConfig]) -> dict[str, Measured]:
    """The indicators over the tickets resolved in the period, in one pass: first-line share,
    handling time, missing solution and status flow."""
    return resolved_figures(ctx, inds, resolved_sums(ctx, inds))


def _mapped(ctx: EvalContext) -> list[str]:
    """The ticket sources that map a solution text."""
    return [s.name for s in ctx.config.sources if "solution" in s.fields]


def resolved_sums(ctx: EvalContext, inds: list[IndicatorConfig]) -> Sums:
    """Per bucket of each indicator resolved in the period: [met, resolved] (first line),
    [elapsed sum, n] (handling), [count, 0] (missing solution), [count, unknown] (flow)."""
    pop = _Population(ctx, inds, "resolved")
    bucket = org_bucket(ctx.config).label("bucket")
    mapped = _mapped(ctx)
    cols = []
    for n, ind in enumerate(inds):
        flt = _filter(ind)
        if ind.kind == "first_line_share":
            cols += [_when(and_(flt, _first_line_met(ctx))).label(f"a{n}"),
                     _when(flt).label(f"b{n}")]
        elif ind.kind == "handling_time":
            p = pop.facts[_clock_of(ind)]
            elapsed = case((p.resolved_c - p.created_c < 0, 0),
                           else_=p.resolved_c - p.created_c)
            cols += [_when(flt, elapsed).label(f"a{n}"), _when(flt).label(f"b{n}")]
        elif ind.kind == "missing_solution":
            missing = and_(flt, tk.source.in_(mapped), tk.solution_present.is_(False)) \
                if mapped else literal(False)
            cols += [_when(missing).label(f"a{n}"), literal(0).label(f"b{n}")]
        else:  # status_flow
            passed = and_(*[tk.flow_seen.like(f"%,{x},%") for x in ind.required]) \
                if ind.required else literal(True)
            cols += [_when(and_(flt, tk.flow_origin == "source", not_(passed))).label(f"a{n}"),
                     _when(and_(flt, tk.flow_origin != "source", not_(passed))).label(f"b{n}")]
    sums: Sums = [{} for _ in inds]
    for row in ctx.conn.execute(pop.query(cols, bucket)):
        for n in range(len(inds)):
            sums[n][row.bucket] = [float(getattr(row, f"a{n}") or 0),
                                   int(getattr(row, f"b{n}") or 0)]
    return sums


def resolved_figures(ctx: EvalContext, inds: list[IndicatorConfig], sums: Sums
                     ) -> dict[str, Measured]:
    mapped = _mapped(ctx)
    # Buckets in one order, whatever order the rows came in: totals are float sums.
    return {ind.id: _resolved_figures(ctx, ind, dict(sorted(sums[n].items())), mapped)
            for n, ind in enumerate(inds)}


def _resolved_figures(ctx: EvalContext, ind: IndicatorConfig, sums: dict[str, list[float]],
                      mapped: list[str]) -> Measured:
    if ind.kind == "first_line_share":
        rows = {k: ratio(a, b) for k, (a, b) in sums.items()}
        return group_figures(ind, ctx.config, rows, sum_ratio)
    if ind.kind == "missing_solution":
        if not mapped:  # nothing to count with; a breakdown still lists every key (no value)
            return group_figures(ind, ctx.config, {}, lambda _parts: Figures(None, None, None))
        rows = {k: Figures(a, None, None) for k, (a, _b) in sums.items()}
        return _counts_default_zero(group_figures(ind, ctx.config, rows, sum_count))
    if ind.kind == "status_flow":
        rows = {k: Figures(a, None, None, int(b)) for k, (a, b) in sums.items()}

        def flow(parts: list[Figures]) -> Figures:
            return Figures(float(sum(p.value or 0 for p in parts)), None, None,
                           sum(p.unknown or 0 for p in parts))

        return _counts_default_zero(group_figures(ind, ctx.config, rows, flow))
    if ind.aggregate == "mean":
        rows = {k: Figures(in_unit(a / b, ind) if b else None, in_unit(a, ind), int(b))
                for k, (a, b) in sums.items()}

        def mean(parts: list[Figures]) -> Figures:
            total = sum(p.numerator or 0 for p in parts)
            n = sum(int(p.denominator or 0) for p in parts)
            return Figures(total / n if n else None, total, n)

        return group_figures(ind, ctx.config, rows, mean)
    return _handling_quantile(ctx, ind, {k: int(b) for k, (_a, b) in sums.items()})


def _handling_quantile(ctx: EvalContext, ind: IndicatorConfig, counts: dict[str, int]
                       ) -> Measured:
    """Median or p90 of handling time: the two values around the rank, read in order."""
    q = 0.5 if ind.aggregate == "median" else 0.9
    j = _Joins(ctx, ind, ctx.at, resolved=True)
    elapsed = case((j.p.resolved_c - j.p.created_c < 0, 0),
                   else_=j.p.resolved_c - j.p.created_c)
    scope = [_resolved_in(ctx, j.r), *ticket_scope(ind, ctx.config)]
    total_n = sum(counts.values())
    measured = Measured(Figures(_quantile(ctx, ind, j, elapsed, scope, total_n, q), None,
                                total_n))
    if ind.breakdown:
        bucket = org_bucket(ctx.config)
        keys = list(ctx.config.orgs) + (["other"] if "other" in counts else [])
        measured.breakdown[ind.breakdown[0]] = {
            key: Figures(_quantile(ctx, ind, j, elapsed, scope + [bucket == key],
                                   counts.get(key, 0), q), None, counts.get(key, 0))
            for key in keys}
    return measured


def measure_first_line(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """Tickets resolved in the period; met = line 1, or (no line) a first-line group."""
    return measure_resolved(ctx, [ind])[ind.id]


def measure_handling(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """Elapsed created → resolved of tickets resolved in the period: mean, median or p90."""
    return measure_resolved(ctx, [ind])[ind.id]


def measure_missing_solution(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """Tickets resolved in the period without a solution text (no value if none is mapped)."""
    return measure_resolved(ctx, [ind])[ind.id]


def measure_status_flow(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """Resolved tickets whose history first reached resolved/closed skipping a required status;
    derived or missing histories that cannot tell are `unknown`."""
    return measure_resolved(ctx, [ind])[ind.id]


def _quantile(ctx: EvalContext, ind: IndicatorConfig, j: _Joins, elapsed: Any,
              scope: list[Any], n: int, q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, percentile_cont)."""
    if n == 0:
        return None
    pos = (n - 1) * q
    lo = math.floor(pos)
    values = [float(v) for v in ctx.conn.execute(
        select(elapsed.label("e")).select_from(j.from_).where(*scope)
        .order_by(elapsed).limit(2).offset(lo)).scalars()]
    if len(values) == 1 or pos == lo:
        return in_unit(values[0], ind)
    return in_unit(values[0] + (values[1] - values[0]) * (pos - lo), ind)


def _counts_default_zero(measured: Measured) -> Measured:
    """A count over an empty population is 0, not 'no value' (nothing was found)."""
    for fig in [measured.total, *(f for d in measured.breakdown.values() for f in d.values())]:
        if fig.value is None:
            fig.value = 0.0
            if fig.unknown is None and measured.total.unknown is not None:
                fig.unknown = 0
    return measured


# --------------------------------------------------------------------------- open tickets


def _open_at(ctx: EvalContext, ind: IndicatorConfig, m: int) -> tuple[Select[Any], Any]:
    r = t.resolutions.alias("r")
    p = _Positions(ctx, ind, r)
    query = select().select_from(p.join_f(t.tickets)).where(
        # `+ 0` keeps SQLite off the index on created (every ticket of the history is created
        # before m); the few tickets not done by m are one range of ix_tickets_open.
        tk.created + 0 <= m, not_done_by(m),
        ~exists(select(literal(1)).select_from(r).where(resolved_by(m, ctx.at, r))),
        *ticket_scope(ind, ctx.config))
    return query, p.created_c


def measure_open_group(ctx: EvalContext, inds: list[IndicatorConfig]) -> dict[str, Measured]:
    """`open_older_than` (open tickets older than T at m) and `oldest_open_age`, with
    m = min(end, at), in one pass over the tickets open at m."""
    pop = _Population(ctx, inds, "open")
    bucket = org_bucket(ctx.config).label("bucket")
    m = ctx.end
    cols = []
    for n, ind in enumerate(inds):
        age = ctx.calendars[ind.calendar].position(m) - pop.facts[_clock_of(ind)].created_c
        flt = _filter(ind)
        if ind.kind == "open_older_than":
            cols.append(_when(and_(flt, age > (ind.threshold or 0))).label(f"v{n}"))
        else:
            cols.append(func.max(case((flt, age), else_=None)).label(f"v{n}"))
    values: list[dict[str, Any]] = [{} for _ in inds]
    for row in ctx.conn.execute(pop.query(cols, bucket)):
        for n in range(len(inds)):
            values[n][row.bucket] = getattr(row, f"v{n}")
    out = {}
    for n, ind in enumerate(inds):
        if ind.kind == "open_older_than":
            rows = {k: Figures(float(v or 0), None, None) for k, v in values[n].items()}
            out[ind.id] = _counts_default_zero(group_figures(ind, ctx.config, rows, sum_count))
        else:
            rows = {k: Figures(in_unit(max(0, float(v)), ind), None, None)
                    for k, v in values[n].items() if v is not None}
            out[ind.id] = group_figures(ind, ctx.config, rows, _oldest)
    return out


def _oldest(parts: list[Figures]) -> Figures:
    values = [p.value for p in parts if p.value is not None]
    return Figures(max(values) if values else None, None, None)


def measure_open(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    """`open_older_than` / `oldest_open_age` for one indicator."""
    return measure_open_group(ctx, [ind])[ind.id]


def explain_open(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    m = ctx.end
    m_c = ctx.calendars[ind.calendar].position(m)
    query, created_c = _open_at(ctx, ind, m)
    age = (m_c - created_c).label("age")
    out = []
    for r in ctx.conn.execute(query.with_only_columns(tk.source, tk.id, tk.org, age)
                              .order_by(age.desc())):
        older = ind.kind == "oldest_open_age" or r.age > (ind.threshold or 0)
        out.append({"ticket": r.id, "source": r.source, "org": r.org,
                    "verdict": "counted" if older else "younger",
                    "elapsed_seconds": int(r.age)})
    return out


def explain_resolved(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    """Per resolved ticket: the verdict of first line, missing solution or status flow."""
    j = _Joins(ctx, ind, ctx.at, resolved=True)
    elapsed = (j.p.resolved_c - j.p.created_c).label("elapsed")
    cols = [tk.source, tk.id, tk.org, tk.resolved_by_line, tk.support_group,
            tk.solution_present, tk.flow_origin, tk.flow_seen, elapsed,
            _first_line_met(ctx).label("first_line")]
    query = select(*cols).select_from(j.from_).where(
        j.r.c.resolved_at.is_not(None), _resolved_in(ctx, j.r), *ticket_scope(ind, ctx.config))
    out = []
    for r in ctx.conn.execute(query.order_by(j.r.c.resolved_at, tk.id)):
        if ind.kind == "first_line_share":
            verdict = "met" if r.first_line else "missed"
        elif ind.kind == "missing_solution":
            verdict = {False: "counted", True: "ok", None: "unknown"}[
                None if r.solution_present is None else bool(r.solution_present)]
        elif ind.kind == "status_flow":
            passed = all(f",{s}," in (r.flow_seen or "") for s in ind.required)
            verdict = "ok" if passed else ("counted" if r.flow_origin == "source"
                                           else "unknown")
        else:
            verdict = "counted"
        out.append({"ticket": r.id, "source": r.source, "org": r.org, "verdict": verdict,
                    "elapsed_seconds": max(0, int(r.elapsed)) if r.elapsed is not None
                    else None})
    return out


def _risk_window(ctx: EvalContext, ind: IndicatorConfig, floor: int) -> tuple[int, int]:
    """[lo, hi): the creation times a ticket whose clock has run more than `floor` and at
    most the threshold by `at` can have. From the calendar's inverse position, so the index on
    `created` limits the scan to them (a necessary condition: the count itself is unchanged)."""
    cal = ctx.calendars[ind.calendar]
    at_c = cal.position(ctx.at)
    return (cal.first_reaching(at_c - (ind.threshold or 0)), cal.first_reaching(at_c - floor))


def at_risk_counts(ctx: EvalContext, inds: list[IndicatorConfig]) -> dict[str, int]:
    """`at_risk` of every clock indicator given: those without a pause in one query over the
    tickets created in the window their thresholds allow (see `_risk_window`)."""
    out = {ind.id: at_risk(ctx, ind) for ind in inds if ind.pause}
    plain = [ind for ind in inds if not ind.pause]
    if not plain:
        return out
    windows = [_risk_window(ctx, ind, (ind.threshold or 0) * 3 // 4) for ind in plain]
    if ctx.exclusions is None:
        # The window holds a few hundred tickets: checking each for an exclusion costs less
        # than a query (a round trip) to learn whether there are any.
        ctx = ctx.over(ctx.period)
        ctx.exclusions = True
    pop = _Population(ctx, plain, "created",
                      window=(min(w[0] for w in windows), max(w[1] for w in windows)))
    cols = []
    for n, (ind, (lo, hi)) in enumerate(zip(plain, windows, strict=True)):
        p, stop = pop.stop(ctx, ind)
        threshold = ind.threshold or 0
        running = ctx.calendars[ind.calendar].position(ctx.at) - p.created_c
        cols.append(_when(and_(_filter(ind), tk.created >= lo, tk.created < hi,
                               stop.is_(None), running * 4 > threshold * 3,
                               running <= threshold)).label(f"n{n}"))
    row = ctx.conn.execute(select(*cols).select_from(pop.from_).where(*pop.where)).one()
    for n, ind in enumerate(plain):
        out[ind.id] = int(getattr(row, f"n{n}") or 0)
    return out


def at_risk(ctx: EvalContext, ind: IndicatorConfig) -> int:
    """Open tickets of a clock indicator whose clock is still running at `at` and has passed
    75 % of the threshold without reaching it: the ones staff can still save."""
    threshold = ind.threshold or 0
    if ind.pause:  # each running ticket's own paused clock
        return sum(1 for _, running in _paused_running(ctx, ind).values()
                   if running * 4 > threshold * 3 and running <= threshold)
    return at_risk_counts(ctx, [ind])[ind.id]


def at_risk_tickets(ctx: EvalContext, ind: IndicatorConfig, share: float = 0.75
                    ) -> list[dict[str, Any]]:
    """The tickets `at_risk` counts, for a warning `share` of the threshold: id, source and
    elapsed seconds on the indicator's clock, the longest-running first."""
    threshold = ind.threshold or 0
    # Elapsed times are whole seconds, so "more than share × threshold" is "more than its
    # floor", which keeps the comparison in integers on both databases.
    floor = math.floor(threshold * share)
    if ind.pause:
        rows = [(source, ident, running) for (source, ident), (_, running)
                in _paused_running(ctx, ind).items() if floor < running <= threshold]
    else:
        query, e = _clock_select(ctx, ind, [])
        lo, hi = _risk_window(ctx, ind, floor)
        rows = [(r.source, r.id, int(r.running)) for r in ctx.conn.execute(
            query.with_only_columns(tk.source, tk.id, e["running"].label("running")).where(
                tk.created >= lo, tk.created < hi,
                e["stop"].is_(None), e["running"] > floor, e["running"] <= threshold))]
    rows.sort(key=lambda r: (-r[2], r[1]))
    return [{"ticket": ident, "source": source, "elapsed_seconds": running,
             "threshold_seconds": threshold} for source, ident, running in rows]
