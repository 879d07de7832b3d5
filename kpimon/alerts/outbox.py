"""The sender: delivers due notifications from the outbox, exactly once where it can.

`Sender.deliver_due` is the one send path (a leader lock, where several instances run, gates
this call and nothing else). For each due notification it

1. **takes it**: a compare-and-swap from `scheduled`/`ready` (or from `sending` whose lease ran
   out) to `sending`, owned by this sender until `lease_until`;
2. for a `scheduled` one, in the same transaction, **decides its content** from the alerts as
   they are now (policy.decide: the group's firing alerts, resolved ones to announce), renders
   the mail under a new Message-ID, stores both in the row and records in the group what it
   was told — or marks the row `skipped` when nothing is left to say;
3. **delivers** it outside any transaction, cut off before the lease ends, so no other sender
   can take it while this one may still be talking to the relay;
4. **records** the outcome: `sent` with the server's answer; a retry at `due_at` with back-off
   (10 s doubling to 10 min) and the error; or, once it is older than `give_up_after` or the
   server refused it for good, `failed`, with an error in the log.

Two senders on one database each take different rows; a restart finds the row where it was.
The one window SMTP leaves open is a sender killed after the relay took the message but before
step 4: the row's lease runs out and it is sent again — one duplicate, carrying the same
Message-ID, which mail clients and archives use to recognise it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection

from kpimon.alerts.alertmanager import AlertmanagerTransport, payload
from kpimon.alerts.errors import DeliveryError
from kpimon.alerts.mail import (
    MailAlert,
    MailRenderer,
    alert_title,
    build_message,
    message_id,
)
from kpimon.alerts.policy import Mute, Placement, Policy
from kpimon.alerts.smtp import SmtpTransport
from kpimon.config import Config, ReceiverConfig
from kpimon.kpi.calendar import Calendar
from kpimon.store import Store
from kpimon.store import alerts as db
from kpimon.store.alerts import AlertRow, Notification
from kpimon.timeutil import epoch

log = logging.getLogger("kpimon.alerts")

#: Back-off between attempts: 10 s, doubling, at most 10 minutes.
BACKOFF_FIRST = 10
BACKOFF_MAX = 600
#: What a lease adds to the longest a send may take, for the bookkeeping around it.
LEASE_MARGIN = 5


class _Lost(Exception):
    """A compare-and-swap found another process first: undo this transaction."""


def backoff(attempts: int) -> int:
    """Seconds before attempt `attempts + 1` (after `attempts` failed ones)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


class Sender:
    """Takes, prepares and delivers notifications; one per configuration."""

    def __init__(self, config: Config, store: Store, calendars: dict[str, Calendar],
                 clock: Callable[[], datetime] | None = None,
                 smtp: SmtpTransport | None = None):
        self.config = config
        self.alerts = config.alerts
        self.store = store
        self.policy = Policy(config.alerts, calendars)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.renderer = MailRenderer(config.language, config.tz, config.alerts.templates,
                                     config.alerts.external_url)
        self.smtp = smtp or (SmtpTransport(config.alerts.smtp) if config.alerts.smtp else None)
        # Who holds a claim: unique per process and sender, readable in the table.
        self.me = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"

    # ------------------------------------------------------------------ the send path

    def deliver_due(self, limit: int = 50,
                    may_send: Callable[[], bool] = lambda: True) -> int:
        """Deliver what is due now; returns how many notifications were sent. `may_send` is
        asked before each one (the leader proving its lock): False stops the round."""
        now = epoch(self.clock())
        with self.store.engine.connect() as conn:
            candidates = db.due(conn, now, limit)
        sent = 0
        for n in candidates:
            if not may_send():
                break
            try:
                taken = self._take(n, now)
            except _Lost:
                continue
            if taken is not None and self._deliver(taken):
                sent += 1
        return sent

    def _lease(self, receiver: ReceiverConfig | None) -> int:
        return int(self._deadline(receiver)) + LEASE_MARGIN

    def _deadline(self, receiver: ReceiverConfig | None) -> float:
        if receiver is not None and receiver.channel == "alertmanager":
            return AlertmanagerTransport(receiver).deadline
        return self.smtp.deadline if self.smtp else 30.0

    def _take(self, n: Notification, now: int) -> Notification | None:
        """Claim `n` (and fix its content if it has none yet); None when there is nothing to
        deliver (taken by another sender, held for opening hours, or nothing to say)."""
        receiver = self.alerts.receivers.get(n.receiver)
        with self.store.engine.begin() as conn:
            if n.status in ("scheduled", "ready"):
                held = self.policy.hold(self._group_now(conn, n, now)[0], now)
                if held > now:  # outside opening hours: wait for the opening
                    db.postpone(conn, n.id, held)
                    return None
            if not db.claim(conn, n.id, n.status, self.me, now, now + self._lease(receiver)):
                return None
            if n.status != "scheduled":
                return db.notification(conn, n.id)  # its content is fixed: send it again
            # Read again now that this transaction writes: what the group is told comes from
            # the state as it is once the notification is ours.
            placement, members, mutes, rows = self._group_now(conn, n, now)
            if receiver is None or placement is None:
                db.finish(conn, n.id, self.me, "skipped", now,
                          error="the receiver or its route is no longer configured")
                return None
            group = db.group(conn, n.receiver, n.group_key)
            decision = self.policy.decide(placement, members, group, mutes, now)
            if decision is not None and self.policy.hold(placement, decision.due) > now:
                # Taken early (a repeat scheduled before a change, a row brought forward):
                # the group is due later; this row gives way to one due then.
                db.finish(conn, n.id, self.me, "skipped", now, result="not due yet")
                db.schedule(conn, n.receiver, n.channel, n.group_key,
                            self.policy.hold(placement, decision.due), now)
                return None
            if decision is None or not decision.send:
                # Nothing to tell: tidy the notification log (resolved alerts of a receiver
                # without send_resolved) and skip.
                if decision is not None and group is not None and not db.save_group(
                        conn, group, group.notified - {r.fingerprint for r in
                                                       decision.resolved},
                        group.last_notified):
                    raise _Lost
                db.finish(conn, n.id, self.me, "skipped", now, result="nothing to notify")
                return None
            self._prepare(conn, n, receiver, decision.firing, decision.resolved,
                          decision.reason, mutes, rows, group.notified if group else frozenset(),
                          now)
            if not db.save_group(conn, group or db.GroupRow(
                    n.receiver, n.group_key, dict(placement.group_labels)),
                    {r.fingerprint for r in decision.firing}, now):
                raise _Lost  # another sender told this group first; roll back
            return db.notification(conn, n.id)

    def _group_now(self, conn: Connection, n: Notification, now: int
                   ) -> tuple[Placement | None, list[AlertRow], dict[str, Mute],
                              list[AlertRow]]:
        rows = db.alerts(conn)
        mutes = self.policy.mutes(rows, db.silences(conn, now), now)
        found = self.policy.groups(rows).get((n.receiver, n.group_key))
        if found is None:  # no alert routes to this group any more (a changed configuration)
            return None, [], mutes, rows
        return found[0], found[1], mutes, rows

    def _prepare(self, conn: Connection, n: Notification, receiver: ReceiverConfig,
                 firing: list[AlertRow], resolved: list[AlertRow], reason: str,
                 mutes: dict[str, Mute], rows: list[AlertRow], told: frozenset[str],
                 now: int) -> None:
        """Fix the notification's content in its row; `told` is what the group's previous
        notification said was firing."""
        if receiver.channel == "alertmanager":
            body = json.dumps(payload(firing, resolved, receiver, self.alerts.external_url,
                                      now), ensure_ascii=False)
            names = ", ".join(r.rule for r in firing or resolved)
            db.set_content(conn, n.id, self.me, message_id=f"kpimon.{n.id}",
                           subject=f"{len(firing)} firing, {len(resolved)} resolved: {names}",
                           recipients=list(receiver.alertmanager), payload=body, now=now)
            return
        lang = self.config.language
        kinds = self.policy.kinds
        titles = {r.fingerprint: alert_title(r, kinds.get(r.rule), lang) for r in rows}
        firing_now = {r.fingerprint for r in rows if r.state == "firing"}

        def mail_alert(r: AlertRow) -> MailAlert:
            # The firing alerts this one mutes (a source's mail says which it silences).
            muted = sorted(titles[fp] for fp, m in mutes.items()
                           if r.fingerprint in m.inhibited_by and fp in firing_now)
            return MailAlert(rule=r.rule, kind=kinds.get(r.rule, ""), state=r.state,
                             title=titles[r.fingerprint], labels=r.labels,
                             annotations=r.annotations, details=r.details,
                             fired_at=r.fired_at, resolved_at=r.resolved_at, mutes=muted,
                             new=r.fingerprint not in told)

        def order(alerts: list[MailAlert]) -> list[MailAlert]:
            return sorted(alerts, key=lambda a: (a.fired_at or 0, a.title))

        subject, text, html = self.renderer.render(
            order([mail_alert(r) for r in firing]), order([mail_alert(r) for r in resolved]),
            reason, now)
        from_addr = self.alerts.from_addr or "kpimon@localhost"
        msgid = message_id(n.id, from_addr)
        msg = build_message(from_addr=from_addr, to=list(receiver.email), subject=subject,
                            text=text, html=html, msgid=msgid, now=now)
        db.set_content(conn, n.id, self.me, message_id=msgid, subject=subject,
                       recipients=list(receiver.email), payload=msg.decode("ascii"), now=now)

    def _deliver(self, n: Notification) -> bool:
        """One attempt; records its outcome. True when delivered."""
        receiver = self.alerts.receivers.get(n.receiver)
        try:
            if receiver is None:
                raise DeliveryError(f"no receiver named {n.receiver!r} any more",
                                    permanent=True)
            if n.payload is None:
                raise DeliveryError("the notification has no content", permanent=True)
            result = self._send(n, receiver)
        except DeliveryError as e:
            self._failed(n, str(e), e.permanent)
            return False
        with self.store.engine.begin() as conn:
            if not db.finish(conn, n.id, self.me, "sent", epoch(self.clock()),
                             result=result):
                log.warning("notification %d was sent, but its claim had run out (another "
                            "sender may send it again)", n.id)
        log.info("notification %d to %s sent: %s (%s)", n.id, n.receiver, n.subject, result)
        return True

    def _send(self, n: Notification, receiver: ReceiverConfig) -> str:
        assert n.payload is not None
        if receiver.channel == "alertmanager":
            return AlertmanagerTransport(receiver).send(n.payload)
        if self.smtp is None:
            raise DeliveryError("no [alerts] smtp relay is configured", permanent=True)
        return self.smtp.send(self.alerts.from_addr or "", n.recipients,
                              n.payload.encode("ascii", "replace"))

    def _failed(self, n: Notification, error: str, permanent: bool) -> None:
        now = epoch(self.clock())
        age = now - n.created_at
        give_up = permanent or age >= self.alerts.give_up_after
        with self.store.engine.begin() as conn:
            if give_up:
                db.finish(conn, n.id, self.me, "failed", now, error=error)
            else:
                retry = self.policy.hold(self._placement(n), now + backoff(n.attempts + 1))
                db.finish(conn, n.id, self.me, "ready", now, error=error, due_at=retry)
        if give_up:
            why = "refused for good" if permanent else f"still failing after {age} s"
            log.error("notification %d to %s given up (%s): %s", n.id, n.receiver, why, error)
        else:
            log.warning("notification %d to %s failed (attempt %d), retrying: %s", n.id,
                        n.receiver, n.attempts + 1, error)

    def _placement(self, n: Notification) -> Placement | None:
        with self.store.engine.connect() as conn:
            return self._group_now(conn, n, epoch(self.clock()))[0]

    # ------------------------------------------------------------------ alerts test

    def send_test(self, to: list[str]) -> str:
        """`kpimon alerts test`: one mail through the relay now, outside the outbox; returns
        the relay's answer (DeliveryError when it fails)."""
        if self.smtp is None:
            raise DeliveryError("no [alerts] smtp relay is configured", permanent=True)
        now = epoch(self.clock())
        cfg = self.smtp.config
        subject, text = self.renderer.render_test(f"{cfg.host}:{cfg.port}", now)
        from_addr = self.alerts.from_addr or "kpimon@localhost"
        msg = build_message(from_addr=from_addr, to=to, subject=subject, text=text, html=None,
                            msgid=message_id(0, from_addr), now=now)
        return self.smtp.send(from_addr, to, msg)

