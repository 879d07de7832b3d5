"""Writing one adapter `Batch` in one transaction: batched, idempotent upserts by natural key.

Items are consumed in chunks, so memory does not depend on the size of a batch. Per chunk,
tickets are compared with what is stored (one SELECT), then inserted (SQLite: multi-row
INSERTs; PostgreSQL: COPY) and updated with executemany, on the raw driver connection: never a
statement per row, and none of SQLAlchemy's per-row parameter processing on the hot path
(the layering rule, tests/test_layers.py, allows the driver inside `store/`). Reading ahead in
a helper thread was tried and
dropped: the reader and the writer are both mostly Python, so under the GIL they only took
turns (BENCHMARKS.md).

The rules, per ticket row:

* new → inserted; the same content as stored → unchanged; different content → updated, unless
  its `updated` is older than the stored one: an older snapshot never overwrites a newer one
  (it counts as unchanged);
* a second row for the same id in the same batch (file) is unchanged when its content equals
  the first one's, else a reject ("duplicate id … with different content"). This is decided in
  the database, not with a set held across the batch: every ticket row the batch writes or finds
  unchanged is stamped with the batch's token in `run_id`, so a later row for an id whose
  stored `run_id` is the token compares with the stored content; a row skipped as older is not
  stamped (its stored content is not the file's) but remembered in a temporary table instead;
* ids longer than the store's 128 characters, and ids holding a NUL character, are rejects;
  text values are cut to 128 characters;
* when the source has no status history of its own, a new ticket gets a derived change to its
  first status, and a change of status between two snapshots is stored as a derived status
  change, both stamped with the snapshot's `updated` time (a new ticket still `new`: its
  `created`; no `updated`: the collection time);
* with a `NewTicketFacts` hook, the facts of a new ticket with no stored history beyond that
  first change are computed and written in the same transaction, and the ticket is inserted
  already done for the facts pass (a later row of its history marks it dirty again).

`counts` tells what happened to each item: every ticket row is inserted, updated, unchanged or
rejected, exactly one of them.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import Connection, and_, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from kpimon.inventory import normalized_names
from kpimon.records import (
    Call,
    ControlStatus,
    Device,
    DeviceCount,
    ManualValue,
    QueueInterval,
    Record,
    Reject,
    StatusChange,
    Ticket,
    TicketGone,
    stored_reject_reason,
    stored_reject_value,
)
from kpimon.redact import redact
from kpimon.store import limits
from kpimon.store import tables as t
from kpimon.timeutil import epoch

CHUNK = 2000  # items per chunk: one SELECT, one or two INSERTs
SQLITE_CACHE_KIB = 32 * 1024  # SQLite page cache while a large batch is written
ROWS_PER_INSERT = 1000  # rows per multi-row INSERT (fewer when the driver allows fewer params)
# PostgreSQL: rows queued per table by `RawSql.insert_deferred` before they go as one COPY.
# Each COPY costs a few round trips and a statement's setup, milliseconds on a busy server:
# the facts of an import's 2,000-ticket chunks, sent per chunk, spent half their time there.
DEFERRED_COPY_ROWS = 50_000
ID_MAX = limits.length(limits.TICKET_ID)  # tickets.id / status_changes.ticket_id
LINE_MIN, LINE_MAX = limits.int_bounds(limits.LINE)  # tickets.resolved_by_line
TEXT_MAX = 128  # support_group, org, category

# The content of a ticket, in the order the fast path reads and writes it.
CONTENT = ("kind", "priority", "status", "created", "updated", "first_response", "resolved",
           "closed", "resolved_by_line", "solution_present", "support_group", "org", "category")


@dataclass
class BatchCounts:
    """What one batch did to the store."""

    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: Tickets a full resync would have marked gone, held back (see `max_delete_share`).
    held_deletions: int = 0

    def add(self, other: BatchCounts) -> None:
        for name in ("records", "inserted", "updated", "unchanged", "rejected",
                     "held_deletions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _insert(conn: Connection, table: Any) -> Any:
    """A dialect insert that supports ON CONFLICT (SQLite and PostgreSQL)."""
    return (postgresql.insert(table) if conn.dialect.name == "postgresql"
            else sqlite.insert(table))


def _chunks(items: Iterable[Record | Reject], size: int | None = None
            ) -> Iterator[list[Record | Reject]]:
    size = size or CHUNK
    chunk: list[Record | Reject] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean_text(value: str | None) -> str | None:
    """A text value as the store can hold it: no NUL (PostgreSQL refuses it), 128 characters."""
    if value is None or (len(value) <= TEXT_MAX and "\x00" not in value):
        return value
    return value.replace("\x00", "")[:TEXT_MAX]


def _clean_str(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value.replace("\x00", "\ufffd")[:limit]


_Queue = tuple[str, tuple[str, ...], tuple[tuple[str, Any], ...]]
"""A queue of RawSql.insert_deferred: table, columns, constants."""


class RawSql:
    """Raw SQL on the driver connection under `conn`'s transaction, for SQLite and psycopg
    (the batch writer's, and the facts pass's in store/facts.py)."""

    def __init__(self, conn: Connection):
        self.dialect = conn.dialect.name
        self.raw: Any = conn.connection.driver_connection
        self.mark = "%s" if self.dialect == "postgresql" else "?"
        if self.dialect == "sqlite" and isinstance(self.raw, sqlite3.Connection):
            self.max_params = self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        else:
            self.max_params = 65535 if self.dialect == "postgresql" else 999
        self.cursor = self.raw.cursor()
        self._saved_cache: int | None = None
        self._staged: set[str] = set()
        # PostgreSQL: rows queued by insert_deferred, per (table, columns), column-wise.
        self._deferred: dict[_Queue, list[list[Any]]] = {}

    def widen_cache(self) -> None:
        """SQLite: a page cache of SQLITE_CACHE_KIB while a large batch is written (with the
        default 2 MiB it spills the same B-tree pages to the WAL over and over, and commits
        slower); `restore_cache` puts the connection's own size back."""
        if self.dialect != "sqlite" or self._saved_cache is not None:
            return
        self.cursor.execute("PRAGMA cache_size")
        row = self.cursor.fetchone()
        current = int(row[0]) if row else 0
        kib = -current if current < 0 else current * 4  # pages of the default 4 KiB
        if kib < SQLITE_CACHE_KIB:
            self._saved_cache = current
            self.cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")

    def restore_cache(self) -> None:
        if self._saved_cache is not None:
            try:
                self.cursor.execute(f"PRAGMA cache_size = {int(self._saved_cache)}")
            except sqlite3.Error:
                pass  # a broken connection: the error that broke it is the one to report
            self._saved_cache = None

    def rows_per_statement(self, width: int) -> int:
        return max(1, min(ROWS_PER_INSERT, self.max_params // width))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               constants: Sequence[tuple[str, Any]] = (), conflict: str = "") -> int:
        """Insert `rows` (in the order of `columns`), each with the `constants` (column,
        value) added; `conflict` is an ON CONFLICT clause. Returns the rows inserted.

        SQLite takes multi-row INSERTs. PostgreSQL takes COPY, the fastest way in by far (a
        multi-row INSERT with thousands of parameters is slow to bind and plan): straight into
        the table, or — with an ON CONFLICT clause, which COPY lacks — into a temporary table
        that one INSERT … SELECT then moves.
        """
        if not rows:
            return 0
        if self.dialect == "postgresql":
            return self._copy(table, columns, rows, constants, conflict)
        # Row by row, NULLs as parameters: grouping a ticket row's many nullable columns
        # (insert_columns) cost the import more than the binds it saved (BENCHMARKS.md).
        def params(start: int, stop: int) -> list[Any]:
            out: list[Any] = []
            for row in rows[start:stop]:
                out.extend(row)
            return out

        return self._multi_row(table, columns, constants, [False] * len(columns), len(rows),
                               params, conflict)

    def insert_columns(self, table: str, columns: Sequence[str],
                       data: Sequence[Sequence[Any]],
                       constants: Sequence[tuple[str, Any]] = (), conflict: str = "") -> int:
        """`insert` of rows given column-wise (`data[k]` is column k's values).

        SQLite: multi-row INSERTs, with the rows grouped by which of their values are NULL
        and those written as NULL literals of the statement (`_null_groups`): the sqlite3
        module binds a None through its adapter lookup, about 0.7 µs a value here, as much
        as all the rest of a row of the facts tables costs to insert."""
        n = len(data[0]) if data else 0
        if not n:
            return 0
        if self.dialect == "postgresql":
            return self._copy(table, columns, list(zip(*data, strict=True)), constants,
                              conflict)
        done = 0
        for null, rows, part in _null_groups(data):
            width = len(part)

            def params(start: int, stop: int, part: list[Sequence[Any]] = part,
                       width: int = width) -> list[Any]:
                out: list[Any] = [None] * ((stop - start) * width)
                for k, col in enumerate(part):  # interleave the columns by slices
                    out[k::width] = col[start:stop]
                return out

            done += self._multi_row(table, columns, constants, null, rows, params, conflict)
        return done

    def _multi_row(self, table: str, columns: Sequence[str],
                   constants: Sequence[tuple[str, Any]], null: Sequence[bool], count: int,
                   params: Callable[[int, int], list[Any]], conflict: str) -> int:
        """SQLite: `count` rows in multi-row INSERTs of as many rows as the driver takes
        parameters; `params(start, stop)` gives those of rows start..stop, the columns that
        are `null` in every one of them are NULL literals, the `constants` literals too.
        Returns the rows inserted."""
        names = ", ".join([f'"{c}"' for c in columns] + [f'"{c}"' for c, _ in constants])
        one = "(" + ", ".join(["NULL" if is_null else self.mark for is_null in null]
                              + [literal(v) for _, v in constants]) + ")"
        per = self.rows_per_statement(max(1, len(null) - sum(null)))
        head = f"INSERT INTO {table} ({names}) VALUES "
        full = head + ", ".join([one] * per) + conflict
        done = 0
        for start in range(0, count, per):
            stop = min(count, start + per)
            self.cursor.execute(full if stop - start == per else
                                head + ", ".join([one] * (stop - start)) + conflict,
                                params(start, stop))
            done += self.cursor.rowcount if self.cursor.rowcount >= 0 else stop - start
        return done

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              constants: Sequence[tuple[str, Any]], conflict: str) -> int:
        names = ", ".join(list(columns) + [c for c, _ in constants])
        extra = tuple(v for _, v in constants)
        target = table
        if conflict:
            target = f"kpimon_stage_{table}"
            if target not in self._staged:
                self.cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} "
                                    f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
                self._staged.add(target)
        with self.cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            if extra:
                for row in rows:
                    write((*row, *extra))
            else:
                for row in rows:
                    write(row)
        if not conflict:
            return len(rows)
        self.cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target}"
                            + conflict)
        done = int(self.cursor.rowcount)
        self.cursor.execute(f"TRUNCATE {target}")
        return done

    def insert_deferred(self, table: str, columns: Sequence[str],
                        data: Sequence[Sequence[Any]],
                        constants: Sequence[tuple[str, Any]] = ()) -> None:
        """PostgreSQL: queue rows given column-wise (`data[k]` is column k's values; each row
        with the `constants`, as in `insert`) for a
        COPY of many calls' rows at once, sent when DEFERRED_COPY_ROWS are queued for the
        table and by `flush()`, which whoever queues must call before the transaction
        commits (nothing may read the table in between). A queued row that breaks a
        constraint (a duplicate key) fails the COPY that sends it: later, but still inside
        the transaction, which then rolls back as it would have. SQLite: inserted at once."""
        if self.dialect != "postgresql":
            self.insert_columns(table, columns, data, constants)
            return
        key = (table, tuple(columns), tuple(constants))
        queued = self._deferred.get(key)
        if queued is None:
            queued = self._deferred[key] = [[] for _ in columns]
        for col, values in zip(queued, data, strict=True):
            col.extend(values)
        if len(queued[0]) >= DEFERRED_COPY_ROWS:
            self._send(key)

    def flush(self) -> None:
        """Send every row `insert_deferred` queued (see there)."""
        for key in list(self._deferred):
            self._send(key)

    def _send(self, key: _Queue) -> None:
        data = self._deferred.pop(key)
        if data and data[0]:
            self._copy(key[0], key[1], list(zip(*data, strict=True)), key[2], "")

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """executemany on the driver (qmark placeholders in `sql`)."""
        if rows:
            self.cursor.executemany(sql.replace("?", self.mark), rows)

    def keyed(self, sql: str, head: Sequence[Any], keys: Sequence[str]
              ) -> list[tuple[Any, ...]]:
        """Run `sql` for a list of keys; the rows it returns, if any.

        `sql` is given as the pair of `_Keyed` below: for SQLite a statement ending in
        `IN ({keys})`, run in slices of as many keys as the driver takes parameters after
        `head`; for PostgreSQL its twin in _PG_KEYED, the keys one array parameter before
        `head`, or (a statement without rows back) executemany with one key a row.
        """
        out: list[tuple[Any, ...]] = []
        if self.dialect == "postgresql" and sql not in _PG_KEYED:  # no rows back: pipelined
            self.cursor.executemany(sql.replace("?", "%s").replace("IN ({keys})", "= %s"),
                                    [(*head, k) for k in keys])
            return out
        if self.dialect == "postgresql":
            self.cursor.execute(_PG_KEYED[sql], [list(keys), *head])
            if self.cursor.description is not None:
                out.extend(self.cursor.fetchall())
            return out
        per = max(1, self.max_params - len(head))
        for start in range(0, len(keys), per):
            part = keys[start:start + per]
            self.cursor.execute(sql.replace("{keys}", ", ".join("?" * len(part))),
                                [*head, *part])
            if self.cursor.description is not None:
                out.extend(self.cursor.fetchall())
        return out

    def last_rowid(self, table: str) -> int | None:
        """SQLite: the largest rowid of `table` (new rows get larger ones); else None."""
        if self.dialect != "sqlite":
            return None
        self.cursor.execute(f"SELECT max(rowid) FROM {table}")
        row = self.cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def new_ticket_keys(self, count: int, last_rowid: int | None = None) -> range | list[int]:
        """`count` ticket_keys for tickets about to be inserted (store/tables.py). SQLite:
        the rowids the tickets would get anyway, after the largest (`last_rowid`, if the
        caller has it: this transaction holds the write lock, so no one else takes them);
        PostgreSQL: drawn from the column's sequence, as its default would."""
        if self.dialect == "sqlite":
            after = self.last_rowid("tickets") if last_rowid is None else last_rowid
            return range((after or 0) + 1, (after or 0) + 1 + count)
        self.cursor.execute("SELECT nextval(pg_get_serial_sequence('tickets', 'ticket_key')) "
                            "FROM generate_series(1, %s)", (count,))
        return [int(r[0]) for r in self.cursor.fetchall()]

    def derive_first_changes(self, after_rowid: int, now: int) -> None:
        """SQLite: the derived first status change of the tickets just inserted, from the rows
        themselves (see BatchWriter): at `created` for a ticket still new, else at its
        `updated` time (or `now`). SQLite numbers new rows after the largest rowid, and this
        transaction holds the write lock: the rows after `after_rowid` are exactly those."""
        self.cursor.execute(
            "INSERT INTO status_changes (source, ticket_id, at, from_status, to_status, "
            "derived) SELECT source, id, CASE WHEN status = 'new' THEN created "
            "ELSE COALESCE(updated, ?) END, NULL, status, TRUE FROM tickets "
            "WHERE rowid > ? ON CONFLICT DO NOTHING", (now, after_rowid))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql.replace("?", self.mark), params)


_TICKET_COLUMNS = ("source", "id") + CONTENT
# What the facts pass derives on a ticket (kpi/facts.py), when a hook derives it at insert.
_FACT_COLUMNS = ("done_at", "flow_origin", "flow_seen", "response_at", "facts_dirty")
# Where an insert row holds id, status, created, updated, first_response, resolved, closed.
_ROW_LAYOUT = (1, 4, 5, 6, 7, 8, 9)
# Statements for a list of keys (see RawSql.keyed): the SQLite text, and its PostgreSQL twin.
_SELECT_EXISTING = ("SELECT id, run_id, deleted, " + ", ".join(CONTENT)
                    + " FROM tickets WHERE source = ? AND id IN ({keys})")
_SELECT_OLDER = "SELECT id, content FROM kpimon_older_rows WHERE token = ? AND id IN ({keys})"
_MARK_DIRTY = "UPDATE tickets SET facts_dirty = TRUE WHERE source = ? AND id IN ({keys})"
_SELECT_HISTORY = ("SELECT ticket_id, at, id, from_status, to_status, derived FROM "
                   "status_changes WHERE source = ? AND ticket_id IN ({keys})")
_SELECT_CALLS = ("SELECT call_id, queue, entered, wait_seconds, outcome FROM calls "
                 "WHERE source = ? AND call_id IN ({keys})")
# PostgreSQL: one index lookup per key, whatever the planner's statistics say of a table this
# very transaction is filling (a LATERAL subquery with LIMIT cannot be turned into a hash join
# over the whole table).
_PG_KEYED = {
    _SELECT_CALLS: "SELECT c.* FROM unnest(%s::text[]) AS k(id), LATERAL (SELECT call_id, queue, "
    "entered, wait_seconds, outcome FROM calls WHERE source = %s AND call_id = k.id LIMIT 1) c",
    _SELECT_EXISTING: "SELECT t.* FROM unnest(%s::text[]) AS k(id), LATERAL (SELECT id, run_id, "
    "deleted, " + ", ".join(CONTENT) + " FROM tickets WHERE source = %s AND id = k.id LIMIT 1) t",
    _SELECT_HISTORY: "SELECT h.* FROM unnest(%s::text[]) AS k(id), LATERAL (SELECT ticket_id, "
    "at, id, from_status, to_status, derived FROM status_changes WHERE source = %s AND "
    "ticket_id = k.id) h",
    _SELECT_OLDER: "SELECT o.* FROM unnest(%s::text[]) AS k(id), LATERAL (SELECT id, content "
    "FROM kpimon_older_rows WHERE token = %s AND id = k.id LIMIT 1) o",
}


_UPDATE_TICKET = ("UPDATE tickets SET " + ", ".join(f"{c} = ?" for c in CONTENT)
                  + ", deleted = ?, last_seen = ?, run_id = ?, facts_dirty = ?"
                  + " WHERE source = ? AND id = ?")
_INTERVAL_FIGURES = ("end", "received", "answered", "abandoned", "abandoned_short",
                     "wait_seconds_answered_sum")
_TOUCH_TICKET = "UPDATE tickets SET last_seen = ?, run_id = ? WHERE source = ? AND id = ?"
_CHANGE_COLUMNS = ("source", "ticket_id", "at", "from_status", "to_status", "derived")
_CHANGES_CONFLICT = " ON CONFLICT DO NOTHING"


History = Sequence[tuple[int, str | None, str, bool]]
"""A ticket's status history: (at, from status, to status, derived), in order of time."""


class NewTicketFacts(Protocol):
    """Computes and writes, on the batch's transaction, the facts of new tickets, and gives
    back each one's (done_at, flow_origin, flow_seen, response_at), in order; `keys` are
    the rows' ticket_keys, by which the facts refer to them. A ticket's
    history is its derived first change (`first_changes`: id → its time), or the history
    stored for it before it arrived (`histories`, by id: a status file imported before the
    tickets), or none. `layout` says where a row holds id, status, created, updated,
    first_response, resolved and closed. kpi/facts.py's FactsBuilder.new_tickets is the one."""

    def __call__(self, conn: Connection, sql: RawSql, source: str,
                 rows: Sequence[tuple[Any, ...]], keys: Sequence[int],
                 layout: tuple[int, int, int, int, int, int, int],
                 first_changes: Mapping[str, int], histories: Mapping[str, History]
                 ) -> list[tuple[Any, ...]]: ...


class BatchWriter:
    """Writes the items of one batch on an open transaction `conn`."""

    def __init__(self, conn: Connection, source: str, label: str, token: int, now: int,
                 derive_history: bool, snapshot: bool, device_source: bool = False,
                 max_delete_share: float | None = None,
                 new_facts: NewTicketFacts | None = None, secrets: tuple[str, ...] = ()):
        self.conn = conn
        self.source = source
        self.label = label
        self.token = token  # identifies this batch on the rows it writes
        self.now = now
        self.derive_history = derive_history
        self.snapshot = snapshot
        self.device_source = device_source  # an inventory: an empty snapshot is an empty set
        # A ticket snapshot that would mark more than this share of the source's tickets gone
        # is held: nothing is marked, `counts.held_deletions` says how many it would have.
        self.max_delete_share = max_delete_share
        self.new_facts = new_facts
        self.secrets = secrets  # the configuration's: masked in the rejects' locations
        self._has_history: bool | None = None  # whether the source has any stored history
        self.counts = BatchCounts()
        self.devices: list[Device] = []
        self.device_count: DeviceCount | None = None
        self._sql: RawSql | None = None
        self._older = False  # whether the temporary table of older rows holds any
        self.count_rejected = False

    @property
    def sql(self) -> RawSql:
        if self._sql is None:
            self._sql = RawSql(self.conn)
        return self._sql

    def write(self, items: Iterable[Record | Reject]) -> BatchCounts:
        try:
            for chunk in _chunks(items):
                if len(chunk) >= CHUNK:  # a large batch
                    self.sql.widen_cache()
                self._write_chunk(chunk)
            if self._sql is not None:
                self._sql.flush()  # the facts of new tickets the hook queued (PostgreSQL)
            self._finish()
        finally:
            if self._sql is not None:
                self._sql.restore_cache()
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
                continue
            if isinstance(item, Reject):
                rejects.append(item)
                continue
            # A value the store's columns cannot hold makes its record a reject (store/limits).
            bad = limits.problem(item)
            if bad is not None:
                rejects.append(Reject(self.source, self.label, getattr(item, "row", None), *bad))
                if isinstance(item, DeviceCount):
                    self.count_rejected = True  # no count: no snapshot, not an empty one
            elif isinstance(item, StatusChange):
                changes.append(item)
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
            elif isinstance(item, ControlStatus):
                self._control(item)
            elif isinstance(item, TicketGone):
                self._gone(item)
        if tickets:
            self._tickets(tickets, rejects)
        if changes:
            self._changes(changes, rejects)
        if calls:
            self._calls(calls)
        if intervals:
            self._intervals(intervals)
        if rejects:
            self._rejects(rejects)

    # ----------------------------------------------------------------- tickets

    def _tickets(self, batch: list[Ticket], rejects: list[Reject]) -> None:
        """One chunk of tickets: compare with the store, then insert, update and stamp."""
        counts = self.counts
        rows: dict[str, tuple[tuple[Any, ...], Ticket]] = {}
        for tk in batch:
            ident = tk.id
            if len(ident) > ID_MAX or "\x00" in ident:
                rejects.append(Reject(self.source, self.label, tk.row, "id",
                                      f"longer than {ID_MAX} characters or holds a NUL",
                                      ident))
                continue
            line = tk.resolved_by_line
            if line is not None and not LINE_MIN <= line <= LINE_MAX:
                rejects.append(Reject(self.source, self.label, tk.row, "resolved_by_line",
                                      limits.too_large(line, limits.LINE) or "",
                                      limits.number_text(line)))
                continue
            # Epoch seconds; a time the row repeats (the same object) is converted once.
            c = int(tk.created.timestamp())
            u = tk.updated
            updated = None if u is None else c if u is tk.created else int(u.timestamp())
            r = tk.resolved
            resolved = None if r is None else updated if r is u else int(r.timestamp())
            d = tk.closed
            closed = None if d is None else updated if d is u else resolved if d is r \
                else int(d.timestamp())
            f = tk.first_response
            first = None if f is None else int(f.timestamp())
            g, o, k = tk.support_group, tk.org, tk.category
            if g and (len(g) > TEXT_MAX or "\x00" in g):
                g = _clean_text(g)
            if o and (len(o) > TEXT_MAX or "\x00" in o):
                o = _clean_text(o)
            if k and (len(k) > TEXT_MAX or "\x00" in k):
                k = _clean_text(k)
            content = (tk.kind, tk.priority, tk.status, c, updated, first, resolved, closed,
                       line, tk.solution_present, g, o, k)
            prev = rows.get(ident)
            if prev is None:
                rows[ident] = (content, tk)
            elif prev[0] == content:
                counts.unchanged += 1  # the same row twice in the file: one ticket
                counts.records += 1
            else:
                rejects.append(_dup_reject(self.source, self.label, tk))
        if not rows:
            return
        sql = self.sql
        existing: dict[str, tuple[Any, ...]] = {
            r[0]: r for r in sql.keyed(_SELECT_EXISTING, (self.source,), list(rows))}
        older_seen = self._older_seen(list(existing)) if self._older else {}
        token, now, source = self.token, self.now, self.source
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touched: list[tuple[Any, ...]] = []
        older: list[tuple[Any, ...]] = []
        derived: list[tuple[Any, ...]] = []
        for ident, (content, tk) in rows.items():
            old = existing.get(ident)
            if old is None:
                inserts.append((source, ident, *content))
                counts.inserted += 1
                counts.records += 1
                if self.derive_history:
                    status = content[2]
                    at = content[3] if status == "new" else (
                        content[4] if content[4] is not None else now)
                    derived.append((source, ident, at, None, status, True))
                continue
            stored = tuple(old[3:])
            seen = older_seen.get(ident)
            if seen is not None:  # an earlier row of this batch, skipped as older
                if seen == _pack(content):
                    counts.unchanged += 1
                    counts.records += 1
                else:
                    rejects.append(_dup_reject(self.source, self.label, tk))
                continue
            if old[1] == token:  # this batch already wrote (or found unchanged) this id
                if stored == content:
                    counts.unchanged += 1
                    counts.records += 1
                else:
                    rejects.append(_dup_reject(self.source, self.label, tk))
                continue
            counts.records += 1
            if stored == content and not old[2]:
                counts.unchanged += 1
                touched.append((now, token, source, ident))
                continue
            if content[4] is not None and old[7] is not None and content[4] < old[7]:
                counts.unchanged += 1  # an older snapshot never overwrites a newer one
                older.append((token, ident, _pack(content)))
                if self.snapshot:  # still present at the source: not gone
                    touched.append((now, token, source, ident))
                continue
            if self.derive_history and old[5] != content[2]:
                derived.append((source, ident, content[4] if content[4] is not None else now,
                                old[5], content[2], True))
            updates.append((*content, False, now, token, True, source, ident))
            counts.updated += 1
        if inserts:
            first_new = sql.last_rowid("tickets") if derived else None
            if self.new_facts is None:
                sql.insert("tickets", _TICKET_COLUMNS, inserts, constants=(
                    ("deleted", False), ("first_seen", now), ("last_seen", now),
                    ("run_id", token), ("facts_dirty", True)))
            else:
                # The facts refer to a ticket by its key: the new tickets' are drawn first.
                keys = sql.new_ticket_keys(len(inserts), first_new)
                sql.insert("tickets", _TICKET_COLUMNS + _FACT_COLUMNS + ("ticket_key",),
                           list(map(tuple.__add__, inserts, self._facts_of_new(inserts, keys))),
                           constants=(("deleted", False), ("first_seen", now),
                                      ("last_seen", now), ("run_id", token)))
            if derived and len(derived) == len(inserts) and first_new is not None:
                # SQLite, and only new tickets changed status (their first status): derive
                # the changes from the rows just written, rather than sending them again.
                sql.derive_first_changes(first_new, now)
                derived = []
        sql.many(_UPDATE_TICKET, updates)
        sql.many(_TOUCH_TICKET, touched)
        if older:
            self._remember_older(older)
        if derived:
            # The tickets are new or updated in this chunk, so already marked for facts.
            sql.insert("status_changes", _CHANGE_COLUMNS, derived, conflict=_CHANGES_CONFLICT)

    def _facts_of_new(self, inserts: list[tuple[Any, ...]], keys: Sequence[int]
                      ) -> list[tuple[Any, ...]]:
        """The values of _FACT_COLUMNS and the ticket_key (`keys`, in order) for each new
        ticket, through the hook, with the status history stored for it before it arrived
        (a status file imported first)."""
        assert self.new_facts is not None
        first: dict[str, int] = {}
        histories: dict[str, list[tuple[int, str | None, str, bool]]] = {}
        if self.derive_history:  # the derived first change, as written below
            for row in inserts:
                first[row[1]] = row[5] if row[4] == "new" else (
                    row[6] if row[6] is not None else self.now)
        else:
            if self._has_history is None:
                self.sql.execute("SELECT 1 FROM status_changes WHERE source = ? LIMIT 1",
                                 (self.source,))
                self._has_history = self.sql.cursor.fetchone() is not None
            if self._has_history:
                stored = self.sql.keyed(_SELECT_HISTORY, (self.source,),
                                        [row[1] for row in inserts])
                stored.sort(key=itemgetter(0, 1, 2))  # by ticket, time, then as stored
                for tid, at, _, frm, to, derived in stored:
                    histories.setdefault(tid, []).append((int(at), frm, to, bool(derived)))
        return [(*d, False, key) for d, key in zip(
            self.new_facts(self.conn, self.sql, self.source, inserts, keys, _ROW_LAYOUT,
                           first, histories), keys, strict=True)]

    # The rows skipped as older, by id, for telling a later duplicate in the same batch. A
    # temporary table (per connection; rows keyed by the batch token) keeps memory flat.
    def _remember_older(self, rows: list[tuple[Any, ...]]) -> None:
        if not self._older:
            extra = " ON COMMIT DROP" if self.sql.dialect == "postgresql" else ""
            blob = "BYTEA" if self.sql.dialect == "postgresql" else "BLOB"
            self.sql.execute("CREATE TEMPORARY TABLE IF NOT EXISTS kpimon_older_rows "
                             f"(token BIGINT, id TEXT, content {blob}, "
                             f"PRIMARY KEY (token, id)){extra}")
            self._older = True
        self.sql.insert("kpimon_older_rows", ("token", "id", "content"), rows,
                        conflict=" ON CONFLICT DO NOTHING")

    def _older_seen(self, ids: list[str]) -> dict[str, bytes]:
        if not ids:
            return {}
        return {r[0]: bytes(r[1]) for r in self.sql.keyed(_SELECT_OLDER, (self.token,), ids)}

    # ----------------------------------------------------------------- status history

    def _changes(self, changes: list[StatusChange], rejects: list[Reject]) -> None:
        """A source's own status history: a change already stored is not stored again."""
        rows: list[tuple[Any, ...]] = []
        for c in changes:
            if len(c.ticket_id) > ID_MAX or "\x00" in c.ticket_id:
                rejects.append(Reject(self.source, self.label, None, "id",
                                      f"longer than {ID_MAX} characters or holds a NUL",
                                      c.ticket_id))
                continue
            rows.append((c.source, c.ticket_id, epoch(c.at), c.from_status, c.to_status,
                         c.derived))
        if not rows:
            return
        sql = self.sql
        new = sql.insert("status_changes", _CHANGE_COLUMNS, rows, conflict=_CHANGES_CONFLICT)
        self._has_history = self._has_history or bool(new)
        self.counts.records += len(rows)
        self.counts.inserted += new
        self.counts.unchanged += len(rows) - new
        if new:
            by_source: dict[str, set[str]] = {}
            for r in rows:
                by_source.setdefault(r[0], set()).add(r[1])
            for src, ids in by_source.items():
                sql.keyed(_MARK_DIRTY, (src,), sorted(ids))

    def _gone(self, item: TicketGone) -> None:
        self.conn.execute(update(t.tickets).where(
            t.tickets.c.source == item.source, t.tickets.c.id == item.id
        ).values(deleted=True, facts_dirty=True))

    # ----------------------------------------------------------------- calls

    def _calls(self, calls: list[Call]) -> None:
        rows = {c.call_id: {"source": c.source, "call_id": c.call_id, "queue": c.queue,
                            "entered": epoch(c.entered), "wait_seconds": int(c.wait_seconds),
                            "outcome": c.outcome} for c in calls}
        # Key lookups on the driver connection (as for tickets): a large queue_log import
        # compares each chunk with what is stored at little more than the upsert's cost.
        stored = {r[0]: tuple(r[1:]) for r in self.sql.keyed(_SELECT_CALLS, (self.source,),
                                                             list(rows))}
        changed = []
        for ident, row in rows.items():
            old = stored.get(ident)
            if old is None:
                self.counts.inserted += 1
            elif old == (row["queue"], row["entered"], row["wait_seconds"], row["outcome"]):
                self.counts.unchanged += 1
                continue
            else:
                self.counts.updated += 1
            changed.append(row)
        self.counts.unchanged += len(calls) - len(rows)  # the same call twice in one batch
        self.counts.records += len(calls)
        if not changed:
            return
        stmt = _insert(self.conn, t.calls)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "call_id"],
            set_={k: stmt.excluded[k] for k in ("queue", "entered", "wait_seconds", "outcome")})
        self.conn.execute(stmt, changed)

    def _intervals(self, intervals: list[QueueInterval]) -> None:
        """Queue intervals by (queue, start): new, updated (another figure or level) or
        unchanged, as tickets are counted."""
        rows: dict[tuple[str, int], dict[str, Any]] = {}
        levels: dict[tuple[str, int], dict[int, int]] = {}
        for q in intervals:
            key = (q.queue, epoch(q.start))
            rows[key] = {"source": q.source, "queue": q.queue, "start": key[1],
                         "end": epoch(q.end), "received": q.received, "answered": q.answered,
                         "abandoned": q.abandoned, "abandoned_short": q.abandoned_short,
                         "wait_seconds_answered_sum": q.wait_seconds_answered_sum}
            levels[key] = {int(s): int(n) for s, n in q.answered_within.items()}
        qi, ql = t.queue_intervals.c, t.queue_interval_levels.c
        starts = sorted({k[1] for k in rows})
        stored = {(r.queue, r.start): tuple(r[2:]) for r in self.conn.execute(
            select(qi.queue, qi.start, qi.end, qi.received, qi.answered, qi.abandoned,
                   qi.abandoned_short, qi.wait_seconds_answered_sum)
            .where(qi.source == self.source, qi.start.in_(starts)))}
        stored_levels: dict[tuple[str, int], dict[int, int]] = {}
        for r in self.conn.execute(select(ql.queue, ql.start, ql.threshold, ql.answered).where(
                ql.source == self.source, ql.start.in_(starts))):
            stored_levels.setdefault((r.queue, r.start), {})[r.threshold] = r.answered
        changed = []
        for key, row in rows.items():
            old = stored.get(key)
            if old is None:
                self.counts.inserted += 1
            elif old == tuple(row[c] for c in _INTERVAL_FIGURES) and \
                    stored_levels.get(key, {}) == levels[key]:
                self.counts.unchanged += 1
                continue
            else:
                self.counts.updated += 1
            changed.append(key)
        self.counts.unchanged += len(intervals) - len(rows)  # repeated in the same batch
        self.counts.records += len(intervals)
        if not changed:
            return
        stmt = _insert(self.conn, t.queue_intervals)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "queue", "start"],
            set_={k: stmt.excluded[k] for k in _INTERVAL_FIGURES})
        self.conn.execute(stmt, [rows[k] for k in changed])
        self.conn.execute(delete(t.queue_interval_levels).where(
            tuple_(ql.source, ql.queue, ql.start).in_(
                [(self.source, q, start) for q, start in changed])))
        new_levels = [{"source": self.source, "queue": q, "start": start, "threshold": s,
                       "answered": n} for q, start in changed
                      for s, n in levels[(q, start)].items()]
        if new_levels:
            self.conn.execute(insert(t.queue_interval_levels), new_levels)

    # ----------------------------------------------------------------- the rest

    def _manual(self, mv: ManualValue) -> None:
        self.conn.execute(insert(t.manual_values).values(
            indicator=mv.indicator, period=mv.period, value=mv.value,
            entered_at=epoch(mv.entered_at), note=mv.note, author=self.source))
        self.counts.records += 1
        self.counts.inserted += 1

    def _control(self, cs: ControlStatus) -> None:
        self.conn.execute(insert(t.control_records).values(
            control=cs.control[:64], occasion=cs.occasion[:32], status=cs.status,
            comment=cs.comment, by=cs.by[:128] if cs.by else None, author=self.source[:64],
            entered_at=epoch(cs.entered_at)))
        self.counts.records += 1
        self.counts.inserted += 1

    def _rejects(self, rejects: list[Reject]) -> None:
        run_id = self.token // 100000
        self.sql.insert("rejects", ("run_id", "source", "location", "row", "field", "reason",
                                    "value", "at"), [
            (run_id, r.source, _clean_str(redact(r.where, self.secrets), 500), r.row,
             _clean_str(r.field, 64),
             _clean_str(stored_reject_reason(r.field, r.value, r.reason), 500),
             _clean_str(stored_reject_value(r.field, r.value), 64), self.now) for r in rejects])
        self.counts.rejected += len(rejects)

    def _finish(self) -> None:
        if self._older:
            self.sql.execute("DELETE FROM kpimon_older_rows WHERE token = ?", (self.token,))
        if self.devices or self.device_count is not None or (
                self.snapshot and self.device_source and not self.count_rejected):
            named = self.device_count is None
            names = sorted({d.name for d in self.devices})
            taken = epoch(self.devices[0].seen_at) if self.devices else (
                epoch(self.device_count.seen_at) if self.device_count else self.now)
            # The computers, as the reconciliation counts them (`pc1` and `PC1.kommun.local`
            # are one): the count of the snapshot, of `kpimon_devices` and of `explain` alike.
            count = len(normalized_names(names)) if named else \
                int(self.device_count.count)  # type: ignore[union-attr]
            snap_id = self.conn.execute(insert(t.device_snapshots).values(
                source=self.source, taken_at=taken, count=count, named=named
            ).returning(t.device_snapshots.c.id)).scalar_one()
            if names:
                attrs = {d.name: d.attrs for d in self.devices}
                self.conn.execute(insert(t.devices), [
                    {"snapshot_id": snap_id, "name": n[:255],
                     "attrs": json.dumps(attrs.get(n) or {}, ensure_ascii=False)}
                    for n in names])
            self.counts.records += len(self.devices) if named else 1
            self.counts.inserted += len(names)
        elif self.snapshot and self.counts.records:
            # A full resync of tickets: what it did not contain is gone at the source.
            tk = t.tickets.c
            present = and_(tk.source == self.source, tk.deleted.is_(False))
            missing = and_(present, tk.run_id != self.token)
            if self.max_delete_share is not None:
                gone = self.conn.execute(select(func.count()).where(missing)).scalar_one()
                total = self.conn.execute(select(func.count()).where(present)).scalar_one()
                if gone > self.max_delete_share * total:
                    self.counts.held_deletions = int(gone)
                    return
            self.conn.execute(update(t.tickets).where(missing).values(deleted=True,
                                                                      facts_dirty=True))


SPLIT_NULLS = 8
"""`_null_groups` splits on a column when at least 1/SPLIT_NULLS of its values are NULL."""


def _null_groups(data: Sequence[Sequence[Any]]
                 ) -> list[tuple[tuple[bool, ...], int, list[Sequence[Any]]]]:
    """Rows given column-wise, grouped by which columns are NULL: (for each column whether
    it is NULL in the group, the group's number of rows, its other columns). A column NULL
    in every row is NULL in one group; the one with the most NULLs, if they are at least
    1/SPLIT_NULLS of its rows, splits the rows in two (finding them is a pass over the
    column, worth it only where there are many); other NULLs stay parameters. Each group
    keeps the rows' order."""
    n = len(data[0])
    nulls = [col.count(None) for col in data]
    always = [c == n for c in nulls]

    def others(null: Sequence[bool], pick: Callable[[Sequence[Any]], Sequence[Any]]
               ) -> list[Sequence[Any]]:
        return [pick(col) for col, x in zip(data, null, strict=True) if not x]

    # One column at most: splitting on every such column was measured on the ticket rows,
    # whose nullable columns are many, and cost more than the binds it saved.
    most = max(range(len(data)), key=lambda k: nulls[k] if nulls[k] < n else -1)
    if not 0 < nulls[most] < n or nulls[most] * SPLIT_NULLS < n:
        return [(tuple(always), n, others(always, lambda col: col))]
    col = data[most]
    out: list[tuple[tuple[bool, ...], int, list[Sequence[Any]]]] = []
    for is_null in (False, True):
        rows = [i for i, v in enumerate(col) if (v is None) is is_null]
        null = (*always[:most], is_null, *always[most + 1:])
        out.append((null, len(rows), others(null, _picker(rows))))
    return out


def _picker(rows: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """The values at `rows` of a column, as a tuple (itemgetter's, which gives a single
    value rather than a tuple for one row)."""
    if len(rows) == 1:
        only = rows[0]
        return lambda col: (col[only],)
    return itemgetter(*rows)


def literal(value: Any) -> str:
    """A constant of ours (a bool, an int, or a text such as a source's name) as an SQL
    literal: a constant in the statement costs nothing per row, a parameter a bind each."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        if "\x00" in value:  # no SQL text can hold it; never in a configured name
            raise ValueError("a NUL character in an SQL constant")
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


def _pack(content: tuple[Any, ...]) -> bytes:
    """A ticket's content as bytes, to compare rows of the same batch in the database."""
    return pickle.dumps(content, protocol=4)


def _dup_reject(source: str, label: str, tk: Ticket) -> Reject:
    return Reject(source, label, tk.row, "id",
                  "duplicate id in the same file with different content", tk.id)
