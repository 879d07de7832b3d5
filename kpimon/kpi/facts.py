"""Per-ticket facts, computed after each collection for new and changed tickets.

For every ticket the facts pass derives, once, what the period queries then only compare:

* its **resolutions** — each resolved time with the evaluation moments it holds for, by the
  resolved-time rule of `kpi/resolution.py` (closing never moves the resolution; the history
  decides when, the source's own time wins where it fits; docs/indicators.md);
* `done_at` (see `resolution.done_at`; NULL while open), so that "open at m" needs only the
  tickets with done_at NULL or after m;
* the statuses its history passed before it was first resolved (for `status_flow`), and its
  effective first response (the source's, or derived from the history where the source asks);
* for each **stored clock** (a business calendar, or any calendar with pause statuses) the
  clock positions of created, the first response and each resolution: business seconds since
  the calendar's origin, minus the ticket's own paused time. Any elapsed time is then one
  subtraction in SQL. The plain `24x7` clock is the identity (a position is the instant), so
  nothing is stored for it: the indicators read the tickets' and resolutions' own columns.

How a pass works (the SQL is in `store/facts.py`): dirty tickets are taken in chunks of
`CHUNK` in key order (keyset, no OFFSET), with one range read of their status history each.
Most tickets have no history beyond the derived first change and were never reopened: for them
the rule reduces to a few array operations, done column-wise with numpy for the whole chunk
(`_simple`); the others go through the exact per-ticket path (`_exact`, the rule itself). A
property test holds both to the same facts. Each chunk is written in bulk (multi-row INSERTs on
SQLite, COPY on PostgreSQL) and its tickets are marked done in one UPDATE.

**Transactions.** `update()` runs the signature check in one transaction, then each chunk in a
transaction of its own (a pass cut short leaves the remaining tickets dirty for the next one),
then the PostgreSQL ANALYZE and the saved signatures. `update_in(conn)` does the same pass
entirely inside the caller's open transaction (an import computing the facts of its tickets
before it commits). Neither takes a lock: two passes at once are for the caller to prevent.

A clock whose calendar definition changed is rebuilt for every ticket (see `update`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, delete, update

from kpimon.config import CLOCK_KINDS, Config
from kpimon.kpi.calendar import Calendar
from kpimon.kpi.resolution import Change, Resolution, done_at, history_of, resolutions
from kpimon.records import DONE_STATUSES, STATUSES
from kpimon.store import Store, save_state, settled
from kpimon.store import facts as store_facts
from kpimon.store import tables as t
from kpimon.store.writer import History, RawSql

CHUNK = 20_000
"""Tickets per chunk (one read, one history read, one bulk write of each table)."""
CHUNK_POSTGRESQL = 50_000
"""The same on PostgreSQL, where each of a chunk's dozen statements costs a round trip to the
server and a statement's setup: fewer, larger chunks (memory stays well under the import's)."""
ANALYZE_AFTER = 20_000
"""A pass over at least this many tickets refreshes PostgreSQL's statistics (ANALYZE)."""


class Progress(Protocol):
    """Told how a facts pass is getting on (a terminal's progress bar)."""

    def update(self, label: str, items: int, done: int, total: int) -> None: ...


FACTS_KINDS = CLOCK_KINDS + ("handling_time", "open_older_than", "oldest_open_age")
_STATE_SOURCE = "_facts"
NULL_TIME = -(2 ** 62)  # a NULL time inside the int64 columns of the column-wise path
_NO_PAUSE = np.iinfo(np.int64).max

I64 = npt.NDArray[np.int64]
# Statuses as small codes for the column-wise path; an unknown one (never stored) gets its own.
_OTHER = len(STATUSES)


class _Codes(dict[str, int]):
    def __missing__(self, key: str) -> int:
        return _OTHER


_CODE = _Codes({s: i for i, s in enumerate(STATUSES)})
_RESOLVED, _CLOSED = _CODE["resolved"], _CODE["closed"]
# flow_seen of a ticket whose only change is to its current status (see `flow`).
_SEEN_ONE = np.array([",," if s in DONE_STATUSES else f",{s}," for s in STATUSES] + [",,"],
                     dtype=object)
_ORIGIN = np.array(["none", "derived", "source"], dtype=object)


@dataclass(frozen=True)
class Clock:
    """A calendar plus the statuses during which a ticket's clock stops."""

    key: str
    calendar: Calendar
    pause: tuple[str, ...]
    signature: str

    @property
    def stored(self) -> bool:
        """Whether the facts tables hold its positions (see `is_identity_clock`)."""
        return not is_identity_clock(self.calendar, self.pause)


def is_identity_clock(calendar: Calendar, pause: Sequence[str]) -> bool:
    """An always-open calendar without pause: a position is the instant itself, so nothing is
    stored and the indicators read `tickets.created`, `tickets.response_at` and
    `resolutions.resolved_at` as its positions."""
    return calendar.is_identity and not pause


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


Layout = tuple[int, int, int, int, int, int, int]
"""Where a ticket row holds id, status, created, updated, first_response, resolved and closed
(times in epoch seconds or None): the facts pass's rows and the batch writer's differ."""
ROW_LAYOUT: Layout = (1, 2, 3, 4, 5, 6, 7)
"""The layout of `store.facts.TICKET_COLUMNS` (source, id, status, created, …)."""



class ChunkFacts:
    """What one chunk of one source writes, column-wise (lists per column, in the order of
    `store.facts.FACT_COLUMNS`). The clock facts are kept per stored clock, so that each
    clock's rows go in with the clock as a constant of the statement rather than as a
    parameter a row."""

    def __init__(self) -> None:
        # resolutions: ticket_key, resolved_at, valid_from, superseded_at, reopened_at
        self.res: tuple[list[Any], ...] = ([], [], [], [], [])
        # ticket_facts by clock: ticket_key, created_c, response_c, and the last resolution's
        # resolved_at and resolved_c (NULL: never resolved)
        self.tf: dict[str, tuple[list[Any], ...]] = {}
        # resolution_facts by clock, the earlier resolutions: ticket_key, resolved_at,
        # resolved_c
        self.rf: dict[str, tuple[list[Any], ...]] = {}
        # tickets: id, done_at, flow_origin, flow_seen, response_at
        self.done: tuple[list[Any], ...] = ([], [], [], [], [])

    def clock(self, key: str) -> tuple[tuple[list[Any], ...], tuple[list[Any], ...]]:
        """The (ticket_facts, resolution_facts) column lists of the clock `key`."""
        tf = self.tf.get(key)
        if tf is None:
            tf = self.tf[key] = ([], [], [], [], [])
            self.rf[key] = ([], [], [])
        return tf, self.rf[key]

    def fact_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of each facts table as sorted tuples, in the shape of
        `store.facts.facts_in` (FACT_COLUMNS, led by the clock in the clock tables)."""
        def by_clock(table: dict[str, tuple[list[Any], ...]]) -> list[tuple[Any, ...]]:
            return sorted((key, *row) for key, cols in table.items()
                          for row in zip(*cols, strict=True))

        return {"resolutions": sorted(zip(*self.res, strict=True)),
                "ticket_facts": by_clock(self.tf), "resolution_facts": by_clock(self.rf)}

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of each table, as sorted tuples (for comparing two ways of computing)."""
        return {**self.fact_rows(), "tickets": sorted(zip(*self.done, strict=True))}


def _nullable(a: I64) -> list[Any]:
    """An int64 column as a list, NULL_TIME as None (patched in place of the few, or the
    values placed among Nones when most are NULL: both cheaper than an object array)."""
    null = a == NULL_TIME
    count = int(np.count_nonzero(null))
    if count <= len(a) // 2:
        out: list[Any] = a.tolist()
        if count:
            for i in np.flatnonzero(null).tolist():
                out[i] = None
        return out
    out = [None] * len(a)
    idx = np.flatnonzero(~null)
    for i, v in zip(idx.tolist(), a[idx].tolist(), strict=True):
        out[i] = v
    return out


def _times(col: Sequence[int | None], n: int) -> I64:
    """A time column as int64, None as NULL_TIME. Through float64, which turns None into NaN
    in one C loop: exact, since a stored time lies in 1970–9998, far inside 2**53 seconds."""
    a = np.array(col, dtype=np.float64)
    if n and np.isnan(a).any():
        a[np.isnan(a)] = NULL_TIME  # -2**62 is a power of two: exact in float64 too
    return a.astype(np.int64)


def chunk_facts(tickets: Sequence[Sequence[Any]], keys: Sequence[int],
                histories: Mapping[str, list[Change]], clocks: Sequence[Clock],
                derive_first_response: bool, exact_only: bool = False,
                layout: Layout = ROW_LAYOUT, first: Sequence[int] | None = None) -> ChunkFacts:
    """The facts of one source's tickets (rows in `layout`, their ticket_keys in `keys`;
    their histories by id, in order of time) on the stored `clocks`. Tickets whose history
    is at most one change, to their current status from none, take the column-wise path;
    the rest (or all, with `exact_only`) the exact one. Without exact tickets the output is
    in the input's order.

    `first` (with no `histories`): each ticket's whole history is one derived change from
    none to its current status at `first[i]` — new tickets of an export — so all of them
    take the column-wise path without a Change object a ticket to look at."""
    out = ChunkFacts()
    n = len(tickets)
    if first is not None and not histories and not exact_only:
        _simple(out, tickets, keys, layout, np.array(first, dtype=np.int64),
                np.ones(n, dtype=bool), np.ones(n, dtype=bool), clocks)
        return out
    if first is not None:
        histories = {**{tk[layout[0]]: [Change(at, None, tk[layout[1]], True)]
                        for tk, at in zip(tickets, first, strict=True)}, **histories}
    i_id, i_status = layout[0], layout[1]
    exact: list[int] = list(range(n)) if exact_only else []
    single: list[int] = []
    single_at: list[int] = []
    single_derived: list[bool] = []
    if histories and not exact_only:
        index = {tk[i_id]: i for i, tk in enumerate(tickets)}
        for tid, h in histories.items():
            i = index.get(tid)
            if i is None:
                continue
            h0 = h[0]
            if len(h) == 1 and h0.from_status is None and h0.to_status == tickets[i][i_status]:
                single.append(i)
                single_at.append(h0.at)
                single_derived.append(h0.derived)
            else:
                exact.append(i)
    for i in sorted(exact):
        tk = tickets[i]
        _exact(out, keys[i], *(tk[j] for j in layout), history=histories.get(tk[i_id], []),
               clocks=clocks, derive_first_response=derive_first_response)
    if len(exact) < n:
        a0 = np.full(n, NULL_TIME, dtype=np.int64)
        a0[single] = single_at
        derived = np.zeros(n, dtype=bool)
        derived[single] = single_derived
        keep = np.ones(n, dtype=bool)
        keep[exact] = False
        _simple(out, tickets, keys, layout, a0, derived, keep, clocks)
    return out


def _simple(out: ChunkFacts, tickets: Sequence[Sequence[Any]], keys: Sequence[int],
            layout: Layout, a0: I64,
            derived: npt.NDArray[np.bool_], keep: npt.NDArray[np.bool_],
            clocks: Sequence[Clock]) -> None:
    """Column-wise facts of the tickets `keep` selects: those with no history (a0 NULL_TIME),
    or only one change, at a0, from none to the current status. `resolution.resolutions`
    then reduces to:

    * no history: resolved at `resolved`, else `closed`, when the status is resolved/closed;
    * one change at a0 to a resolved/closed status: the run starts at a0 (at `updated` when
      that is earlier: the export's status wins from then on); the source's own time (resolved,
      else closed when the status is closed) replaces the start when it lies after created and
      at or before it, or takes over from it later (two rows) when it lies after it;

    and a paused clock, with the one change to a pause status, stops at a0 for good.
    """
    n = len(tickets)
    ids, status, created, updated, first, resolved, closed = (
        list(map(itemgetter(j), tickets)) for j in layout)
    st = np.fromiter(map(_CODE.__getitem__, status), np.int8, n)
    cr = np.fromiter(created, np.int64, n)
    up, fr, rs, cl = (_times(c, n) for c in (updated, first, resolved, closed))
    one = a0 != NULL_TIME
    done_st = (st == _RESOLVED) | (st == _CLOSED)

    when = np.where(rs != NULL_TIME, rs, cl)  # no history
    has0 = ~one & done_st & (when != NULL_TIME)
    start = np.where(up != NULL_TIME, np.minimum(a0, up), a0)  # one change
    own = np.where(rs != NULL_TIME, rs, np.where(st == _CLOSED, cl, NULL_TIME))
    own_none = (own == NULL_TIME) | (own <= cr)
    early = ~own_none & (own <= start)
    has1 = one & done_st
    two = has1 & ~own_none & ~early & keep
    has = (has0 | has1) & keep
    r1_at = np.where(one, np.where(early, own, start), when)
    r1_from = np.where(one, start, when)
    done = np.where(has, np.where(two, own, r1_from), NULL_TIME)

    id_arr = np.empty(n, dtype=object)
    id_arr[:] = ids
    key_arr = np.fromiter(keys, np.int64, n)
    k = np.flatnonzero(keep)
    keys_k = key_arr[k].tolist()
    origin = np.where(one, np.where(derived, 1, 2), 0)
    seen = np.where(one, _SEEN_ONE[st], "")
    d = out.done
    d[0].extend(id_arr[k].tolist())
    d[1].extend(_nullable(done[k]))
    d[2].extend(_ORIGIN[origin[k]].tolist())
    d[3].extend(seen[k].tolist())
    d[4].extend(_nullable(fr[k]))

    i1, i2 = np.flatnonzero(has), np.flatnonzero(two)
    res_keys = key_arr[i1].tolist() + key_arr[i2].tolist()
    res_at = np.concatenate([r1_at[i1], own[i2]])
    r = out.res
    r[0].extend(res_keys)
    r[1].extend(res_at.tolist())
    r[2].extend(np.concatenate([r1_from[i1], own[i2]]).tolist())
    r[3].extend(_nullable(np.concatenate([np.where(two, own, NULL_TIME)[i1],
                                          np.full(len(i2), NULL_TIME, dtype=np.int64)])))
    r[4].extend([None] * len(res_keys))

    # The last resolution (the own time where there are two) goes on the ticket's facts
    # row; resolution_facts gets the first of two.
    last_at = np.where(two, own, np.where(has, r1_at, NULL_TIME))[k]
    has_fr = fr[k] != NULL_TIME
    has_last = last_at != NULL_TIME
    last_list = _nullable(last_at)
    earlier_keys = key_arr[i2].tolist()
    earlier_at = r1_at[i2].tolist()
    for clock in clocks:
        stop = np.full(n, _NO_PAUSE, dtype=np.int64)
        if clock.pause:
            paused = one & np.isin(st, [_CODE.get(s, _OTHER) for s in clock.pause])
            stop[paused] = a0[paused]

        def pos(ts: I64, idx: Any, stop: I64 = stop, cal: Calendar = clock.calendar) -> I64:
            return cal.positions(np.minimum(ts, stop[idx]))

        tf, rf = out.clock(clock.key)
        tf[0].extend(keys_k)
        tf[1].extend(pos(cr[k], k).tolist())
        tf[2].extend(_nullable(np.where(has_fr, pos(fr[k], k), NULL_TIME)))
        tf[3].extend(last_list)
        tf[4].extend(_nullable(np.where(has_last, pos(last_at, k), NULL_TIME)))
        rf[0].extend(earlier_keys)
        rf[1].extend(earlier_at)
        rf[2].extend(pos(r1_at[i2], i2).tolist())


def _append(cols: tuple[list[Any], ...], *values: Any) -> None:
    for col, v in zip(cols, values, strict=True):
        col.append(v)


def _exact(out: ChunkFacts, key: int, ident: str, status: str, created: int,
           updated: int | None,
           first_response: int | None, resolved: int | None, closed: int | None, *,
           history: list[Change], clocks: Sequence[Clock], derive_first_response: bool) -> None:
    """The facts of one ticket by the rule itself (any history)."""
    found: list[Resolution] = resolutions(status, created, updated, resolved, closed, history)
    response = first_response
    if response is None and derive_first_response:
        response = next((c.at for c in history if c.from_status == "new"), None)
    origin, seen = flow(history)
    _append(out.done, ident, done_at(found), origin, seen[:200], response)
    for x in found:
        _append(out.res, key, x.resolved_at, x.valid_from, x.superseded_at, x.reopened_at)
    last = max((x.resolved_at for x in found), default=None)
    for clock in clocks:
        paused = pause_intervals(history, clock.pause) if clock.pause else []
        tf, rf = out.clock(clock.key)
        _append(tf, key, clock_position(clock, created, paused),
                clock_position(clock, response, paused) if response is not None else None,
                last, clock_position(clock, last, paused) if last is not None else None)
        for x in found:
            if x.resolved_at != last:
                _append(rf, key, x.resolved_at, clock_position(clock, x.resolved_at, paused))


class FactsBuilder:
    """Keeps facts current: call `update()` after each collection, `rebuild()` to recompute."""

    def __init__(self, config: Config, store: Store, calendars: Mapping[str, Calendar]):
        self.config = config
        self.store = store
        self.clocks = clocks_for(config, calendars)
        self.stored = [c for c in self.clocks.values() if c.stored]
        self.derive_first_response = {s.name for s in config.sources if s.derive_first_response}
        # Tickets whose facts an import wrote since the last ANALYZE (see new_tickets).
        self._unanalyzed = 0
        # The transaction in which new_tickets last checked the clocks' signatures.
        self._checked_in: object | None = None

    def rebuild(self, progress: Progress | None = None) -> int:
        """Recompute the facts of every ticket (`kpimon recompute`: after a change of
        calendar, indicator or rule). Returns the tickets done.

        Every ticket is walked in key order, chunk by chunk, each in a transaction of its own
        that deletes and rewrites the chunk's facts: the store is consistent after every
        commit, and a rebuild cut short leaves old facts only on the tickets it had not
        reached. A ticket's own row is rewritten only where its derived values change or it
        was marked dirty: rewriting every row of the widest table, to set a flag and clear
        it again, cost more than the rest of the pass (BENCHMARKS.md)."""
        with self.store.engine.begin() as conn:  # the pass checks the clocks' signatures
            settled.forget_all(conn)
        return self._pass(self.store.engine.begin, progress, own=True, every=True)

    def update(self, progress: Progress | None = None) -> int:
        """Compute facts for dirty tickets, and for all tickets of a clock that changed; each
        chunk in a transaction of its own (see the module docstring). Returns the tickets done.

        `progress` (a terminal's progress bar) hears `("facts", done, done, total)` in
        tickets after each chunk."""
        return self._pass(self.store.engine.begin, progress, own=True)

    def update_in(self, conn: Connection, progress: Progress | None = None) -> int:
        """`update()` inside the caller's open transaction `conn` (nothing is committed)."""
        return self._pass(lambda: _Nested(conn), progress, own=False)

    def new_tickets(self, conn: Connection, sql: RawSql, source: str,
                    rows: Sequence[Sequence[Any]], keys: Sequence[int], layout: Layout,
                    first_changes: Mapping[str, int],
                    histories: Mapping[str, History] | None = None) -> list[tuple[Any, ...]]:
        """The facts of tickets a batch inserts, written on the batch's own transaction
        (store.writer.NewTicketFacts): `rows` (in `layout`, their ticket_keys in `keys`) have
        as history the derived first change at `first_changes[id]`, or the history stored for
        them before they arrived (`histories`, by id: a status file imported before the
        tickets), or none. Returns
        (done_at, flow_origin, flow_seen, response_at) per row, in order, for the writer to
        insert with the ticket."""
        # Once per transaction (an import calls this for each batch of a file): the batch
        # writes under the store's writer lock, so no other writer changes the signatures
        # between two batches of the same transaction.
        tx = conn.get_transaction()
        if tx is None or tx is not self._checked_in:
            self._check_signatures(conn)
            self._checked_in = tx
        i_id = layout[0]
        stored = {tid: [Change(*c) for c in history]
                  for tid, history in (histories or {}).items()}
        out = chunk_facts(rows, keys, stored, self.stored, source in self.derive_first_response,
                          layout=layout, first=[first_changes[r[i_id]] for r in rows]
                          if first_changes else None)
        self._write(sql, out)
        self._unanalyzed += len(rows)
        done = list(zip(*out.done[1:], strict=True))
        if out.done[0] != [r[i_id] for r in rows]:  # the exact path's tickets came first
            by_id = dict(zip(out.done[0], done, strict=True))
            done = [by_id[r[i_id]] for r in rows]
        return done

    # ------------------------------------------------------------------ internals

    def _pass(self, begin: Callable[[], AbstractContextManager[Connection]],
              progress: Progress | None, own: bool, every: bool = False) -> int:
        """`own`: each chunk's transaction is the pass's own (not a caller's)."""
        with begin() as conn:
            self._check_signatures(conn)
            # The stored sums of the months the dirty tickets touch (kpi/settled.py) go before
            # their facts change; new tickets done at import need not: they change the months'
            # counts, which tell a stored sum is stale. (A pass over `every` ticket has
            # forgotten them all.)
            sql = RawSql(conn)
            total = store_facts.count_all(sql) if every else store_facts.count_dirty(sql)
            # Counted first, through the partial index of dirty tickets: with none (every
            # steady compute of the daemon) forget_dirty's own scan of `tickets` is skipped,
            # which at 10M tickets on PostgreSQL was half of a steady cycle.
            if not every and total:
                settled.forget_dirty(conn)
            if not every and total >= ANALYZE_AFTER:
                # A large pass (after an upgrade, a bulk load without the facts) reads the
                # dirty tickets by index only if PostgreSQL knows there are many; a pass over
                # every ticket reads them by primary key whatever the statistics say.
                store_facts.analyze(sql)
        done = 0
        after: tuple[str, str] | None = None
        while True:
            with begin() as conn:
                sql = RawSql(conn)
                sql.widen_cache()
                if own:
                    store_facts.relax_commit(sql)
                try:
                    n, after = self._chunk(sql, after, every)
                    sql.flush()  # the chunk's facts queued by _write (PostgreSQL)
                finally:
                    sql.restore_cache()
            if not n:
                break
            done += n
            if progress is not None:
                progress.update("facts", done, done, max(total, done))
        if done + self._unanalyzed >= ANALYZE_AFTER:
            with begin() as conn:
                store_facts.analyze(RawSql(conn))
            self._unanalyzed = 0
        return done

    def _check_signatures(self, conn: Connection) -> None:
        """A stored clock whose definition changed loses its facts and every ticket is marked
        for the pass, in the same transaction that records the new definitions (so facts
        written after it, by a pass or an import, are of the current clocks)."""
        saved = {r.key: r.value for r in conn.execute(
            t.source_state.select().where(t.source_state.c.source == _STATE_SOURCE))}
        stale = [c.key for c in self.stored if saved.get(c.key) != c.signature]
        if not stale:
            return
        conn.execute(delete(t.ticket_facts).where(t.ticket_facts.c.clock.in_(stale)))
        conn.execute(delete(t.resolution_facts).where(t.resolution_facts.c.clock.in_(stale)))
        # Only the rows not yet marked: after a bulk load without facts every ticket is dirty
        # already, and rewriting each of them again cost a third of the pass on PostgreSQL.
        conn.execute(update(t.tickets).where(t.tickets.c.facts_dirty.is_(False))
                     .values(facts_dirty=True))
        save_state(conn, _STATE_SOURCE, {c.key: c.signature for c in self.stored})

    def _chunk(self, sql: RawSql, after: tuple[str, str] | None, every: bool = False
               ) -> tuple[int, tuple[str, str] | None]:
        rows = (store_facts.every_chunk if every else store_facts.dirty_chunk)(
            sql, after, CHUNK_POSTGRESQL if sql.dialect == "postgresql" else CHUNK)
        if not rows:
            return 0, after
        start = 0
        while start < len(rows):
            source = rows[start][0]
            end = len(rows) if rows[-1][0] == source else \
                next(i for i in range(start, len(rows)) if rows[i][0] != source)
            self._source_chunk(sql, source, rows[start:end], every)
            start = end
        return len(rows), (rows[-1][0], rows[-1][1])

    def _source_chunk(self, sql: RawSql, source: str, rows: Sequence[tuple[Any, ...]],
                      every: bool = False) -> None:
        lo, hi = rows[0][1], rows[-1][1]
        keys = [r[store_facts.KEY] for r in rows]
        if not every:
            store_facts.delete_facts_in(sql, keys)
        histories: dict[str, list[Change]] = {}
        for tid, at, frm, to, derived in store_facts.history_in(sql, source, lo, hi, every):
            ch = Change(at, frm, to, bool(derived))
            h = histories.get(tid)
            if h is None:
                histories[tid] = [ch]
            else:
                h.append(ch)
        out = chunk_facts(rows, keys, histories, self.stored,
                          source in self.derive_first_response)
        if every:
            # Each facts table is rewritten over the chunk's range only where its rows
            # differ from what is stored: a recompute after a calendar change rewrites the
            # clock positions and leaves the resolutions (and their index) alone; one that
            # changes nothing writes nothing.
            computed = out.fact_rows()
            stored = store_facts.facts_in(sql, keys)
            changed = [name for name in store_facts.FACT_TABLES
                       if stored[name] != computed[name]]
            for name in changed:
                store_facts.delete_table_in(sql, name, keys)
            self._write(sql, out, changed)
        else:
            self._write(sql, out)
        store_facts.mark_done(sql, source, lo, hi,
                              _changed(out.done, rows) if every else out.done)

    def _write(self, sql: RawSql, out: ChunkFacts,
               tables: Sequence[str] = store_facts.FACT_TABLES) -> None:
        """Insert one chunk's resolutions and clock facts (of the named `tables`)."""
        # deferred: on PostgreSQL the rows wait for one larger COPY per table, sent by the
        # caller's sql.flush() (the pass per chunk, the batch writer when its batch ends).
        for table in tables:
            columns = store_facts.FACT_COLUMNS[table]
            if table not in store_facts.CLOCK_TABLES:
                store_facts.insert_columns(sql, table, columns, out.res, deferred=True)
                continue
            for key, cols in (out.tf if table == "ticket_facts" else out.rf).items():
                store_facts.insert_columns(sql, table, columns, cols, (("clock", key),),
                                           deferred=True)


def _changed(done: tuple[list[Any], ...], rows: Sequence[tuple[Any, ...]]
             ) -> tuple[list[Any], ...]:
    """The columns of `done` (id, done_at, flow_origin, flow_seen, response_at) for the
    tickets whose stored values (`rows` as TICKET_COLUMNS + DERIVED_COLUMNS) differ, or that
    are marked dirty."""
    width = len(store_facts.TICKET_COLUMNS)
    stored = {r[1]: r[width:] for r in rows}
    keep = [i for i, values in enumerate(zip(*done[1:], strict=True))
            if (had := stored[done[0][i]])[-1] or tuple(had[:-1]) != values]
    return tuple([col[i] for i in keep] for col in done)


class _Nested(AbstractContextManager[Connection]):
    """The caller's transaction as a context manager that neither begins nor commits."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None
