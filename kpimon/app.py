"""The objects one kpimon process works with, built once from the configuration."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kpimon.collector import Collector, RunOutcome
from kpimon.config import Config
from kpimon.kpi import results
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.engine import Evaluation, KpiEngine
from kpimon.kpi.facts import FactsBuilder, Progress
from kpimon.periods import Period, containing
from kpimon.store import Store, statistics

log = logging.getLogger("kpimon")


@dataclass
class App:
    """Config, store, calendars, collector, facts and engine, wired together."""

    config: Config
    store: Store
    calendars: dict[str, Calendar]
    collector: Collector
    facts: FactsBuilder
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
                   facts=facts,
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
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kpimon-eval") as pool:
            futures = {name: pool.submit(self.engine.evaluate, p, at)
                       for name, p in self.running_periods(at).items()}
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
