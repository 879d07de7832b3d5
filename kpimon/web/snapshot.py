"""The in-memory snapshot that `/metrics`, `/api/kpis` and the status page read.

The compute job builds a complete `Snapshot` and swaps it in whole (`SnapshotHolder.swap`), so
a scrape never queries the database, never sees half an update and never waits on a job. Every
expected label set is present from the first snapshot on: counts start at 0 and a value that
does not exist is NaN, never 0 (docs/operations.md). At start-up the first snapshot is the
last stored one (see kpimon.daemon), so a restart turns no value NaN, no source down and no
counter to 0.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from kpimon import __version__
from kpimon.config import CLOCK_KINDS, Config
from kpimon.kpi.engine import Evaluation
from kpimon.kpi.results import baseline as target_baseline
from kpimon.kpi.targets import STATUSES, absolute_target
from kpimon.kpi.trend import TrendPoint
from kpimon.kpi.units import base_unit, to_base
from kpimon.periods import Period
from kpimon.records import KINDS, PRIORITIES
from kpimon.store import FileFailure, RunInfo

NAN = float("nan")


def _f(value: float | None) -> float:
    return NAN if value is None else float(value)


@dataclass
class JobHealth:
    """How the daemon's own jobs fare: the last success (Unix time) and the failures of the
    compute and of the retention purge. A failed job changes nothing stored, so its failure
    lives here, in the log, in the metrics and on the status page.

    `*_failing_since` is when the present run of failures began (the first failure after the
    last success) and `*_failures_in_row` how many there have been since; both stay as they
    are after a success, which `failing` tells apart by the times."""

    compute_last_success: float | None = None
    compute_failures: int = 0
    compute_failing_since: float | None = None
    compute_failures_in_row: int = 0
    purge_last_success: float | None = None
    purge_failures: int = 0
    purge_failing_since: float | None = None
    purge_failures_in_row: int = 0

    def failed(self, job: str, at: float | None = None) -> None:
        """Count a failure of `job` (`compute` or `purge`) at `at` (Unix time, now by
        default): the first after a success starts a new run of failures."""
        at = time.time() if at is None else at
        if not self.failing(job):
            setattr(self, f"{job}_failing_since", at)
            setattr(self, f"{job}_failures_in_row", 0)
        setattr(self, f"{job}_failures", getattr(self, f"{job}_failures") + 1)
        setattr(self, f"{job}_failures_in_row", getattr(self, f"{job}_failures_in_row") + 1)

    def failing(self, job: str) -> bool:
        """Whether `job`'s last run failed: it failed, and has not succeeded since."""
        since: float | None = getattr(self, f"{job}_failing_since")
        last: float | None = getattr(self, f"{job}_last_success")
        return since is not None and (last is None or since > last)


@dataclass(frozen=True)
class Snapshot:
    """Everything the outputs show, computed at `computed_at`."""

    metrics: tuple[Metric, ...]
    evaluations: Mapping[str, Evaluation] = field(default_factory=dict)
    api: Mapping[str, Any] = field(default_factory=dict)  # the running month's JSON
    sources: Mapping[str, RunInfo] = field(default_factory=dict)
    computed_at: datetime | None = None
    ready: bool = False
    # For the status page: the configuration the figures were computed with, open tickets
    # (kind, priority, org) and tickets at risk per clock indicator, each indicator's last 12
    # months, whether the last reload succeeded, and the alerts firing (a list of objects or
    # dicts with `name` and optional `severity`, `summary`, `since`; filled by the alerter).
    config: Config | None = None
    open_tickets: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    at_risk: Mapping[str, int] = field(default_factory=dict)
    trends: Mapping[str, Sequence[TrendPoint]] = field(default_factory=dict)
    reload_ok: bool = True
    firing_alerts: Sequence[Any] = ()
    # What each source has in the store now (count, what: tickets, computers …), and the files
    # that failed as a whole and are still there to be mended.
    stored: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    file_failures: Mapping[str, list[FileFailure]] = field(default_factory=dict)
    # The compute's and the purge's successes and failures when the snapshot was built (a
    # copy: the page shows what the metrics show).
    health: JobHealth = field(default_factory=JobHealth)


class SnapshotHolder:
    """Holds the current snapshot; `swap` replaces it atomically. `exposition` renders its
    metrics once per snapshot and format, so a scrape encodes only what changes between
    scrapes (the process and alert collectors)."""

    def __init__(self, initial: Snapshot):
        self._snapshot = initial
        self._rendered: tuple[Snapshot, dict[Any, bytes]] = (initial, {})
        self._lock = threading.Lock()

    @property
    def current(self) -> Snapshot:
        return self._snapshot

    def swap(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshot = snapshot
            self._rendered = (snapshot, {})

    def exposition(self, encoder: Callable[[CollectorRegistry], bytes]) -> bytes:
        """The current snapshot's metrics as `encoder` (a prometheus-client generate_latest)
        writes them, without OpenMetrics' closing `# EOF` line (the rest of the scrape
        follows)."""
        snap, cache = self._rendered
        body = cache.get(encoder)
        if body is None:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_Fixed(snap.metrics))
            body = encoder(registry).removesuffix(b"# EOF\n")
            cache[encoder] = body
        return body


class _Fixed(Collector):
    def __init__(self, metrics: tuple[Metric, ...]):
        self.metrics = metrics

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        yield from self.metrics


class SnapshotCollector(Collector):
    """A prometheus-client collector over the holder. `describe()` returns nothing, so
    registering it runs no query and no collection."""

    def __init__(self, holder: SnapshotHolder):
        self.holder = holder

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        yield from self.holder.current.metrics


@dataclass
class SourceExtras:
    """Per-source figures read from the store at compute time."""

    watermarks: Mapping[str, float] = field(default_factory=dict)
    devices: Mapping[str, int] = field(default_factory=dict)
    #: Tickets the last full resync would have marked gone but held (max_delete_share).
    held_deletions: Mapping[str, int] = field(default_factory=dict)


def build_metrics(config: Config, evaluations: Mapping[str, Evaluation],
                  periods: Mapping[str, Period], runs: Mapping[str, RunInfo],
                  open_tickets: Mapping[tuple[str, str, str], int],
                  at_risk: Mapping[str, int], extras: SourceExtras,
                  reload_ok: bool = True, health: JobHealth | None = None
                  ) -> tuple[Metric, ...]:
    """The metric families (README's metrics list); label sets come from the config, values
    from the results.

    Indicator figures are exported in base units (kpimon.kpi.units): a mean's numerator is a
    sum and scales with its value, a denominator is a count and never does.
    """
    value = GaugeMetricFamily("kpimon_indicator_value", "Indicator value in base units (ratio "
                              "0-1, seconds, count); NaN when there is no value",
                              labels=["indicator", "period"])
    num = GaugeMetricFamily("kpimon_indicator_numerator", "Indicator numerator (a count, or "
                            "a mean's sum in seconds)", labels=["indicator", "period"])
    den = GaugeMetricFamily("kpimon_indicator_denominator", "Indicator denominator (a count)",
                            labels=["indicator", "period"])
    target = GaugeMetricFamily("kpimon_indicator_target", "Absolute target of the indicator, "
                               "in base units", labels=["indicator"])
    baseline = GaugeMetricFamily("kpimon_indicator_baseline", "What a rise/fall target is "
                                 "compared with, in base units; NaN when there is none yet",
                                 labels=["indicator", "period"])
    status = GaugeMetricFamily("kpimon_indicator_status", "Indicator status (state set: 1 for "
                               "the current status)", labels=["indicator", "period", "status"])
    goal = GaugeMetricFamily("kpimon_goal_status", "Goal status (state set)",
                             labels=["goal", "period", "status"])
    breakdown = GaugeMetricFamily("kpimon_indicator_breakdown_value", "Indicator value per "
                                  "breakdown key, in base units",
                                  labels=["indicator", "period", "dimension", "key"])
    period_info = GaugeMetricFamily("kpimon_period_info", "Which calendar period each running "
                                    "period label stands for", labels=["period", "label"])
    relative = [ind for ind in config.indicators
                if ind.target is not None and ind.target.relative]
    for pname, period in periods.items():
        period_info.add_metric([pname, period.label], 1)
        ev = evaluations.get(pname)
        outcomes = {o.ind.id: o for o in ev.indicators} if ev else {}
        for ind in config.indicators:
            o = outcomes.get(ind.id)
            fig = o.figures if o else None
            value.add_metric([ind.id, pname], _f(to_base(fig.value, ind) if fig else None))
            num.add_metric([ind.id, pname], _f(to_base(fig.numerator, ind) if fig else None))
            den.add_metric([ind.id, pname], _f(fig.denominator if fig else None))
            current = o.status if o else None
            for s in STATUSES:
                status.add_metric([ind.id, pname, s], 1.0 if s == current else 0.0)
            if ind.breakdown:
                dim = ind.breakdown[0]
                keys = list(config.queues if dim == "queue" else config.orgs) + ["other"]
                got = o.breakdown.get(dim, {}) if o else {}
                for key in keys:
                    k = got.get(key)
                    breakdown.add_metric([ind.id, pname, dim, key],
                                         _f(to_base(k.figures.value, ind) if k else None))
        for ind in relative:
            o = outcomes.get(ind.id)
            baseline.add_metric([ind.id, pname],
                                _f(to_base(target_baseline(o), ind) if o else None))
        goal_status = {g.id: g.status for g in ev.goals} if ev else {}
        for g in config.goals:
            for s in STATUSES:
                if s == "no_target":
                    continue
                goal.add_metric([g.id, pname, s], 1.0 if goal_status.get(g.id) == s else 0.0)
    for ind in config.indicators:
        bound = absolute_target(ind)
        if bound is not None:
            target.add_metric([ind.id], _f(to_base(bound, ind)))
    families: list[Metric] = [value, num, den, target, baseline, status, goal, breakdown,
                              period_info, *_info_families(config)]

    open_t = GaugeMetricFamily("kpimon_open_tickets", "Open tickets now",
                               labels=["kind", "priority", "org"])
    for kind in KINDS:
        for prio in PRIORITIES:
            for org in [*config.orgs, "other"]:
                open_t.add_metric([kind, prio, org], float(open_tickets.get((kind, prio, org), 0)))
    risk = GaugeMetricFamily("kpimon_tickets_at_risk", "Open tickets past 75 % of a clock "
                             "indicator's threshold and not yet over it", labels=["indicator"])
    for ind in config.indicators:
        if ind.kind in CLOCK_KINDS:
            risk.add_metric([ind.id], float(at_risk.get(ind.id, 0)))
    families += [open_t, risk]

    up = GaugeMetricFamily("kpimon_source_up", "1 when the source's last collection succeeded",
                           labels=["source"])
    last = GaugeMetricFamily("kpimon_source_last_success_timestamp_seconds",
                             "When the source last succeeded (Unix time)", labels=["source"])
    dur = GaugeMetricFamily("kpimon_source_collect_duration_seconds",
                            "Duration of the last collection", labels=["source"])
    records = CounterMetricFamily("kpimon_source_records", "Records collected",
                                  labels=["source"])
    rejected = CounterMetricFamily("kpimon_source_rejected_records", "Records rejected",
                                   labels=["source"])
    requests = CounterMetricFamily("kpimon_source_requests", "HTTP requests made",
                                   labels=["source"])
    retries = CounterMetricFamily("kpimon_source_retries", "Retried requests",
                                  labels=["source"])
    throttled = CounterMetricFamily("kpimon_source_throttled", "Requests answered with 429",
                                    labels=["source"])
    watermark = GaugeMetricFamily("kpimon_source_watermark_timestamp_seconds",
                                  "Newest `updated` time taken from an incremental source",
                                  labels=["source"])
    devices = GaugeMetricFamily("kpimon_devices", "Computers in the latest inventory snapshot",
                                labels=["source"])
    held = GaugeMetricFamily("kpimon_source_deletions_held", "Tickets the last full resync "
                             "would have marked deleted, held back as more than "
                             "max_delete_share (0 when none)", labels=["source"])
    for src in config.sources:
        r = runs.get(src.name)
        if r is not None and r.last_ok is not None:
            # A source that has never run is not down: it has no `up` series until its
            # first collection ends (docs/operations.md).
            up.add_metric([src.name], 1.0 if r.last_ok else 0.0)
        last.add_metric([src.name], _f(r.last_success if r else None))
        dur.add_metric([src.name], _f(r.last_duration if r else None))
        records.add_metric([src.name], float(r.records_total if r else 0))
        rejected.add_metric([src.name], float(r.rejects_total if r else 0))
        requests.add_metric([src.name], float(r.requests_total if r else 0))
        retries.add_metric([src.name], float(r.retries_total if r else 0))
        throttled.add_metric([src.name], float(r.throttled_total if r else 0))
        if src.kind == "efecte_rest":
            watermark.add_metric([src.name], _f(extras.watermarks.get(src.name)))
            if not src.devices:
                held.add_metric([src.name], float(extras.held_deletions.get(src.name, 0)))
        if src.kind in ("sccm", "inventory_csv") or src.devices:
            devices.add_metric([src.name], _f(extras.devices.get(src.name)))
    families += [up, last, dur, records, rejected, requests, retries, throttled, watermark,
                 devices, held]

    formula = InfoMetricFamily("kpimon_call_formula", "How each call indicator is computed",
                               labels=["indicator"])
    for ind in config.indicators:
        if ind.kind == "call_service_level":
            formula.add_metric([ind.id], {"formula": ind.formula,
                                          "short_abandon": ind.short_abandon_text or "none"})
    reload = GaugeMetricFamily("kpimon_config_last_reload_successful",
                               "1 when the last configuration (re)load succeeded")
    reload.add_metric([], 1.0 if reload_ok else 0.0)
    build = InfoMetricFamily("kpimon_build", "kpimon version")
    build.add_metric([], {"version": __version__})
    families += [formula, reload, build, *_job_families(health or JobHealth())]
    return tuple(families)


def _job_families(health: JobHealth) -> list[Metric]:
    """The compute's and the purge's last success and failures (JobHealth)."""
    out: list[Metric] = []
    for job, what, last, failures in (
            ("compute", "the indicators were last computed", health.compute_last_success,
             health.compute_failures),
            ("purge", "the retention purge last succeeded", health.purge_last_success,
             health.purge_failures)):
        g = GaugeMetricFamily(f"kpimon_{job}_last_success_timestamp_seconds",
                              f"When {what} (Unix time); NaN before the first time")
        g.add_metric([], _f(last))
        c = CounterMetricFamily(f"kpimon_{job}_failures", f"Failed {job} runs since start")
        c.add_metric([], float(failures))
        out += [g, c]
    return out


def _info_families(config: Config) -> list[Metric]:
    """Names, kinds, units and goals of the indicators, and the goals' names, for dashboards
    that show names rather than ids. `unit` is the unit of the metric values (base units)."""
    goals_of: dict[str, list[str]] = {}
    for g in config.goals:
        for ident in g.indicators:
            goals_of.setdefault(ident, []).append(g.id)
    info = InfoMetricFamily("kpimon_indicator", "The indicator's name, kind, unit of its metric "
                            "values and the goals that include it (comma-joined ids)",
                            labels=["indicator"])
    for ind in config.indicators:
        info.add_metric([ind.id], {"name": ind.name, "kind": ind.kind, "unit": base_unit(ind),
                                   "goal": ",".join(goals_of.get(ind.id, []))})
    goal_info = InfoMetricFamily("kpimon_goal", "The goal's name", labels=["goal"])
    for g in config.goals:
        goal_info.add_metric([g.id], {"name": g.name})
    return [info, goal_info]


def is_nan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)
