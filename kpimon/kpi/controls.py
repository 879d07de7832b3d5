"""Internal control (`[[controls]]`): each control point's status at each follow-up occasion.

A control backed by indicators takes its status at an occasion from their values over the
year up to that date (`open_older_than` as of the date's end, the counts of `missing_solution`
and `status_flow` since 1 January, `asset_reconciliation`'s latest inventories): the worst of
them, a value ≥ `major` → major deviations, ≥ `minor` → minor, else none; the ids behind each
value are listed. A follow-up recorded by hand (`kpimon control record`, the CSV drop) wins
over that, and is the only source of status for the other controls. An occasion that has not
come yet, or was never followed up, is not started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kpimon.config import Config, ControlConfig, IndicatorConfig
from kpimon.config.controls import AREAS
from kpimon.kpi.engine import KpiEngine
from kpimon.kpi.periods import Period, date_range
from kpimon.store import Store
from kpimon.store.controls import ControlRecord, control_records
from kpimon.timeutil import epoch, localize

SEVERITY = {"none": 0, "minor": 1, "major": 2, "not_started": -1}
ITEM_VERDICTS = ("counted",)


@dataclass
class Reading:
    """One indicator's value at an occasion, its status by the thresholds, and its items."""

    ind: IndicatorConfig
    value: float | None
    status: str
    items: list[str] = field(default_factory=list)


@dataclass
class OccasionOutcome:
    """A follow-up occasion: its status, where it came from, and what backs it."""

    number: int
    date: date
    status: str
    computed: str | None = None  # from the indicators, when the control has any
    readings: list[Reading] = field(default_factory=list)
    record: ControlRecord | None = None


@dataclass
class ControlOutcome:
    control: ControlConfig
    number: int  # 1-based, in the configuration's order (the seed numbers its risks)
    occasions: list[OccasionOutcome]

    @property
    def latest(self) -> OccasionOutcome | None:
        """The last occasion that has been followed up (status other than not started)."""
        done = [o for o in self.occasions if o.status != "not_started"]
        return done[-1] if done else None


def threshold_status(value: float | None, ctl: ControlConfig) -> str:
    if value is None:
        return "not_started"
    if ctl.major is not None and value >= ctl.major:
        return "major"
    if ctl.minor is not None and value >= ctl.minor:
        return "minor"
    return "none"


def _items(rows: list[dict[str, object]]) -> list[str]:
    out = []
    for r in rows:
        if "device" in r:
            out.append(f"{r['device']} ({r['verdict']})")
        elif "ticket" in r and r.get("verdict") in ITEM_VERDICTS:
            out.append(str(r["ticket"]) + (f" ({r['org']})" if r.get("org") else ""))
    return out


def _worst(statuses: list[str]) -> str:
    if not statuses:
        return "not_started"
    return max(statuses, key=lambda s: SEVERITY[s])


class ControlEvaluator:
    """Evaluates the configured controls against the engine and the recorded follow-ups."""

    def __init__(self, config: Config, engine: KpiEngine, store: Store):
        self.config = config
        self.engine = engine
        self.store = store

    def evaluate(self, period: Period, at: datetime) -> list[ControlOutcome]:
        """Every control with its occasions inside `period`, as of `at` (records entered
        after `at` are not seen yet)."""
        records: dict[tuple[str, str], ControlRecord] = {}
        for r in control_records(self.store.engine, epoch(at)):
            records[(r.control, r.occasion)] = r  # oldest first: the latest wins
        out = []
        for n, ctl in enumerate(self.config.controls, start=1):
            occasions = []
            for k, day in enumerate(ctl.occasions, start=1):
                if not period.first <= day <= period.last:
                    continue
                rec = records.get((ctl.id, day.isoformat())) or records.get((ctl.id, str(k)))
                occasions.append(self._occasion(ctl, k, day, rec, at))
            out.append(ControlOutcome(ctl, n, occasions))
        order = {a: i for i, a in enumerate(AREAS)}
        out.sort(key=lambda c: (order.get(c.control.area, len(AREAS)), c.number))
        return out

    def _occasion(self, ctl: ControlConfig, number: int, day: date,
                  rec: ControlRecord | None, at: datetime) -> OccasionOutcome:
        tz = self.config.tz
        day_end = localize(datetime.combine(day + timedelta(days=1), time()), tz)
        due = day_end <= at or day <= at.astimezone(tz).date()
        readings: list[Reading] = []
        computed = None
        if ctl.indicators and due:
            window = date_range(date(day.year, 1, 1), day, tz)
            as_of = min(day_end, at)
            for ident in ctl.indicators:
                ind = self.config.indicator(ident)
                value = self.engine.measure(ind, window, as_of).total.value
                items = _items(self.engine.explain(ind, window, as_of))
                readings.append(Reading(ind, value, threshold_status(value, ctl), items))
            computed = _worst([r.status for r in readings])
        status = rec.status if rec is not None else (computed or "not_started")
        return OccasionOutcome(number, day, status, computed, readings, rec)
