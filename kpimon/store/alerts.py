"""The SQL of alerting: alert state, notification groups, the outbox and silences.

Every function takes an open connection, so that the caller decides what one transaction
holds: an alert's state change and the notification it causes go in one (`engine.begin()`).
Changes that another process may make at the same moment are compare-and-swaps — an UPDATE
that names the version (or status) it expects and reports whether it found it — so the loser
of a race learns it lost and backs off instead of doing the work twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update

from kpimon.store import tables as t
from kpimon.store.writer import _insert


@dataclass
class AlertRow:
    """One alert as stored: labels, what the mail shows, and where it is in its life."""

    rule: str
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    state: str = "inactive"
    active_since: int | None = None
    fired_at: int | None = None
    resolved_at: int | None = None
    evaluated_at: int = 0
    version: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.fingerprint)


@dataclass
class GroupRow:
    """What a notification group was last told (Alertmanager's notification log)."""

    receiver: str
    group_key: str
    labels: dict[str, str]
    notified: frozenset[str] = frozenset()
    last_notified: int | None = None
    version: int = 0


@dataclass
class Notification:
    """One outbox row."""

    id: int
    receiver: str
    channel: str
    group_key: str
    status: str
    created_at: int
    due_at: int
    attempts: int
    message_id: str | None
    subject: str | None
    recipients: list[str]
    payload: str | None
    claimed_by: str | None
    lease_until: int | None
    sent_at: int | None
    result: str | None
    last_error: str | None


@dataclass
class Silence:
    """A silence: alerts whose labels match every matcher are not notified until `ends_at`."""

    id: int
    matchers: list[tuple[str, str, str]]
    starts_at: int
    ends_at: int
    author: str
    comment: str
    created_at: int

    def active(self, now: int) -> bool:
        return self.starts_at <= now < self.ends_at


# --------------------------------------------------------------------------- alert state

def _alert(r: Any) -> AlertRow:
    return AlertRow(
        rule=r.rule, fingerprint=r.fingerprint, labels=json.loads(r.labels),
        annotations=json.loads(r.annotations), details=json.loads(r.details),
        sources=tuple(s for s in r.sources.split(",") if s), state=r.state,
        active_since=r.active_since, fired_at=r.fired_at, resolved_at=r.resolved_at,
        evaluated_at=r.evaluated_at, version=r.version)


def _alert_values(row: AlertRow) -> dict[str, Any]:
    return {
        "labels": json.dumps(row.labels, sort_keys=True, ensure_ascii=False),
        "annotations": json.dumps(row.annotations, sort_keys=True, ensure_ascii=False),
        "details": json.dumps(row.details, sort_keys=True, ensure_ascii=False, default=str),
        "sources": ",".join(row.sources)[:1000], "state": row.state,
        "active_since": row.active_since, "fired_at": row.fired_at,
        "resolved_at": row.resolved_at, "evaluated_at": row.evaluated_at,
    }


def alerts(conn: Connection) -> list[AlertRow]:
    """Every stored alert."""
    a = t.alert_state.c
    return [_alert(r) for r in conn.execute(select(t.alert_state).order_by(a.rule,
                                                                            a.fingerprint))]


def insert_alert(conn: Connection, row: AlertRow) -> bool:
    """Store a new alert at version 1; False when another process stored it first."""
    stmt = _insert(conn, t.alert_state).values(
        rule=row.rule, fingerprint=row.fingerprint, version=1, **_alert_values(row)
    ).on_conflict_do_nothing(index_elements=["rule", "fingerprint"])
    # RETURNING says whether the row went in; an INSERT's rowcount is not reliable everywhere.
    if conn.execute(stmt.returning(t.alert_state.c.version)).first() is None:
        return False
    row.version = 1
    return True


def update_alert(conn: Connection, row: AlertRow) -> bool:
    """Compare-and-swap: write `row` if the stored version is still `row.version`; on success
    `row.version` is the new one."""
    a = t.alert_state.c
    done = conn.execute(update(t.alert_state).where(
        a.rule == row.rule, a.fingerprint == row.fingerprint, a.version == row.version
    ).values(version=row.version + 1, **_alert_values(row))).rowcount == 1
    if done:
        row.version += 1
    return done


# --------------------------------------------------------------------------- groups

def _group(r: Any) -> GroupRow:
    return GroupRow(r.receiver, r.group_key, json.loads(r.labels),
                    frozenset(json.loads(r.notified)), r.last_notified, r.version)


def groups(conn: Connection) -> dict[tuple[str, str], GroupRow]:
    return {(g.receiver, g.group_key): g for g in map(_group, conn.execute(
        select(t.alert_groups)))}


def group(conn: Connection, receiver: str, group_key: str) -> GroupRow | None:
    g = t.alert_groups.c
    r = conn.execute(select(t.alert_groups).where(g.receiver == receiver,
                                                  g.group_key == group_key)).first()
    return _group(r) if r else None


def save_group(conn: Connection, row: GroupRow, notified: Iterable[str],
               last_notified: int | None) -> bool:
    """Compare-and-swap on the group's version (version 0: the group is new)."""
    values = {"labels": json.dumps(row.labels, sort_keys=True, ensure_ascii=False),
              "notified": json.dumps(sorted(notified)), "last_notified": last_notified,
              "version": row.version + 1}
    if row.version == 0:
        stmt = _insert(conn, t.alert_groups).values(
            receiver=row.receiver, group_key=row.group_key, **values
        ).on_conflict_do_nothing(index_elements=["receiver", "group_key"])
        return conn.execute(stmt.returning(t.alert_groups.c.version)).first() is not None
    g = t.alert_groups.c
    return bool(conn.execute(update(t.alert_groups).where(
        g.receiver == row.receiver, g.group_key == row.group_key, g.version == row.version
    ).values(**values)).rowcount == 1)


# --------------------------------------------------------------------------- outbox

def _notification(r: Any) -> Notification:
    return Notification(
        id=r.id, receiver=r.receiver, channel=r.channel, group_key=r.group_key, status=r.status,
        created_at=r.created_at, due_at=r.due_at, attempts=r.attempts, message_id=r.message_id,
        subject=r.subject, recipients=json.loads(r.recipients) if r.recipients else [],
        payload=r.payload, claimed_by=r.claimed_by, lease_until=r.lease_until,
        sent_at=r.sent_at, result=r.result, last_error=r.last_error)


def schedule(conn: Connection, receiver: str, channel: str, group_key: str, due_at: int,
             now: int) -> None:
    """Make sure the group has a `scheduled` notification due by `due_at`: a new row, or the
    waiting one brought forward (never put back)."""
    n = t.notifications
    stmt = _insert(conn, n).values(receiver=receiver, channel=channel, group_key=group_key,
                                   status="scheduled", created_at=now, due_at=due_at,
                                   attempts=0)
    stmt = stmt.on_conflict_do_update(
        index_elements=["receiver", "group_key"], index_where=n.c.status == "scheduled",
        set_={"due_at": case((stmt.excluded.due_at < n.c.due_at, stmt.excluded.due_at),
                             else_=n.c.due_at)})
    conn.execute(stmt)


def due(conn: Connection, now: int, limit: int = 50) -> list[Notification]:
    """Notifications to work on now: due ones, and ones whose sender's lease ran out (it
    died, or was cut off, inside a send)."""
    c = t.notifications.c
    return [_notification(r) for r in conn.execute(
        select(t.notifications).where(_takeable(now)).order_by(c.due_at, c.id).limit(limit))]


def _takeable(now: int) -> Any:
    c = t.notifications.c
    return or_(and_(c.status.in_(("scheduled", "ready")), c.due_at <= now),
               and_(c.status == "sending", c.lease_until < now))


def claim(conn: Connection, ident: int, status: str, me: str, now: int, lease_until: int
          ) -> bool:
    """Take a notification that is still in `status` for sending until `lease_until`; False
    when another sender has it or changed it (or it is no longer due)."""
    c = t.notifications.c
    return bool(conn.execute(update(t.notifications).where(
        c.id == ident, c.status == status, _takeable(now))
                             .values(status="sending", claimed_by=me, lease_until=lease_until)
                             ).rowcount == 1)


def set_content(conn: Connection, ident: int, me: str, *, message_id: str, subject: str,
                recipients: list[str], payload: str, now: int) -> None:
    """Fix a claimed notification's content: every later attempt sends exactly this. Its
    age (for giving up) counts from now, when there is something to deliver."""
    c = t.notifications.c
    conn.execute(update(t.notifications).where(c.id == ident, c.claimed_by == me).values(
        message_id=message_id, subject=subject[:1000], recipients=json.dumps(recipients),
        payload=payload, created_at=now))


def postpone(conn: Connection, ident: int, due_at: int) -> None:
    """Move a waiting notification (scheduled or ready) to `due_at` (opening hours)."""
    c = t.notifications.c
    conn.execute(update(t.notifications).where(
        c.id == ident, c.status.in_(("scheduled", "ready"))).values(due_at=due_at))


def finish(conn: Connection, ident: int, me: str, status: str, now: int, *,
           result: str | None = None, error: str | None = None,
           due_at: int | None = None) -> bool:
    """Record the outcome of an attempt by the sender holding the claim: `sent`, `ready`
    (a retry at `due_at`), `failed` (given up) or `skipped`. False when the claim was lost."""
    c = t.notifications.c
    values: dict[str, Any] = {"status": status, "claimed_by": None, "lease_until": None}
    if status in ("sent", "ready", "failed"):
        values["attempts"] = c.attempts + 1
    if status == "sent":
        values["sent_at"] = now
    if result is not None:
        values["result"] = result[:1000]
    if error is not None:
        values["last_error"] = error[:1000]
    if due_at is not None:
        values["due_at"] = due_at
    return bool(conn.execute(update(t.notifications).where(
        c.id == ident, c.claimed_by == me, c.status == "sending").values(**values)
    ).rowcount == 1)


def notification(conn: Connection, ident: int) -> Notification | None:
    r = conn.execute(select(t.notifications).where(t.notifications.c.id == ident)).first()
    return _notification(r) if r else None


def notifications(conn: Connection, limit: int = 100) -> list[Notification]:
    """The newest notifications first."""
    c = t.notifications.c
    return [_notification(r) for r in conn.execute(
        select(t.notifications).order_by(c.id.desc()).limit(limit))]


@dataclass(frozen=True)
class OutboxStats:
    """For the metrics: delivery outcomes per channel, and what waits."""

    sent: Mapping[str, int]  # channel → notifications delivered
    errors: Mapping[str, int]  # channel → failed attempts (retried or given up)
    gave_up: Mapping[str, int]  # channel → notifications given up
    pending: int  # waiting for delivery: due, or being retried
    waiting_since: int | None  # since when the oldest of them has waited


def outbox_stats(conn: Connection, now: int) -> OutboxStats:
    c = t.notifications.c
    sent: dict[str, int] = {}
    errors: dict[str, int] = {}
    gave_up: dict[str, int] = {}
    failed_attempts = c.attempts - case((c.status == "sent", 1), else_=0)
    for r in conn.execute(select(
            c.channel, c.status, func.count().label("n"),
            func.coalesce(func.sum(failed_attempts), 0).label("errors"))
            .group_by(c.channel, c.status)):
        errors[r.channel] = errors.get(r.channel, 0) + max(0, int(r.errors))
        if r.status == "sent":
            sent[r.channel] = int(r.n)
        elif r.status == "failed":
            gave_up[r.channel] = int(r.n)
    # Waiting: what has content and is not delivered (a retry included, whenever it is due),
    # since it got its content; and a group notification that is due, since it fell due.
    waiting = or_(c.status.in_(("ready", "sending")),
                  and_(c.status == "scheduled", c.due_at <= now))
    since = case((c.status == "scheduled", c.due_at), else_=c.created_at)
    row = conn.execute(select(func.count(), func.min(since)).where(waiting)).one()
    return OutboxStats(sent, errors, gave_up, int(row[0]), row[1])


# --------------------------------------------------------------------------- silences

def _silence(r: Any) -> Silence:
    return Silence(r.id, [tuple(m) for m in json.loads(r.matchers)],  # type: ignore[misc]
                   r.starts_at, r.ends_at, r.author, r.comment, r.created_at)


def add_silence(conn: Connection, matchers: list[tuple[str, str, str]], starts_at: int,
                ends_at: int, author: str, comment: str, now: int) -> int:
    return int(conn.execute(insert(t.silences).values(
        matchers=json.dumps([list(m) for m in matchers], ensure_ascii=False),
        starts_at=starts_at, ends_at=ends_at, author=author[:64], comment=comment[:500],
        created_at=now).returning(t.silences.c.id)).scalar_one())


def silences(conn: Connection, now: int | None = None) -> list[Silence]:
    """Every silence (newest first), or only those not yet ended at `now`."""
    s = t.silences.c
    query = select(t.silences).order_by(s.id.desc())
    if now is not None:
        query = query.where(s.ends_at > now)
    return [_silence(r) for r in conn.execute(query)]


def expire_silence(conn: Connection, ident: int, now: int) -> bool:
    """End a silence now; False when there is no such silence or it has already ended."""
    s = t.silences.c
    return bool(conn.execute(update(t.silences).where(s.id == ident, s.ends_at > now)
                             .values(ends_at=now)).rowcount == 1)
