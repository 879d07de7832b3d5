"""The notification policy, with Alertmanager's semantics.

* **Routes**: an alert goes to the first route whose matchers hold (and on to the next ones
  while a matching route says `continue = true`); with none, to `[alerts] receiver` if set.
* **Groups**: within a route, alerts with the same values of the route's `group_by` labels
  form one group, notified together. An Alertmanager receiver is one group: grouping is then
  Alertmanager's business, and kpimon posts every change at once and re-posts what fires every
  `resend_interval`, as Alertmanager expects of its clients.
* **Muting**: a silence mutes the alerts its matchers match while it lasts; a firing
  `source_failing` or `source_stale` alert mutes the indicator and ticket alerts computed from
  that source (automatically), and `[[alerts.inhibit]]` adds Alertmanager-style rules.
* **When** (`decide`): a group is told about alerts it has not been told about after
  `group_wait` (a new group) or `group_interval` (since its last notification); about resolved
  ones at the next `group_interval` (with `send_resolved`); and again every
  `repeat_interval` while anything fires. With `active_calendar`, a due time outside opening
  hours moves to the next opening (`hold`).

Everything here is a pure function of the configuration, the stored alerts and the time, so
the alert job (scheduling) and the sender (deciding the content when a notification is taken)
reach the same answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kpimon.alerts.matchers import matches
from kpimon.config import AlertsConfig, ReceiverConfig, RouteConfig
from kpimon.config.alerts import INDICATOR_RULE_KINDS
from kpimon.kpi.calendar import Calendar
from kpimon.store.alerts import AlertRow, GroupRow, Silence

#: Rule kinds whose firing alert mutes the alerts computed from its source.
SOURCE_DOWN_KINDS = ("source_failing", "source_stale")
#: Rule kinds computed from sources' data, which a source that is down mutes.
KPI_KINDS = (*INDICATOR_RULE_KINDS, "open_older")
#: Alertmanager's own clients mark a firing alert as ending this many resend intervals ahead,
#: so it resolves by itself if they stop re-sending.
AM_ENDS_AFTER = 4


@dataclass(frozen=True)
class Placement:
    """Where an alert's notifications go: a receiver, the route and the group."""

    receiver: ReceiverConfig
    route: RouteConfig
    group_key: str
    group_labels: tuple[tuple[str, str], ...]

    @property
    def channel(self) -> str:
        return self.receiver.channel


@dataclass
class Mute:
    """Why an alert is not notified now."""

    silenced_by: list[int] = field(default_factory=list)
    inhibited_by: list[str] = field(default_factory=list)  # fingerprints of the muting alerts


@dataclass
class Decision:
    """A group's next notification: when, and what it would say if it went now."""

    due: int
    send: bool  # False: nothing to tell, only the notification log to tidy
    reason: str  # firing | resolved | repeat | tidy
    firing: list[AlertRow]
    resolved: list[AlertRow]


class Policy:
    """Routes, groups, muting and timing for one configuration."""

    def __init__(self, config: AlertsConfig, calendars: Mapping[str, Calendar]):
        self.config = config
        self.calendars = calendars
        self.kinds = {r.id: r.kind for r in config.rules}

    # ------------------------------------------------------------------ routing

    def placements(self, labels: Mapping[str, str]) -> list[Placement]:
        routes: list[tuple[int, RouteConfig]] = []
        for i, route in enumerate(self.config.routes):
            if matches(route.match, labels):
                routes.append((i, route))
                if not route.continue_:
                    break
        if not routes and self.config.default_route is not None:
            routes = [(-1, self.config.default_route)]
        out = []
        seen = set()
        for i, route in routes:
            receiver = self.config.receivers.get(route.receiver)
            if receiver is None:
                continue
            glabels: tuple[tuple[str, str], ...] = ()
            if receiver.channel == "alertmanager":
                key = "alertmanager"
            else:
                names = sorted(labels) if "..." in route.group_by else list(route.group_by)
                glabels = tuple((n, labels.get(n, "")) for n in names)
                key = hashlib.sha256(json.dumps([receiver.name, i, glabels]).encode()
                                     ).hexdigest()[:16]
            if (receiver.name, key) not in seen:
                seen.add((receiver.name, key))
                out.append(Placement(receiver, route, key, glabels))
        return out

    def groups(self, rows: Iterable[AlertRow]
               ) -> dict[tuple[str, str], tuple[Placement, list[AlertRow]]]:
        """Every group with its placement and the alerts in it that a notification may
        concern (firing or resolved)."""
        out: dict[tuple[str, str], tuple[Placement, list[AlertRow]]] = {}
        for row in rows:
            if row.state not in ("firing", "resolved"):
                continue
            for p in self.placements(row.labels):
                out.setdefault((p.receiver.name, p.group_key), (p, []))[1].append(row)
        return out

    # ------------------------------------------------------------------ muting

    def mutes(self, rows: Iterable[AlertRow], silences: Iterable[Silence], now: int
              ) -> dict[str, Mute]:
        """Fingerprint → why the alert is muted, for the muted ones."""
        rows = list(rows)
        out: dict[str, Mute] = {}
        active = [s for s in silences if s.active(now)]
        for row in rows:
            for s in active:
                if matches(s.matchers, row.labels):
                    out.setdefault(row.fingerprint, Mute()).silenced_by.append(s.id)
        firing = [r for r in rows if r.state == "firing"]
        down: dict[str, list[str]] = {}
        for r in firing:
            if self.kinds.get(r.rule) in SOURCE_DOWN_KINDS and "source" in r.labels:
                down.setdefault(r.labels["source"], []).append(r.fingerprint)
        for row in rows:
            if self.kinds.get(row.rule) in KPI_KINDS:
                for src in row.sources:
                    for fp in down.get(src, []):
                        _add(out, row.fingerprint, fp)
        for rule in self.config.inhibit:
            muting = [r for r in firing if matches(rule.source_match, r.labels)]
            if not muting:
                continue
            for row in rows:
                if not matches(rule.target_match, row.labels):
                    continue
                for m in muting:
                    if m.fingerprint != row.fingerprint and all(
                            m.labels.get(n, "") == row.labels.get(n, "") for n in rule.equal):
                        _add(out, row.fingerprint, m.fingerprint)
        return out

    # ------------------------------------------------------------------ timing

    def decide(self, placement: Placement, members: list[AlertRow], group: GroupRow | None,
               mutes: Mapping[str, Mute], now: int) -> Decision | None:
        """The group's next notification, or None when there is nothing to tell."""
        receiver, route = placement.receiver, placement.route
        if receiver.channel == "alertmanager":
            wait, interval, repeat, send_resolved = 0, 0, receiver.resend_interval, True
        else:
            wait, interval, repeat = route.group_wait, route.group_interval, \
                route.repeat_interval
            send_resolved = receiver.send_resolved
        firing = [m for m in members if m.state == "firing" and m.fingerprint not in mutes]
        firing.sort(key=lambda m: (m.fired_at or 0, m.rule, m.fingerprint))
        fps = {m.fingerprint for m in firing}
        notified = group.notified if group else frozenset()
        last = group.last_notified if group else None
        by_fp = {m.fingerprint: m for m in members}
        resolved = [by_fp[fp] for fp in sorted(notified) if fp in by_fp and fp not in fps
                    and by_fp[fp].state == "resolved"]
        new = [m for m in firing if m.fingerprint not in notified]
        if new:
            if not notified or last is None:  # a new group waits for its companions
                due = min(now if m.fired_at is None else m.fired_at for m in new) + wait
            else:
                due = last + interval
            return Decision(due, True, "firing", firing, resolved)
        if resolved:
            due = (last if last is not None else now) + interval
            return Decision(due, send_resolved, "resolved" if send_resolved else "tidy",
                            firing, resolved)
        if firing and last is not None:
            return Decision(last + repeat, True, "repeat", firing, [])
        return None

    def hold(self, placement: Placement | None, due: int) -> int:
        """`due`, or the next opening of the route's `active_calendar` if it is closed then."""
        name = placement.route.active_calendar if placement else self.config.active_calendar
        calendar = self.calendars.get(name) if name else None
        if calendar is None:
            return due
        opening = calendar.next_open(due)
        return due if opening is None else opening


def _add(out: dict[str, Mute], target: str, source: str) -> None:
    mute = out.setdefault(target, Mute())
    if source not in mute.inhibited_by:
        mute.inhibited_by.append(source)
