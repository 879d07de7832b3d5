"""A period's sum-based ticket indicators from its settled months' stored sums plus a live
read of the rest (a year, a quarter, or a month that is itself settled).

Shares, means and counts over the tickets created or resolved in a period are sums per
breakdown bucket (met and missed, elapsed and n, …), and the sums of consecutive months add up
to the period's. A month is **settled** for a group of indicators once it ended before the
evaluation moment and every clock started in it has stopped or run past its threshold by
then; its sums then change only with the data. They are stored (`settled_sums`) with the
month's ticket and resolution counts at that time, and read back instead of recomputed while
those counts hold, the evaluation is not earlier than the one they were read at, and the facts
pass has not forgotten the month (store/settled.py: a dirty ticket's months go). Indicators
with a pause clock (their running tickets are settled per ticket) are not split; medians and
p90s are read from the whole period.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from kpimon.config import CLOCK_KINDS, Config, IndicatorConfig
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.indicators.base import EvalContext, Measured
from kpimon.kpi.indicators.tickets import Sums
from kpimon.periods import Period, date_range, months_of
from kpimon.store import Store
from kpimon.store import settled as stored

log = logging.getLogger("kpimon.kpi")

# Sums are stored only from an evaluation as of now (not a past --at): events later than a
# past moment may already be in the store, and the stored sums hold for later moments only.
STORE_WITHIN = 300

SumsFn = Callable[[EvalContext, list[IndicatorConfig]], Sums]
FiguresFn = Callable[[EvalContext, list[IndicatorConfig], Sums], dict[str, Measured]]
SPLIT_PERIODS = ("year", "quarter", "month")
_EMPTY = ""  # the bucket of the row that marks a month stored without any ticket


class SharedLive:
    """Sums read live, shared by the evaluations of one moment over the same span: the running
    month is both the month's whole period and the rest of the year (and quarter) after its
    settled months, and the two are evaluated side by side; the second waits for the first's
    read instead of repeating it. A span is the same when its start, its end as far as `at`
    and `at` are: what `created_sums` and `resolved_sums` select depends on nothing else."""

    KEEP = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[Any, ...], threading.Lock] = {}
        self._done: dict[tuple[Any, ...], Sums] = {}

    def sums(self, ctx: EvalContext, inds: list[IndicatorConfig], sums_fn: SumsFn,
             keys: tuple[str, ...], version: tuple[Any, ...]) -> Sums:
        key = (sums_fn.__name__, keys, version, ctx.start, min(ctx.period.end_s, ctx.at + 1),
               ctx.at)
        with self._lock:
            lock = self._keys.setdefault(key, threading.Lock())
        with lock:
            if key not in self._done:
                self._done[key] = sums_fn(ctx, inds)
                with self._lock:
                    for old in list(self._done)[:-self.KEEP]:
                        self._done.pop(old, None)
                        self._keys.pop(old, None)
            # Copies: the callers add to them.
            return [{k: list(v) for k, v in per.items()} for per in self._done[key]]


class SettledSums:
    """Measures a group of indicators over a year or quarter from stored month sums."""

    def __init__(self, config: Config, store: Store, calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.calendars = calendars
        # The settled months' totals last read per (period, group, data version): while the
        # data version holds, the store's rows need no second look (like the engine's cache
        # of settled periods).
        self._memo: dict[tuple[Any, ...], tuple[int, Sums]] = {}
        self._lock = threading.Lock()
        self.live = SharedLive()

    def key(self, ind: IndicatorConfig, version: tuple[Any, ...]) -> str:
        """Everything an indicator's month sums depend on besides the data: its definition
        (less names and targets), its calendar, the orgs, the sources' first-line groups and
        mapped fields, and the exclusions (their count and latest change, from `version`)."""
        cfg = self.config
        basis = (replace(ind, id="", name="", description=None, target=None, partial=None),
                 cfg.calendars.get(ind.calendar), cfg.orgs,
                 [(s.name, s.first_line_groups, "solution" in s.fields) for s in cfg.sources],
                 version[1:3], 1)
        return hashlib.sha256(repr(basis).encode()).hexdigest()[:32]

    def _settled(self, m: Period, inds: list[IndicatorConfig], at: int) -> bool:
        if m.end_s > at:
            return False
        for ind in inds:
            if ind.kind in CLOCK_KINDS:
                cal = self.calendars[ind.calendar]
                if cal.position(at) - cal.position(m.end_s) <= (ind.threshold or 0):
                    return False
        return True

    def measure(self, ctx: EvalContext, inds: list[IndicatorConfig], sums_fn: SumsFn,
                figures_fn: FiguresFn, version: tuple[Any, ...]) -> dict[str, Measured]:
        """`figures_fn` of the period's sums: stored months, months read now, and the rest."""
        split = [i for i in inds if not i.pause]
        out = figures_fn(ctx, [i for i in inds if i.pause],
                         sums_fn(ctx, [i for i in inds if i.pause])) if len(split) < len(inds) \
            else {}
        months: list[Period] = []
        for m in months_of(ctx.period):
            if not self._settled(m, split, ctx.at):
                break
            months.append(m)
        keys = [self.key(i, version) for i in split]
        if not split or not months:
            if split:
                out.update(figures_fn(ctx, split, self.live.sums(ctx, split, sums_fn,
                                                                 tuple(keys), version)))
            return out
        memo_key = (ctx.period.label, sums_fn.__name__, tuple(keys), version, months[-1].end_s)
        with self._lock:
            hit = self._memo.get(memo_key)
        total: Sums
        if hit is not None and hit[0] <= ctx.at:
            total = [defaultdict(lambda: [0, 0], {k: list(v) for k, v in per.items()})
                     for per in hit[1]]
        else:
            total = self._settled_totals(ctx, split, keys, months, sums_fn, version)
            with self._lock:
                if len(self._memo) > 64:
                    self._memo.clear()
                self._memo[memo_key] = (ctx.at, [{k: list(v) for k, v in per.items()}
                                                 for per in total])
        rest_first = months[-1].last.toordinal() + 1
        if rest_first <= ctx.period.last.toordinal():
            rest = date_range(date.fromordinal(rest_first), ctx.period.last, ctx.period.tz)
            for n, per_bucket in enumerate(self.live.sums(ctx.over(rest), split, sums_fn,
                                                          tuple(keys), version)):
                for bucket, (a, b) in per_bucket.items():
                    _add(total[n], bucket, [a, b])
        out.update(figures_fn(ctx, split, _typed(split, total)))
        return out

    def _settled_totals(self, ctx: EvalContext, split: list[IndicatorConfig], keys: list[str],
                        months: list[Period], sums_fn: SumsFn, version: tuple[Any, ...]
                        ) -> Sums:
        """The settled months' sums added up: stored ones where they still hold, the others
        read now (and stored)."""
        total: Sums = [defaultdict(lambda: [0, 0]) for _ in split]
        spans = [(m.start_s, m.end_s) for m in months]
        counts = stored.month_counts(ctx.conn, spans)
        have = stored.load(ctx.conn, [s for s, _ in spans], set(keys))
        storable = version[4] == 0 and ctx.at >= time.time() - STORE_WITHIN
        new_rows: list[dict[str, Any]] = []
        for m, (start, end) in zip(months, spans, strict=True):
            rows = [have.get((start, k)) for k in keys]
            if all(r and all(x.as_of <= ctx.at and (x.created_n, x.resolved_n) == counts[start]
                             for x in r) for r in rows):
                for n, r in enumerate(rows):
                    for x in r or []:
                        if x.bucket != _EMPTY:
                            _add(total[n], x.bucket, [x.a, x.b])
                continue
            month_sums = sums_fn(ctx.over(m), split)
            for n, per_bucket in enumerate(month_sums):
                for bucket, (a, b) in per_bucket.items():
                    _add(total[n], bucket, [a, b])
                if storable:
                    c, r_ = counts[start]
                    base = {"month_start": start, "month_end": end, "ind_key": keys[n],
                            "as_of": ctx.at, "created_n": c, "resolved_n": r_}
                    new_rows.append({**base, "bucket": _EMPTY, "a": 0.0, "b": 0})
                    new_rows += [{**base, "bucket": bucket, "a": float(a), "b": int(b)}
                                 for bucket, (a, b) in per_bucket.items()]
        if new_rows:
            try:
                stored.save(self.store.engine, new_rows,
                            [self.key(i, version) for i in self.config.indicators])
            except Exception as e:  # only a saving missed: the figures stand
                log.debug("could not store settled month sums: %s", e)
        return total


def _add(into: dict[str, list[float]], bucket: str, ab: list[float]) -> None:
    cur = into[bucket]
    cur[0] += ab[0]
    cur[1] += ab[1]


def _typed(inds: list[IndicatorConfig], sums: Sums) -> Sums:
    """Counts as integers, as a single read gives them (a sum of elapsed seconds stays float)."""
    out: Sums = []
    for ind, per_bucket in zip(inds, sums, strict=True):
        whole_a = ind.kind in CLOCK_KINDS
        out.append({k: [int(a) if whole_a else float(a), int(b)]
                    for k, (a, b) in per_bucket.items()})
    return out
