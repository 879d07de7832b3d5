"""Writing one adapter `Batch` in one transaction: batched, idempotent upserts by natural key.

Tickets are compared with what is stored in chunks (one SELECT per chunk), then inserted and
updated with executemany: never a statement per row. An older `updated` never overwrites a newer
one; a repeat of the same content changes nothing; a second, different row for the same id in
the same file is a reject. When the source has no status history of its own, a change of status
between two snapshots is stored as a derived status change, stamped with the snapshot's
`updated` time (or the collection time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from kpimon.records import (
    Call,
    Device,
    DeviceCount,
    ManualValue,
    QueueInterval,
    Record,
    Reject,
    StatusChange,
    Ticket,
    TicketGone,
)
from kpimon.store import tables as t
from kpimon.timeutil import epoch

CHUNK = 2000


@dataclass
class BatchCounts:
    """What one batch did to the store."""

    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: BatchCounts) -> None:
        for name in ("records", "inserted", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _insert(conn: Connection, table: Any) -> Any:
    """A dialect insert that supports ON CONFLICT (SQLite and PostgreSQL)."""
    return (postgresql.insert(table) if conn.dialect.name == "postgresql"
            else sqlite.insert(table))


def _chunks(items: Iterable[Record | Reject], size: int = CHUNK
            ) -> Iterator[list[Record | Reject]]:
    chunk: list[Record | Reject] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ts(value: Any) -> int | None:
    return None if value is None else epoch(value)


def _ticket_row(tk: Ticket) -> dict[str, Any]:
    return {
        "source": tk.source, "id": tk.id, "kind": tk.kind, "priority": tk.priority,
        "status": tk.status, "created": epoch(tk.created), "updated": _ts(tk.updated),
        "first_response": _ts(tk.first_response), "resolved": _ts(tk.resolved),
        "closed": _ts(tk.closed), "resolved_by_line": tk.resolved_by_line,
        "solution_present": tk.solution_present, "support_group": tk.support_group,
        "org": tk.org, "category": tk.category,
    }


def _hash(row: dict[str, Any]) -> str:
    return hashlib.md5(repr(sorted(row.items())).encode(), usedforsecurity=False).hexdigest()


class BatchWriter:
    """Writes the items of one batch on an open transaction `conn`."""

    def __init__(self, conn: Connection, source: str, label: str, token: int, now: int,
                 derive_history: bool, snapshot: bool, device_source: bool = False):
        self.conn = conn
        self.source = source
        self.label = label
        self.token = token  # identifies this batch on the rows it writes
        self.now = now
        self.derive_history = derive_history
        self.snapshot = snapshot
        self.device_source = device_source  # an inventory: an empty snapshot is an empty set
        self.counts = BatchCounts()
        self.devices: list[Device] = []
        self.device_count: DeviceCount | None = None

    def write(self, items: Iterable[Record | Reject]) -> BatchCounts:
        for chunk in _chunks(items):
            self._write_chunk(chunk)
        self._finish()
        return self.counts

    def _write_chunk(self, chunk: list[Record | Reject]) -> None:
        tickets: list[Ticket] = []
        changes: list[StatusChange] = []
        calls: list[Call] = []
        intervals: list[QueueInterval] = []
        rejects: list[Reject] = []
        for item in chunk:
            if isinstance(item, Ticket):
                tickets.append(item)
            elif isinstance(item, StatusChange):
                changes.append(item)
            elif isinstance(item, Reject):
                rejects.append(item)
            elif isinstance(item, Call):
                calls.append(item)
            elif isinstance(item, QueueInterval):
                intervals.append(item)
            elif isinstance(item, Device):
                self.devices.append(item)
            elif isinstance(item, DeviceCount):
                self.device_count = item
            elif isinstance(item, ManualValue):
                self._manual(item)
            elif isinstance(item, TicketGone):
                self._gone(item)
        if tickets:
            self._tickets(tickets, rejects)
        if changes:
            self._changes(changes)
        if calls:
            self._calls(calls)
        if intervals:
            self._intervals(intervals)
        if rejects:
            self._rejects(rejects)

    # ----------------------------------------------------------------- tickets

    def _tickets(self, batch: list[Ticket], rejects: list[Reject]) -> None:
        rows: dict[str, tuple[dict[str, Any], Ticket]] = {}
        for tk in batch:
            row = _ticket_row(tk)
            row["row_hash"] = _hash(row)
            prev = rows.get(tk.id)
            if prev is not None:
                if prev[0]["row_hash"] != row["row_hash"]:
                    rejects.append(_dup_reject(self.source, self.label, tk))
                else:
                    self.counts.unchanged += 1
                    self.counts.records += 1
                continue
            rows[tk.id] = (row, tk)
        existing: dict[str, Any] = {}
        ids = list(rows)
        for stored in self.conn.execute(
            select(t.tickets.c.id, t.tickets.c.updated, t.tickets.c.row_hash,
                   t.tickets.c.status, t.tickets.c.run_id, t.tickets.c.deleted)
            .where(t.tickets.c.source == self.source, t.tickets.c.id.in_(ids))
        ):
            existing[stored.id] = stored
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        touched: list[dict[str, Any]] = []
        derived: list[dict[str, Any]] = []
        for tid, (row, tk) in rows.items():
            old = existing.get(tid)
            self.counts.records += 1
            if old is None:
                row.update(deleted=False, first_seen=self.now, last_seen=self.now,
                           run_id=self.token, facts_dirty=True)
                inserts.append(row)
                self.counts.inserted += 1
                if self.derive_history:
                    at = row["created"] if row["status"] == "new" else (
                        row["updated"] or self.now)
                    derived.append(_change_row(self.source, tid, at, None, row["status"]))
                continue
            if old.row_hash == row["row_hash"] and not old.deleted:
                self.counts.unchanged += 1
                if self.snapshot:
                    touched.append({"b_id": tid, "last_seen": self.now, "run_id": self.token})
                continue
            if old.run_id == self.token:
                rejects.append(_dup_reject(self.source, self.label, tk))
                self.counts.records -= 1
                continue
            if row["updated"] is not None and old.updated is not None \
                    and row["updated"] < old.updated:
                self.counts.unchanged += 1  # an older snapshot never overwrites a newer one
                if self.snapshot:
                    touched.append({"b_id": tid, "last_seen": self.now, "run_id": self.token})
                continue
            if self.derive_history and old.status != row["status"]:
                derived.append(_change_row(self.source, tid, row["updated"] or self.now,
                                           old.status, row["status"]))
            row.update(b_id=tid, deleted=False, last_seen=self.now, run_id=self.token,
                       facts_dirty=True)
            del row["id"]
            del row["source"]
            updates.append(row)
            self.counts.updated += 1
        if inserts:
            self.conn.execute(insert(t.tickets), inserts)
        if updates:
            cols: dict[str, Any] = {k: bindparam(k) for k in updates[0] if k != "b_id"}
            self.conn.execute(
                update(t.tickets)
                .where(t.tickets.c.source == self.source, t.tickets.c.id == bindparam("b_id"))
                .values(cols), updates)
        if touched:
            self.conn.execute(
                update(t.tickets)
                .where(t.tickets.c.source == self.source, t.tickets.c.id == bindparam("b_id"))
                .values(last_seen=bindparam("last_seen"), run_id=bindparam("run_id")), touched)
        if derived:
            self._insert_changes(derived)

    def _changes(self, changes: list[StatusChange]) -> None:
        rows = [_change_row(c.source, c.ticket_id, epoch(c.at), c.from_status, c.to_status,
                            c.derived) for c in changes]
        self._insert_changes(rows)
        self.counts.records += len(rows)

    def _insert_changes(self, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(_insert(self.conn, t.status_changes).on_conflict_do_nothing(), rows)
        keys = {(r["source"], r["ticket_id"]) for r in rows}
        self.conn.execute(
            update(t.tickets)
            .where(t.tickets.c.source == bindparam("b_source"),
                   t.tickets.c.id == bindparam("b_id"))
            .values(facts_dirty=True),
            [{"b_source": s, "b_id": i} for s, i in keys])

    def _gone(self, item: TicketGone) -> None:
        self.conn.execute(update(t.tickets).where(
            t.tickets.c.source == item.source, t.tickets.c.id == item.id
        ).values(deleted=True, facts_dirty=True))

    # ----------------------------------------------------------------- calls

    def _calls(self, calls: list[Call]) -> None:
        rows = [{"source": c.source, "call_id": c.call_id, "queue": c.queue,
                 "entered": epoch(c.entered), "wait_seconds": int(c.wait_seconds),
                 "outcome": c.outcome} for c in calls]
        stmt = _insert(self.conn, t.calls)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "call_id"],
            set_={k: stmt.excluded[k] for k in ("queue", "entered", "wait_seconds", "outcome")})
        self.conn.execute(stmt, rows)
        self.counts.records += len(rows)

    def _intervals(self, intervals: list[QueueInterval]) -> None:
        rows = [{"source": q.source, "queue": q.queue, "start": epoch(q.start),
                 "end": epoch(q.end), "received": q.received, "answered": q.answered,
                 "abandoned": q.abandoned, "abandoned_short": q.abandoned_short,
                 "wait_seconds_answered_sum": q.wait_seconds_answered_sum} for q in intervals]
        stmt = _insert(self.conn, t.queue_intervals)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "queue", "start"],
            set_={k: stmt.excluded[k] for k in ("end", "received", "answered", "abandoned",
                                                  "abandoned_short",
                                                  "wait_seconds_answered_sum")})
        self.conn.execute(stmt, rows)
        self.conn.execute(delete(t.queue_interval_levels).where(
            tuple_(t.queue_interval_levels.c.source, t.queue_interval_levels.c.queue,
                   t.queue_interval_levels.c.start).in_(
                [(r["source"], r["queue"], r["start"]) for r in rows])))
        levels = [{"source": q.source, "queue": q.queue, "start": epoch(q.start),
                   "threshold": int(s), "answered": int(n)}
                  for q in intervals for s, n in q.answered_within.items()]
        if levels:
            self.conn.execute(insert(t.queue_interval_levels), levels)
        self.counts.records += len(rows)

    # ----------------------------------------------------------------- the rest

    def _manual(self, mv: ManualValue) -> None:
        self.conn.execute(insert(t.manual_values).values(
            indicator=mv.indicator, period=mv.period, value=mv.value,
            entered_at=epoch(mv.entered_at), note=mv.note, author=self.source))
        self.counts.records += 1
        self.counts.inserted += 1

    def _rejects(self, rejects: list[Reject]) -> None:
        self.conn.execute(insert(t.rejects), [
            {"run_id": self.token // 100000, "source": r.source, "location": r.where[:500],
             "row": r.row, "field": r.field, "reason": r.reason[:500], "value": r.value,
             "at": self.now} for r in rejects])
        self.counts.rejected += len(rejects)

    def _finish(self) -> None:
        if self.devices or self.device_count is not None or (
                self.snapshot and self.device_source):
            named = self.device_count is None
            names = sorted({d.name for d in self.devices})
            taken = epoch(self.devices[0].seen_at) if self.devices else (
                epoch(self.device_count.seen_at) if self.device_count else self.now)
            count = len(names) if named else int(self.device_count.count)  # type: ignore[union-attr]
            snap_id = self.conn.execute(insert(t.device_snapshots).values(
                source=self.source, taken_at=taken, count=count, named=named
            ).returning(t.device_snapshots.c.id)).scalar_one()
            if names:
                attrs = {d.name: d.attrs for d in self.devices}
                self.conn.execute(insert(t.devices), [
                    {"snapshot_id": snap_id, "name": n[:255],
                     "attrs": json.dumps(attrs.get(n) or {}, ensure_ascii=False)}
                    for n in names])
            self.counts.records += count if named else 1
            self.counts.inserted += len(names)
        elif self.snapshot and self.counts.records:
            # A full resync of tickets: what it did not contain is gone at the source.
            self.conn.execute(update(t.tickets).where(and_(
                t.tickets.c.source == self.source, t.tickets.c.run_id != self.token,
                t.tickets.c.deleted.is_(False))).values(deleted=True, facts_dirty=True))


def _change_row(source: str, ticket_id: str, at: int, from_status: str | None,
                to_status: str, derived: bool = True) -> dict[str, Any]:
    return {"source": source, "ticket_id": ticket_id, "at": at, "from_status": from_status,
            "to_status": to_status, "derived": derived}


def _dup_reject(source: str, label: str, tk: Ticket) -> Reject:
    return Reject(source, label, tk.row, "id",
                  "duplicate id in the same file with different content", tk.id)
