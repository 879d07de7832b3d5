"""What every indicator family shares: the evaluation context and the measured figures.

An indicator family module exposes `measure(ctx, ind) -> Measured` (SQL aggregates, grouped by
breakdown key where the indicator asks for one) and `explain(ctx, ind) -> list[dict]` (the ids
behind the figures). Figures are in the indicator's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kpimon.config import DURATION_UNITS, Config, IndicatorConfig
from kpimon.kpi.calendar import Calendar
from kpimon.periods import Period
from kpimon.store import tables as t

OTHER = "other"


@dataclass
class Figures:
    """value / numerator / denominator (+ unknown for status flow) of one population."""

    value: float | None
    numerator: float | None
    denominator: float | None
    unknown: int | None = None

    @property
    def has_population(self) -> bool:
        return self.value is not None


@dataclass
class Measured:
    """Figures for the whole population and per breakdown dimension and key."""

    total: Figures
    breakdown: dict[str, dict[str, Figures]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the names of a reconciliation


@dataclass
class EvalContext:
    """One evaluation: a period as of `at`, on an open connection."""

    conn: Connection
    config: Config
    period: Period
    at: int  # evaluation moment, epoch seconds
    calendars: Mapping[str, Calendar]

    @property
    def start(self) -> int:
        return self.period.start_s

    @property
    def end(self) -> int:
        """The period's end, or `at` if earlier: nothing after `at` exists yet."""
        return min(self.period.end_s, self.at)

    # Whether any ticket is excluded, when the caller knows (the data version counts the
    # exclusions); else read once, by `has_exclusions`.
    exclusions: bool | None = field(default=None, repr=False)

    def has_exclusions(self) -> bool:
        """Whether any ticket is excluded; without any, the per-ticket check is left out."""
        if self.exclusions is None:
            self.exclusions = self.conn.execute(
                select(literal(1)).select_from(t.exclusions).limit(1)).first() is not None
        return self.exclusions

    def over(self, period: Period) -> EvalContext:
        """The same evaluation (connection, moment, what is known of the exclusions) over
        another period."""
        return replace(self, period=period)


def ratio(numerator: float, denominator: float) -> Figures:
    """A share; an empty population has no value (never 0 % or NaN)."""
    return Figures(numerator / denominator if denominator else None, numerator, denominator)


def in_unit(seconds: float, ind: IndicatorConfig) -> float:
    return seconds / DURATION_UNITS.get(ind.unit, 1)


def base_scope(exclusions: bool = True) -> list[ColumnElement[bool]]:
    """What every ticket indicator leaves out: cancelled, deleted and excluded tickets."""
    tk = t.tickets.c
    ex = t.exclusions.c
    # 'cancelled' in the SQL text, not a parameter: the condition of the partial index
    # ix_tickets_open (`not_done_by`), which SQLite uses only for the very same term.
    conds: list[ColumnElement[bool]] = [tk.status != literal_column("'cancelled'"),
                                        tk.deleted.is_(False)]
    if exclusions:
        conds.append(~exists(select(literal(1)).where(
            or_(ex.ticket_id == tk.id, ex.ticket_id == tk.source + ":" + tk.id))))
    return conds


def not_done_by(m: int) -> ColumnElement[bool]:
    """Tickets not done by `m` (no done_at, or a later one): with `base_scope`'s condition on
    the status, one range of ix_tickets_open (store/tables.py)."""
    return func.coalesce(t.tickets.c.done_at, literal_column(str(t.NEVER_DONE))) > m


def indicator_filter(ind: IndicatorConfig) -> list[ColumnElement[bool]]:
    """The indicator's own `filter` and `sources`."""
    tk = t.tickets.c
    conds: list[ColumnElement[bool]] = [getattr(tk, key).in_(values)
                                        for key, values in ind.filter.items()]
    if ind.sources:
        conds.append(tk.source.in_(ind.sources))
    return conds


def ticket_scope(ind: IndicatorConfig, config: Config) -> list[ColumnElement[bool]]:
    """Conditions every ticket indicator shares: not cancelled, deleted or excluded; filters."""
    return base_scope() + indicator_filter(ind)


def org_bucket(config: Config) -> ColumnElement[Any]:
    """The breakdown key of a ticket: its org when listed in `orgs`, else `other`."""
    tk = t.tickets.c
    if not config.orgs:
        return literal(OTHER)
    return case((tk.org.in_(config.orgs), tk.org), else_=literal(OTHER))


def resolved_as_of(at: int | ColumnElement[Any], alias: Any) -> ColumnElement[bool]:
    """Join condition: the resolution of a ticket valid as of `at` (at most one row; see
    kpi/resolution.py)."""
    tk = t.tickets.c
    r = alias.c
    return and_(r.ticket_key == tk.ticket_key, r.valid_from <= at,
                or_(r.superseded_at.is_(None), r.superseded_at > at),
                or_(r.reopened_at.is_(None), r.reopened_at > at))


def resolved_by(m: int, at: int, alias: Any) -> ColumnElement[bool]:
    """A resolution that makes the ticket resolved by m, evaluated as of `at` (m <= at): the
    row the ticket has as of `at` for its run, whose time is at or before m, in a run not
    ended by m — the history as of m, the resolved time known as of `at` (docs/indicators.md)."""
    tk = t.tickets.c
    r = alias.c
    return and_(r.ticket_key == tk.ticket_key, r.valid_from <= at,
                or_(r.superseded_at.is_(None), r.superseded_at > at), r.resolved_at <= m,
                or_(r.reopened_at.is_(None), r.reopened_at > m))


def breakdown_keys(ind: IndicatorConfig, config: Config) -> list[str]:
    dims = ind.breakdown
    if not dims:
        return []
    return list(config.queues if dims[0] == "queue" else config.orgs)


def group_figures(ind: IndicatorConfig, config: Config, rows: dict[str, Figures],
                  combine: Any) -> Measured:
    """Totals from per-key figures, and the breakdown listing every configured key."""
    total = combine(list(rows.values()))
    measured = Measured(total)
    if ind.breakdown:
        keys = breakdown_keys(ind, config)
        empty = combine([])
        out = {k: rows.get(k, empty) for k in keys}
        if OTHER in rows and OTHER not in out:
            out[OTHER] = rows[OTHER]
        measured.breakdown[ind.breakdown[0]] = out
    return measured


def sum_ratio(parts: list[Figures]) -> Figures:
    num = sum(p.numerator or 0 for p in parts)
    den = sum(p.denominator or 0 for p in parts)
    return ratio(num, den)


def sum_count(parts: list[Figures]) -> Figures:
    return Figures(float(sum(p.value or 0 for p in parts)), None, None)
