"""Alert rules: what each `[[alerts.rules]]` kind says about the present moment.

`RuleEvaluator.evaluate` turns the latest computed periods, the sources' collection runs and
the daemon's reload state into `Sample`s, one per rule and label set. A rule that cannot be
evaluated this time (no computed period yet, a failed compute) is listed as skipped, so its
alerts keep their state instead of resolving.

Labels: `alertname` and `rule` (the rule's id), `indicator` and `period` or `source` where the
kind has one, and the rule's own `labels`. Ticket ids never become labels: they go in the
`tickets` annotation and the mail (docs/alerts.md). `details` carries the raw figures the mail
shows (value, target, baseline, trend, forecast, tickets, the source's error).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kpimon.alerts.state import Sample
from kpimon.config import Config, IndicatorConfig, RuleConfig
from kpimon.config.alerts import unreachable_applies
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.engine import Evaluation, IndicatorOutcome, KpiEngine
from kpimon.kpi.indicators.base import EvalContext
from kpimon.kpi.indicators.tickets import at_risk_tickets, explain_open
from kpimon.kpi.scope import indicator_sources, ticket_sources
from kpimon.kpi.trend import TrendPoint, last_months, monthly
from kpimon.periods import Period, containing, date_range
from kpimon.store import RunInfo, Store
from kpimon.timeutil import epoch

log = logging.getLogger("kpimon.alerts")

#: How many ticket ids an alert carries (the mail says how many more there are).
MAX_TICKETS = 50
#: How many months back the mail's trend goes.
TREND_MONTHS = 6


@dataclass
class RuleInputs:
    """What the alert job evaluates the rules against."""

    now: datetime
    evaluations: Mapping[str, Evaluation]  # "month" and "year", as computed last
    runs: Mapping[str, RunInfo]
    reload_ok: bool = True
    reload_error: str | None = None
    trends: Mapping[str, Sequence[TrendPoint]] = field(default_factory=dict)  # the page's


@dataclass
class Evaluated:
    samples: list[Sample] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # rules whose alerts keep their state


def base_labels(rule: RuleConfig, **extra: str) -> dict[str, str]:
    return {**rule.labels, "alertname": rule.id, "rule": rule.id, **extra}


class RuleEvaluator:
    """Evaluates the configured rules; built once per configuration."""

    def __init__(self, config: Config, store: Store, engine: KpiEngine,
                 calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.engine = engine
        self.calendars = calendars

    def evaluate(self, inputs: RuleInputs) -> Evaluated:
        out = Evaluated()
        for rule in self.config.alerts.rules:
            try:
                samples = self._rule(rule, inputs)
            except Exception:
                log.exception("alert rule %s could not be evaluated; its alerts stay as they "
                              "are", rule.id)
                samples = None
            if samples is None:
                out.skipped.add(rule.id)
            else:
                out.samples.extend(samples)
        return out

    def _rule(self, rule: RuleConfig, inputs: RuleInputs) -> list[Sample] | None:
        kind = rule.kind
        if kind in ("indicator_status", "target_unreachable"):
            return self._indicator_rule(rule, inputs)
        if kind == "tickets_at_risk":
            return self._at_risk(rule, inputs)
        if kind == "open_older":
            return self._open_older(rule, inputs)
        if kind in ("source_failing", "source_stale"):
            return self._source_health(rule, inputs)
        if kind == "data_quality":
            return self._data_quality(rule)
        if kind == "reload_failed":
            return [Sample(rule.id, kind, base_labels(rule), not inputs.reload_ok,
                           dict(rule.annotations),
                           {"error": inputs.reload_error} if not inputs.reload_ok else {})]
        raise ValueError(f"unknown rule kind {kind!r}")

    # ------------------------------------------------------------------ indicators

    def _indicator_rule(self, rule: RuleConfig, inputs: RuleInputs) -> list[Sample] | None:
        ev = inputs.evaluations.get(rule.period)
        if ev is None:
            return None
        outcomes = {o.ind.id: o for o in ev.indicators}
        if rule.indicators:
            ids = list(rule.indicators)
        elif rule.kind == "indicator_status":
            ids = [i.id for i in self.config.indicators if i.target is not None]
        else:
            ids = [i.id for i in self.config.indicators if unreachable_applies(i)]
        samples = []
        for ident in ids:
            o = outcomes.get(ident)
            if o is None:
                continue
            if rule.kind == "indicator_status":
                active = o.status in rule.statuses
            else:
                active = _unreachable(o)
            details = self._indicator_details(o, ev, inputs, trend=active)
            samples.append(Sample(
                rule.id, rule.kind, base_labels(rule, indicator=ident, period=rule.period),
                active, dict(rule.annotations), details,
                indicator_sources(self.config, o.ind)))
        return samples

    def _indicator_details(self, o: IndicatorOutcome, ev: Evaluation, inputs: RuleInputs,
                           trend: bool) -> dict[str, Any]:
        ind = o.ind
        d: dict[str, Any] = {
            "indicator": ind.id, "name": ind.name, "unit": ind.unit,
            "value": o.figures.value, "numerator": o.figures.numerator,
            "denominator": o.figures.denominator, "status": o.status,
            "target": ind.target.text if ind.target else None,
            # What a rise/fall target compares with; an absolute target compares with itself.
            "baseline": o.baseline if ind.target and ind.target.relative else None,
            "previous": o.previous, "period": ev.period.label,
            "forecast": o.extra.get("forecast"),
        }
        if trend:
            d["trend"] = self._trend(ind, inputs)
        return d

    def _trend(self, ind: IndicatorConfig, inputs: RuleInputs) -> list[dict[str, Any]]:
        """The indicator's value in each of the last TREND_MONTHS whole months, oldest first:
        the compute's own 12-month trend where the daemon has one, else the same helper."""
        points = inputs.trends.get(ind.id)
        if points is None:
            months = last_months(inputs.now, self.config.tz, TREND_MONTHS + 1)
            points = monthly(self.engine, months, inputs.now, only=[ind.id])[ind.id]
        past = list(points)[-TREND_MONTHS - 1:-1]  # the running month is the alert's value
        out = [{"period": p.label, "value": p.value} for p in past]
        # Months without a value say nothing; a trend of nothing is left out.
        return out if any(p["value"] is not None for p in out) else []

    # ------------------------------------------------------------------ tickets

    def _ticket_context(self, conn: Any, now: datetime, period: Period | None = None
                        ) -> EvalContext:
        if period is None:
            # The last year, as the metrics' tickets-at-risk count uses: a ticket still
            # running after a year has long missed every threshold.
            local = now.astimezone(self.config.tz).date()
            period = date_range(local - timedelta(days=366), local, self.config.tz)
        return EvalContext(conn, self.config, period, epoch(now), self.calendars)

    def _at_risk(self, rule: RuleConfig, inputs: RuleInputs) -> list[Sample]:
        ind = self.config.indicator(rule.indicators[0])
        with self.store.engine.connect() as conn:
            tickets = at_risk_tickets(self._ticket_context(conn, inputs.now), ind, rule.share)
        active = len(tickets) >= rule.min_count
        details = {"indicator": ind.id, "name": ind.name, "count": len(tickets),
                   "share": rule.share, "threshold": ind.threshold_text,
                   "tickets": tickets[:MAX_TICKETS]}
        return [Sample(rule.id, rule.kind, base_labels(rule, indicator=ind.id), active,
                       _with_tickets(rule.annotations, tickets), details,
                       indicator_sources(self.config, ind))]

    def _open_older(self, rule: RuleConfig, inputs: RuleInputs) -> list[Sample]:
        # The open_older_than indicator's own query, for the rule's limit and filter.
        ind = IndicatorConfig(id=rule.id, name=rule.id, kind="open_older_than", unit="count",
                              threshold=rule.limit, threshold_text=rule.limit_text,
                              filter=rule.filter)
        with self.store.engine.connect() as conn:
            # Open as of now: the open-ticket query ends at min(period end, now).
            ctx = self._ticket_context(conn, inputs.now,
                                       containing("month", inputs.now, self.config.tz))
            rows = [r for r in explain_open(ctx, ind) if r["verdict"] == "counted"]
        tickets = [{"ticket": r["ticket"], "source": r["source"],
                    "elapsed_seconds": r["elapsed_seconds"]} for r in rows]
        details = {"count": len(tickets), "limit": rule.limit_text, "max": rule.max_count,
                   "tickets": tickets[:MAX_TICKETS]}
        return [Sample(rule.id, rule.kind, base_labels(rule), len(tickets) > rule.max_count,
                       _with_tickets(rule.annotations, tickets), details,
                       ticket_sources(self.config))]

    # ------------------------------------------------------------------ sources

    def _sources(self, rule: RuleConfig) -> list[Any]:
        return [s for s in self.config.sources if not rule.sources or s.name in rule.sources]

    def _source_health(self, rule: RuleConfig, inputs: RuleInputs) -> list[Sample]:
        now = epoch(inputs.now)
        sources = self._sources(rule)
        first = self.store.first_run_started([s.name for s in sources]) \
            if rule.kind == "source_stale" else {}
        samples = []
        for src in sources:
            run = inputs.runs.get(src.name)
            details: dict[str, Any] = {"source": src.name}
            if run is not None:
                details.update(error=run.last_error, last_success=run.last_success,
                               last_ended=run.last_ended)
            if rule.kind == "source_failing":
                active = run is not None and run.last_ok is False
            else:
                after = rule.after or 2 * src.every
                since = run.last_success if run and run.last_success else first.get(src.name)
                # A source that has never run yet (a fresh start) is not stale: it is due.
                active = since is not None and now - since > after
                details["after"] = after
            samples.append(Sample(rule.id, rule.kind, base_labels(rule, source=src.name),
                                  active, dict(rule.annotations), details))
        return samples

    def _data_quality(self, rule: RuleConfig) -> list[Sample]:
        samples = []
        for src in self._sources(rule):
            runs = self.store.recent_runs(src.name, rule.runs + 1)
            details: dict[str, Any] = {"source": src.name}
            active = False
            if runs:
                last, before = runs[0], [r for r in runs[1:] if r.ok]
                read = last.records + last.rejects
                share = last.rejects / read if read else 0.0
                details.update(records=last.records, rejects=last.rejects, reject_share=share,
                               max_reject_share=rule.max_reject_share, run=last.id)
                if rule.max_reject_share is not None and share > rule.max_reject_share:
                    active = True
                if rule.min_records_share is not None and len(before) >= 3:
                    usual = statistics.median(r.records for r in before)
                    details.update(usual=usual, min_records_share=rule.min_records_share)
                    if usual > 0 and last.records < rule.min_records_share * usual:
                        active = True
            samples.append(Sample(rule.id, rule.kind, base_labels(rule, source=src.name),
                                  active, dict(rule.annotations), details))
        return samples


def _unreachable(o: IndicatorOutcome) -> bool:
    """docs/alerts.md: a share whose forecast says it cannot reach its target any more, or a
    cumulative count already past a `<=` (`<`) target."""
    ind = o.ind
    if not unreachable_applies(ind) or ind.target is None or ind.target.number is None:
        return False
    if ind.unit == "ratio":
        forecast = o.extra.get("forecast")
        return forecast is not None and forecast.get("reachable") is False
    value = o.figures.value
    if value is None:
        return False
    bound = ind.target.number
    return value > bound if ind.target.op == "<=" else value >= bound


def _with_tickets(annotations: Mapping[str, str], tickets: list[dict[str, Any]]
                  ) -> dict[str, str]:
    out = dict(annotations)
    if tickets:
        ids = [str(t["ticket"]) for t in tickets[:MAX_TICKETS]]
        more = len(tickets) - len(ids)
        out.setdefault("tickets", ", ".join(ids) + (f" (+{more})" if more > 0 else ""))
    return out
