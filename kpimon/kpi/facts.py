"""Per-ticket facts, computed after each collection for new and changed tickets.

For every ticket the facts pass derives, once, what the period queries then only compare:

* its **resolutions** — each resolved time with the evaluation moments it holds for, by the
  resolved-time rule of `kpi/resolution.py` (closing never moves the resolution; the history
  decides when, the source's own time wins where it fits; DESIGN §3, §7);
* `done_at` (see `resolution.done_at`; NULL while open), so that "open at m" needs only the
  tickets with done_at NULL or after m;
* the statuses its history passed before it was first resolved (for `status_flow`);
* for each **clock** (a calendar, plus pause statuses) the clock positions of created, the
  first response and each resolution: business seconds since the calendar's origin, minus the
  ticket's own paused time. Any elapsed time is then one subtraction in SQL.

A clock whose calendar definition changed is rebuilt for every ticket (see `update`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Connection, delete, func, select, update

from kpimon.config import CLOCK_KINDS, Config
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.resolution import Change, Resolution, done_at, history_of, resolutions
from kpimon.records import DONE_STATUSES
from kpimon.store import Store, save_state
from kpimon.store import facts as store_facts
from kpimon.store import tables as t

CHUNK = 5000


class Progress(Protocol):
    """Told how a facts pass is getting on (a terminal's progress bar)."""

    def update(self, label: str, items: int, done: int, total: int) -> None: ...

FACTS_KINDS = CLOCK_KINDS + ("handling_time", "open_older_than", "oldest_open_age")
_STATE_SOURCE = "_facts"
FACT_COLUMNS = ("source", "ticket_id", "clock", "created_c", "response_at", "response_c")
RESOLUTION_FACT_COLUMNS = ("source", "ticket_id", "resolved_at", "clock", "resolved_c")
RESOLUTION_COLUMNS = ("source", "ticket_id", "resolved_at", "valid_from", "superseded_at",
                      "reopened_at")


@dataclass(frozen=True)
class Clock:
    """A calendar plus the statuses during which a ticket's clock stops."""

    key: str
    calendar: Calendar
    pause: tuple[str, ...]
    signature: str


def clocks_for(config: Config, calendars: Mapping[str, Calendar]) -> dict[str, Clock]:
    """Every clock the configured ticket indicators measure with (24x7 always included)."""
    wanted: dict[str, tuple[str, tuple[str, ...]]] = {"24x7": ("24x7", ())}
    for ind in config.indicators:
        if ind.kind in FACTS_KINDS:
            wanted[ind.clock] = (ind.calendar, tuple(sorted(ind.pause)))
    out = {}
    for key, (cal, pause) in wanted.items():
        sig = hashlib.sha256(repr((config.calendars[cal], pause)).encode()).hexdigest()[:16]
        out[key] = Clock(key, calendars[cal], pause, sig)
    return out


def flow(history: Sequence[Change]) -> tuple[str, str]:
    """(origin, statuses seen before the first resolution) for the status-flow indicator."""
    chosen = history_of(history)
    origin = "derived" if chosen and chosen[0].derived else "source"
    if not chosen:
        return "none", ""
    seen: list[str] = []
    for ch in chosen:
        if ch.from_status and ch.from_status not in seen:
            seen.append(ch.from_status)
        if ch.to_status in DONE_STATUSES:
            break
        if ch.to_status not in seen:
            seen.append(ch.to_status)
    return origin, "," + ",".join(seen) + ","


def pause_intervals(history: Sequence[Change], pause: tuple[str, ...]
                    ) -> list[tuple[int, int | None]]:
    """Intervals during which the ticket sat in a pause status (source history preferred)."""
    chosen = history_of(history)
    out: list[tuple[int, int | None]] = []
    for i, ch in enumerate(chosen):
        if ch.to_status in pause:
            out.append((ch.at, chosen[i + 1].at if i + 1 < len(chosen) else None))
    return out


def clock_position(clock: Clock, t_: int, paused: Sequence[tuple[int, int | None]]) -> int:
    """A ticket's clock position at `t_`: business seconds minus its paused business time."""
    pos = clock.calendar.position(t_)
    for start, end in paused:
        if start >= t_:
            break
        stop = t_ if end is None or end > t_ else end
        pos -= clock.calendar.position(stop) - clock.calendar.position(start)
    return pos


class FactsBuilder:
    """Keeps facts current: call `update()` after each collection, `rebuild()` to recompute."""

    def __init__(self, config: Config, store: Store, calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.clocks = clocks_for(config, calendars)
        self.derive_first_response = {s.name for s in config.sources if s.derive_first_response}

    def rebuild(self, progress: Progress | None = None) -> int:
        """Recompute the facts of every ticket (after a change of calendar or indicator)."""
        with self.store.engine.begin() as conn:
            conn.execute(update(t.tickets).values(facts_dirty=True))
            conn.execute(delete(t.ticket_facts))
            conn.execute(delete(t.resolution_facts))
        return self.update(progress)

    def update(self, progress: Progress | None = None) -> int:
        """Compute facts for dirty tickets, and for all tickets of a clock that changed.

        `progress` (a terminal's progress bar) hears `("facts", done, done, total)` in
        tickets after each chunk."""
        self._check_signatures()
        with self.store.engine.begin() as conn:
            store_facts.clear_dirty(conn)
            total = conn.execute(select(func.count()).select_from(t.tickets).where(
                t.tickets.c.facts_dirty.is_(True))).scalar_one() if progress else 0
        done = 0
        while True:
            with self.store.engine.begin() as conn:
                rows = conn.execute(
                    select(t.tickets).where(t.tickets.c.facts_dirty.is_(True)).limit(CHUNK)
                ).all()
                if not rows:
                    break
                self._chunk(conn, rows)
                done += len(rows)
            if progress is not None:
                progress.update("facts", done, done, max(total, done))
        self._save_signatures()
        return done

    # ------------------------------------------------------------------ internals

    def _check_signatures(self) -> None:
        saved = self.store.load_state(_STATE_SOURCE)
        stale = [c.key for c in self.clocks.values() if saved.get(c.key) != c.signature]
        if not stale:
            return
        with self.store.engine.begin() as conn:
            conn.execute(delete(t.ticket_facts).where(t.ticket_facts.c.clock.in_(stale)))
            conn.execute(delete(t.resolution_facts).where(
                t.resolution_facts.c.clock.in_(stale)))
            conn.execute(update(t.tickets).values(facts_dirty=True))

    def _save_signatures(self) -> None:
        with self.store.engine.begin() as conn:
            save_state(conn, _STATE_SOURCE, {c.key: c.signature for c in self.clocks.values()})

    def _histories(self, conn: Connection, rows: Sequence[Any]
                   ) -> dict[tuple[str, str], list[Change]]:
        by_source: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            by_source[r.source].append(r.id)
        out: dict[tuple[str, str], list[Change]] = defaultdict(list)
        sc = t.status_changes.c
        for source, ids in by_source.items():
            for h in conn.execute(
                select(sc.ticket_id, sc.at, sc.from_status, sc.to_status, sc.derived)
                .where(sc.source == source, sc.ticket_id.in_(ids))
                .order_by(sc.ticket_id, sc.at, sc.id)
            ):
                out[(source, h.ticket_id)].append(
                    Change(h.at, h.from_status, h.to_status, bool(h.derived)))
        return out

    def _chunk(self, conn: Connection, rows: Sequence[Any]) -> None:
        histories = self._histories(conn, rows)
        ticket_updates: list[tuple[Any, ...]] = []
        resolution_rows: list[tuple[Any, ...]] = []
        per_ticket: list[tuple[Any, int | None, list[int], list[Change]]] = []
        for r in rows:
            history = histories.get((r.source, r.id), [])
            found: list[Resolution] = resolutions(r.status, r.created, r.updated, r.resolved,
                                                  r.closed, history)
            response = r.first_response
            if response is None and r.source in self.derive_first_response:
                response = next((c.at for c in history if c.from_status == "new"), None)
            origin, seen = flow(history)
            ticket_updates.append((done_at(found), origin, seen[:200], r.source, r.id))
            resolution_rows.extend((r.source, r.id, x.resolved_at, x.valid_from,
                                    x.superseded_at, x.reopened_at) for x in found)
            per_ticket.append((r, response, [x.resolved_at for x in found], history))
        facts: list[tuple[Any, ...]] = []
        res_facts: list[tuple[Any, ...]] = []
        for clock in self.clocks.values():
            if clock.pause:
                self._paused_facts(clock, per_ticket, facts, res_facts)
            else:
                self._plain_facts(clock, per_ticket, facts, res_facts)
        store_facts.insert_rows(conn, t.resolutions, RESOLUTION_COLUMNS, resolution_rows)
        store_facts.insert_rows(conn, t.ticket_facts, FACT_COLUMNS, facts)
        store_facts.insert_rows(conn, t.resolution_facts, RESOLUTION_FACT_COLUMNS, res_facts)
        store_facts.mark_done(conn, ticket_updates)

    def _plain_facts(self, clock: Clock, per_ticket: list[Any], facts: list[tuple[Any, ...]],
                     res_facts: list[tuple[Any, ...]]) -> None:
        instants: list[int] = []
        for r, response, resolved, _ in per_ticket:
            instants.append(r.created)
            instants.append(response if response is not None else r.created)
            instants.extend(resolved)
        pos = clock.calendar.positions(np.asarray(instants, dtype=np.int64)).tolist()
        i = 0
        for r, response, resolved, _ in per_ticket:
            facts.append((r.source, r.id, clock.key, pos[i], response,
                          pos[i + 1] if response is not None else None))
            i += 2
            for s in resolved:
                res_facts.append((r.source, r.id, s, clock.key, pos[i]))
                i += 1

    def _paused_facts(self, clock: Clock, per_ticket: list[Any], facts: list[tuple[Any, ...]],
                      res_facts: list[tuple[Any, ...]]) -> None:
        for r, response, resolved, history in per_ticket:
            paused = pause_intervals(history, clock.pause)
            facts.append((r.source, r.id, clock.key, clock_position(clock, r.created, paused),
                          response, clock_position(clock, response, paused)
                          if response is not None else None))
            for s in resolved:
                res_facts.append((r.source, r.id, s, clock.key,
                                  clock_position(clock, s, paused)))
