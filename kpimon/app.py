"""The objects one kpimon process works with, built once from the configuration.

`check_build` builds the same objects without a database or a listener, so that a
configuration that would fail once running fails `check-config` (and start-up, and a reload)
with a list of errors instead.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import create_engine

from kpimon.collector import Collector, RunOutcome
from kpimon.config import Config
from kpimon.kpi import results
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.engine import Evaluation, KpiEngine
from kpimon.kpi.facts import FactsBuilder, Progress, clocks_for
from kpimon.periods import Period, containing
from kpimon.store import Store, StoreBusy, statistics

log = logging.getLogger("kpimon")

#: How often the daemon's sender looks for due notifications (seconds).
SEND_EVERY = 2.0

_evaluator_pool: ThreadPoolExecutor | None = None
_evaluator_lock = threading.Lock()


def _evaluators() -> ThreadPoolExecutor:
    """The two threads that evaluate the month and the year, the same ones for every compute
    of the process. A pair of new threads per compute made each cycle's allocations land in
    whichever malloc arena the new threads picked up, and the daemon's resident memory crept
    up by kilobytes per cycle (BENCHMARKS.md, "Scrape", Memory); long-lived threads keep
    their arenas and the memory levels off."""
    global _evaluator_pool
    with _evaluator_lock:
        if _evaluator_pool is None:
            _evaluator_pool = ThreadPoolExecutor(max_workers=2,
                                                 thread_name_prefix="kpimon-eval")
        return _evaluator_pool


def _forget_evaluators() -> None:
    # A forked child has none of its parent's threads: it starts a pool of its own.
    global _evaluator_pool, _evaluator_lock
    _evaluator_pool = None
    _evaluator_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_evaluators)


class SerialFacts:
    """The facts builder with every pass under the store's writer lock (store/lock.py), so
    that passes of several processes, and batches written meanwhile, never interleave: the
    facts stay equal to a rebuild however many processes write the store."""

    def __init__(self, builder: FactsBuilder, store: Store):
        self.builder = builder
        self.store = store

    def update(self, progress: Progress | None = None) -> int:
        with self.store.writer.hold():
            return self.builder.update(progress)

    def rebuild(self, progress: Progress | None = None) -> int:
        with self.store.writer.hold():
            return self.builder.rebuild(progress)

    def refresh(self) -> None:
        """A facts pass if no other writer is at work, else none: a web request answers from
        the facts as they are rather than wait for a long import."""
        try:
            with self.store.writer.hold(timeout=0.5):
                self.builder.update()
        except StoreBusy:
            log.info("facts pass skipped: another writer holds the store")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.builder, name)


@dataclass
class App:
    """Config, store, calendars, collector, facts and engine, wired together."""

    config: Config
    store: Store
    calendars: dict[str, Calendar]
    collector: Collector
    facts: SerialFacts
    engine: KpiEngine
    last_outcomes: dict[str, RunOutcome] = field(default_factory=dict)

    @classmethod
    def build(cls, config: Config, store: Store | None = None) -> App:
        store = store or Store.open(config.database)
        calendars = {name: Calendar.from_config(c) for name, c in config.calendars.items()}
        facts = FactsBuilder(config, store, calendars)
        return cls(config=config, store=store, calendars=calendars,
                   collector=Collector(store, config.tz, config.secrets,
                                       new_facts=facts.new_tickets),
                   facts=SerialFacts(facts, store),
                   engine=KpiEngine(config, store, calendars))

    def collect(self, names: list[str] | None = None, wait_for_settle: bool = False
                ) -> list[RunOutcome]:
        outcomes = []
        for src in self.config.sources:
            if names and src.name not in names:
                continue
            outcome = self.collector.collect(src, wait_for_settle=wait_for_settle)
            self.last_outcomes[src.name] = outcome
            outcomes.append(outcome)
        return outcomes

    def running_periods(self, at: datetime | None = None) -> dict[str, Period]:
        at = at or datetime.now(UTC)
        return {"month": containing("month", at, self.config.tz),
                "year": containing("year", at, self.config.tz)}

    def compute(self, at: datetime | None = None, save: bool = True,
                progress: Progress | None = None) -> dict[str, Evaluation]:
        """Facts for changed tickets, then the running month and year as of `at` (now),
        saved as the latest results. `progress` hears how the facts pass gets on."""
        at = at or datetime.now(UTC)
        self.facts.update(progress)
        statistics.refresh(self.store.engine)  # after a bulk write, before the period queries
        # The month and the year are independent evaluations (each on a connection of its
        # own); the database works on both at once, one per core.
        pool = _evaluators()
        futures = {name: pool.submit(self.engine.evaluate, p, at)
                   for name, p in self.running_periods(at).items()}
        wait(futures.values())  # both end before the compute does, even when one fails
        out = {name: f.result() for name, f in futures.items()}
        if save:
            for ev in out.values():
                results.save_results(self.store, self.config, ev)
        return out

    def evaluate(self, period: Period, at: datetime) -> Evaluation:
        """A period as the board sees it (adopted figures for a closed period)."""
        return results.evaluate(self.store, self.engine, self.config, period, at)

    def save_results(self, period: Period, at: datetime) -> Evaluation:
        ev = self.engine.evaluate(period, at)
        results.save_results(self.store, self.config, ev)
        return ev

    def close_period(self, period: Period, at: datetime, author: str,
                     reason: str | None = None) -> Evaluation:
        return results.close_period(self.store, self.engine, self.config, period, at, author,
                                    reason)


def schedule_triggers(config: Config, now: datetime) -> dict[str, IntervalTrigger]:
    """The daemon's interval jobs by id (`collect:NAME`, `compute`, `send`, `purge`), each
    trigger built and its first run time known, so that a schedule is complete before it
    replaces another. The first collections are 0.2 s apart; the first compute waits one
    `compute_every`, the first purge five minutes."""
    out = {}
    for i, src in enumerate(config.sources):
        out[f"collect:{src.name}"] = IntervalTrigger(
            seconds=src.every, start_date=now + timedelta(seconds=i * 0.2), timezone=UTC)
    out["compute"] = IntervalTrigger(
        seconds=config.compute_every, start_date=now + timedelta(seconds=config.compute_every),
        timezone=UTC)
    if config.alerts.enabled:
        out["send"] = IntervalTrigger(seconds=SEND_EVERY,
                                      start_date=now + timedelta(seconds=SEND_EVERY),
                                      timezone=UTC)
    if config.retention_years:
        out["purge"] = IntervalTrigger(hours=24, start_date=now + timedelta(minutes=5),
                                       timezone=UTC)
    for trigger in out.values():
        trigger.get_next_fire_time(None, now)  # raises for a time beyond what datetime holds
    return out


def check_build(config: Config) -> list[str]:
    """Build what `run` builds from `config` — calendars, clocks, every source's adapter, the
    schedule, the alerting, the web config — against no database and no listener; returns
    an error per part that cannot be built (empty: the configuration is usable)."""
    from kpimon.alerts.alerter import Alerter  # noqa: PLC0415  (only a check needs them here)
    from kpimon.alerts.outbox import Sender  # noqa: PLC0415
    from kpimon.web.webconfig import WebConfigError, load_web_config  # noqa: PLC0415

    errors: list[str] = []

    def attempt(where: str, build: Callable[..., object], *args: Any) -> bool:
        try:
            build(*args)
            return True
        except Exception as e:  # whatever fails here would fail the daemon later
            errors.append(f"{where}: cannot be used: {type(e).__name__}: {e}"[:500])
            return False

    calendars: dict[str, Calendar] = {}
    for name, cal in config.calendars.items():
        attempt(f"calendars.{name}", lambda n, c: calendars.__setitem__(
            n, Calendar.from_config(c)), name, cal)
    if len(calendars) < len(config.calendars):
        return errors  # the rest is built on the calendars
    attempt("indicators", lambda: clocks_for(config, calendars))
    # A store that is never opened: building the app connects to nothing.
    store = Store(create_engine("sqlite://"))
    try:
        app = App(config=config, store=store, calendars=calendars,
                  collector=Collector(store, config.tz, config.secrets),
                  facts=SerialFacts(FactsBuilder(config, store, calendars), store),
                  engine=KpiEngine(config, store, calendars))
        for i, src in enumerate(config.sources):
            attempt(f'sources[{i}] (source "{src.name}")', app.collector.adapter, src)
        attempt("schedule", lambda: schedule_triggers(config, datetime.now(UTC)))
        attempt("alerts", lambda: (Alerter(config, store, app.engine, calendars),
                                   Sender(config, store, calendars)))
    finally:
        store.close()
    if config.http.web_config:
        try:
            load_web_config(config.http.web_config)
        except WebConfigError as e:
            errors.extend(f"http.web_config: {x}" for x in e.errors)
        except Exception as e:
            errors.append(f"http.web_config: cannot be read: {type(e).__name__}: {e}"[:500])
    return errors
