"""What the outputs show of alerting: metrics, `/api/alerts` and the status page's list.

The alert job and the sender rebuild an `AlertsView` from the store after their work and swap
it into an `AlertsHolder`, so a scrape or a page view reads memory only, like the rest of the
outputs. Counters come from the outbox table, so they survive a restart.

Metrics: `kpimon_alerts_firing{rule}` (firing alerts per configured rule, muted or not),
`kpimon_notifications_total{channel,result}` (result `sent`, `error` for a failed attempt,
`gave_up`), `kpimon_outbox_pending` (notifications waiting for delivery: due, or failed and
waiting for their retry) and `kpimon_outbox_oldest_age_seconds` (how long the oldest of them
has waited; 0 when none).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kpimon.alerts.mail import alert_title
from kpimon.alerts.matchers import format_matcher
from kpimon.alerts.policy import Policy
from kpimon.config import Config
from kpimon.kpi.calendar import Calendar
from kpimon.store import Store
from kpimon.store import alerts as db
from kpimon.store.alerts import OutboxStats, Silence

CHANNELS = ("email", "alertmanager")


@dataclass(frozen=True)
class AlertInfo:
    """One alert that is pending, firing or resolved, for people and the API."""

    rule: str
    kind: str
    fingerprint: str
    state: str
    title: str
    since: int | None  # when it started to hold (pending), fired or resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    severity: str | None
    silenced_by: tuple[int, ...] = ()
    inhibited_by: tuple[str, ...] = ()  # titles of the muting alerts

    @property
    def muted(self) -> bool:
        return bool(self.silenced_by or self.inhibited_by)


@dataclass(frozen=True)
class AlertsView:
    """A consistent picture of alerting at `at`."""

    rules: tuple[str, ...] = ()
    alerts: tuple[AlertInfo, ...] = ()
    silences: tuple[Silence, ...] = ()
    stats: OutboxStats = field(default_factory=lambda: OutboxStats({}, {}, {}, 0, None))
    at: int | None = None
    tz: ZoneInfo | None = None
    language: str = "sv"

    def firing(self) -> list[AlertInfo]:
        """The firing alerts, muted ones last, then by rule: what the status page lists."""
        return sorted((a for a in self.alerts if a.state == "firing"),
                      key=lambda a: (a.muted, a.rule, a.title))

    def page_items(self) -> list[dict[str, str | None]]:
        """The firing alerts as the status page lists them: `name`, `severity`, `summary`
        (why a muted one is muted, else its `summary` annotation) and `since` (local time)."""
        out: list[dict[str, str | None]] = []
        for a in self.firing():
            note: str | None
            sv = self.language == "sv"
            if a.silenced_by:
                note = ("tystat" if sv else "silenced") + " (" + ", ".join(
                    f"#{i}" for i in a.silenced_by) + ")"
            elif a.inhibited_by:
                note = ("dämpat av " if sv else "muted by ") + ", ".join(a.inhibited_by)
            else:
                note = a.annotations.get("summary")
            since = datetime.fromtimestamp(a.since, UTC).astimezone(self.tz).strftime(
                "%Y-%m-%d %H:%M") if a.since else None
            out.append({"name": a.title, "severity": a.severity, "summary": note,
                        "since": since})
        return out

    def _iso(self, ts: int | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(ts, UTC).astimezone(self.tz).isoformat()

    def api(self) -> dict[str, Any]:
        """The `/api/alerts` object."""
        return {
            "evaluated_at": self._iso(self.at),
            "alerts": [{
                "rule": a.rule, "kind": a.kind, "fingerprint": a.fingerprint,
                "state": a.state, "title": a.title, "since": self._iso(a.since),
                "labels": a.labels, "annotations": a.annotations,
                "silenced_by": list(a.silenced_by), "inhibited_by": list(a.inhibited_by),
            } for a in self.alerts],
            "silences": [{
                "id": s.id, "matchers": [format_matcher(m) for m in s.matchers],
                "starts_at": self._iso(s.starts_at), "ends_at": self._iso(s.ends_at),
                "author": s.author, "comment": s.comment,
            } for s in self.silences],
            "outbox": {"pending": self.stats.pending,
                       "waiting_since": self._iso(self.stats.waiting_since)},
        }

    def metrics(self) -> list[Metric]:
        firing = GaugeMetricFamily("kpimon_alerts_firing", "Firing alerts per rule (muted "
                                   "ones included)", labels=["rule"])
        for rule in self.rules:
            firing.add_metric([rule], float(sum(1 for a in self.alerts
                                                if a.rule == rule and a.state == "firing")))
        total = CounterMetricFamily("kpimon_notifications", "Notification delivery attempts "
                                    "by outcome: sent, error (an attempt failed), gave_up",
                                    labels=["channel", "result"])
        for ch in CHANNELS:
            total.add_metric([ch, "sent"], float(self.stats.sent.get(ch, 0)))
            total.add_metric([ch, "error"], float(self.stats.errors.get(ch, 0)))
            total.add_metric([ch, "gave_up"], float(self.stats.gave_up.get(ch, 0)))
        pending = GaugeMetricFamily("kpimon_outbox_pending", "Notifications waiting for "
                                    "delivery (due, or failed and waiting for a retry)")
        pending.add_metric([], float(self.stats.pending))
        oldest = GaugeMetricFamily("kpimon_outbox_oldest_age_seconds", "How long the oldest "
                                   "notification waiting for delivery has waited")
        due = self.stats.waiting_since
        oldest.add_metric([], float(max(0, (self.at or 0) - due)) if due is not None else 0.0)
        return [firing, total, pending, oldest]


def build_view(config: Config, store: Store, calendars: dict[str, Calendar], now: int
               ) -> AlertsView:
    """Read the store and make the view at `now`."""
    policy = Policy(config.alerts, calendars)
    with store.engine.connect() as conn:
        rows = db.alerts(conn)
        silences = db.silences(conn, now)
        stats = db.outbox_stats(conn, now)
    mutes = policy.mutes(rows, silences, now)
    titles = {r.fingerprint: alert_title(r, policy.kinds.get(r.rule), config.language)
              for r in rows}
    infos = []
    for r in rows:
        if r.state == "inactive":
            continue
        mute = mutes.get(r.fingerprint)
        since = {"pending": r.active_since, "firing": r.fired_at,
                 "resolved": r.resolved_at}.get(r.state)
        infos.append(AlertInfo(
            rule=r.rule, kind=policy.kinds.get(r.rule, ""), fingerprint=r.fingerprint,
            state=r.state, title=titles[r.fingerprint], since=since, labels=r.labels,
            annotations=r.annotations, severity=r.labels.get("severity"),
            silenced_by=tuple(mute.silenced_by) if mute and r.state == "firing" else (),
            inhibited_by=tuple(titles.get(fp, fp) for fp in mute.inhibited_by)
            if mute and r.state == "firing" else ()))
    return AlertsView(rules=tuple(r.id for r in config.alerts.rules), alerts=tuple(infos),
                      silences=tuple(silences), stats=stats, at=now, tz=config.tz,
                      language=config.language)


class AlertsHolder(Collector):
    """Holds the current view (swapped whole) and serves its metrics to the registry;
    `describe()` returns nothing, so registering it runs nothing."""

    def __init__(self, view: AlertsView | None = None):
        self._view = view or AlertsView()
        self._lock = threading.Lock()

    @property
    def current(self) -> AlertsView:
        return self._view

    def swap(self, view: AlertsView) -> None:
        with self._lock:
            self._view = view

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        yield from self._view.metrics()
