"""The alert job: rules → state changes → the outbox, run after each compute.

For every alert whose state moves, one transaction holds the compare-and-swap of its row and,
when it starts firing or resolves, the notification due for each group it belongs to (an
`INSERT … ON CONFLICT` that at most brings a waiting one forward). A process that loses the
swap to another — two `kpimon run` on one PostgreSQL, or a restart in the middle — writes
nothing, so one change causes one notification.

After the changes, every group is reconciled: what the policy says is due (a repeat, an alert
whose silence ended, a source that came back so its KPI alerts are no longer muted) gets a
scheduled notification. That write is idempotent as well. What a notification finally says is
decided by the sender when it takes it (see outbox.py), from the state then.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Connection

from kpimon.alerts.policy import Mute, Placement, Policy
from kpimon.alerts.rules import RuleEvaluator, RuleInputs
from kpimon.alerts.state import Sample, step
from kpimon.config import Config
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.engine import KpiEngine
from kpimon.store import Store
from kpimon.store import alerts as db
from kpimon.store.alerts import AlertRow, Silence
from kpimon.timeutil import epoch

log = logging.getLogger("kpimon.alerts")


class Alerter:
    """Evaluates the rules and stores what changes; one per configuration."""

    def __init__(self, config: Config, store: Store, engine: KpiEngine,
                 calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.policy = Policy(config.alerts, calendars)
        self.rules = RuleEvaluator(config, store, engine, calendars)
        self.for_ = {r.id: r.for_ for r in config.alerts.rules}

    def run(self, inputs: RuleInputs) -> int:
        """One evaluation at `inputs.now`; returns the number of state changes stored."""
        now = epoch(inputs.now)
        evaluated = self.rules.evaluate(inputs)
        samples = {(s.rule, s.fingerprint): s for s in evaluated.samples}
        with self.store.engine.connect() as conn:
            rows = {r.key: r for r in db.alerts(conn)}
            silences = db.silences(conn, now)
        changes = 0
        for key in sorted(samples.keys() | rows.keys()):
            if key[0] in evaluated.skipped:
                continue
            new = step(rows.get(key), samples.get(key), self.for_.get(key[0], 0), now)
            if new is not None and self._store_change(rows, rows.get(key), new, samples,
                                                      silences, now):
                changes += 1
        self.reconcile(now)
        return changes

    def _store_change(self, rows: dict[tuple[str, str], AlertRow], old: AlertRow | None,
                      new: AlertRow, samples: Mapping[tuple[str, str], Sample],
                      silences: list[Silence], now: int) -> bool:
        with self.store.engine.begin() as conn:
            stored = db.insert_alert(conn, new) if old is None else db.update_alert(conn, new)
            if not stored:
                # Another process moved this alert first; it wrote the notification too.
                log.debug("alert %s/%s changed elsewhere; left to the next evaluation",
                          new.rule, new.fingerprint)
                return False
            if new.state != (old.state if old else None) and new.state in ("firing",
                                                                             "resolved"):
                view = dict(rows)
                view[new.key] = new
                self._schedule(conn, new, list(view.values()), silences, now)
        rows[new.key] = new
        if old is None or old.state != new.state:
            log.info("alert %s %s%s", new.rule, new.state,
                     "".join(f" {k}={v}" for k, v in sorted(new.labels.items())
                             if k in ("indicator", "period", "source")))
        return True

    def _schedule(self, conn: Connection, alert: AlertRow, rows: list[AlertRow],
                  silences: list[Silence], now: int) -> None:
        """In the state change's transaction: the notification each of the alert's groups
        is due for now."""
        mutes = self.policy.mutes(rows, silences, now)
        groups = self.policy.groups(rows)
        for p in self.policy.placements(alert.labels):
            placement, members = groups.get((p.receiver.name, p.group_key), (p, []))
            self._schedule_group(conn, placement, members, mutes, now)

    def _schedule_group(self, conn: Connection, placement: Placement,
                        members: list[AlertRow], mutes: Mapping[str, Mute], now: int) -> None:
        group = db.group(conn, placement.receiver.name, placement.group_key)
        decision = self.policy.decide(placement, members, group, mutes, now)
        if decision is not None:
            db.schedule(conn, placement.receiver.name, placement.channel, placement.group_key,
                        self.policy.hold(placement, decision.due), now)

    def reconcile(self, now: int) -> None:
        """Schedule what every group is due for (repeats, ends of silences and inhibitions,
        groups left to tidy)."""
        with self.store.engine.begin() as conn:
            rows = db.alerts(conn)
            mutes = self.policy.mutes(rows, db.silences(conn, now), now)
            for placement, members in self.policy.groups(rows).values():
                self._schedule_group(conn, placement, members, mutes, now)

