"""The store owns the SQL: the engine, migrations, upserts and the bookkeeping of collection.

`Store` is built once in `main()` from the configured database URL and passed down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from kpimon.redact import redact
from kpimon.sources.base import Batch, SourceStats
from kpimon.store import db
from kpimon.store import tables as t
from kpimon.store.lock import StoreBusy, WriterLock
from kpimon.store.writer import BatchCounts, BatchWriter, NewTicketFacts, _insert

#: The per-run counts that the exported counters sum (collection_runs columns).
RUN_COUNTS = ("records", "rejects", "requests", "retries", "throttled")


@dataclass(frozen=True)
class RunInfo:
    """The latest collection runs of one source, for metrics and the status page."""

    source: str
    last_started: int | None
    last_ended: int | None
    last_ok: bool | None
    last_error: str | None
    last_success: int | None
    last_duration: float | None
    records_total: int
    rejects_total: int
    requests_total: int
    retries_total: int
    throttled_total: int
    #: When the current run of failures began (the first failed run after the last success).
    failing_since: int | None = None


@dataclass(frozen=True)
class RunCounts:
    """What one completed collection run read: accepted records and rejects."""

    id: int
    ok: bool
    records: int
    rejects: int
    ended: int


@dataclass(frozen=True)
class RejectInfo:
    """One stored reject: where (file), the row number, the field, why, and the value."""

    location: str
    row: int | None
    field: str | None
    reason: str
    value: str | None


@dataclass(frozen=True)
class RejectRun:
    """A collection run as the rejects listing names it."""

    id: int
    source: str
    started: int
    rejects: int


@dataclass(frozen=True)
class FileFailure:
    """A file that failed as a whole: where it is, why, and when (epoch seconds)."""

    path: str
    error: str
    failed_at: int


def save_state(conn: Connection, source: str, values: Mapping[str, str]) -> None:
    """Upsert a source's saved state (key → value) on an open transaction."""
    stmt = _insert(conn, t.source_state)
    stmt = stmt.on_conflict_do_update(index_elements=["source", "key"],
                                      set_={"value": stmt.excluded.value})
    conn.execute(stmt, [{"source": source, "key": k, "value": v} for k, v in values.items()])


class Store:
    """Database access for everything but the indicator aggregates (see kpi/)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        #: One writer of records and facts at a time, across processes (store/lock.py).
        self.writer = WriterLock(engine)

    @classmethod
    def open(cls, url: str) -> Store:
        return cls(db.make_engine(url))

    def upgrade(self) -> None:
        db.upgrade(self.engine)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ collection runs

    def start_run(self, source: str, now: int) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(insert(t.collection_runs).values(
                source=source, started=now, records=0, rejects=0, inserted=0, updated=0,
                unchanged=0, requests=0, retries=0, throttled=0, warnings=0,
            ).returning(t.collection_runs.c.id)).scalar_one())

    def finish_run(self, run_id: int, now: int, ok: bool, counts: BatchCounts,
                   stats: SourceStats, error: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.collection_runs).where(t.collection_runs.c.id == run_id).values(
                ended=now, ok=ok, records=counts.records, rejects=counts.rejected,
                inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged,
                requests=stats.requests, retries=stats.retries, throttled=stats.throttled,
                warnings=stats.warnings, error=error[:2000] if error else None))

    def record_run(self, source: str, started: int, ended: int, ok: bool,
                   counts: BatchCounts, stats: SourceStats, error: str | None = None) -> int:
        """A whole run in one statement: one whose start could not be stored (the store
        was locked or gone then)."""
        with self.engine.begin() as conn:
            return int(conn.execute(insert(t.collection_runs).values(
                source=source, started=started, ended=ended, ok=ok, records=counts.records,
                rejects=counts.rejected, inserted=counts.inserted, updated=counts.updated,
                unchanged=counts.unchanged, requests=stats.requests, retries=stats.retries,
                throttled=stats.throttled, warnings=stats.warnings,
                error=error[:2000] if error else None,
            ).returning(t.collection_runs.c.id)).scalar_one())

    def load_state(self, source: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.key: r.value for r in conn.execute(
                select(t.source_state.c.key, t.source_state.c.value)
                .where(t.source_state.c.source == source))}

    def is_imported(self, source: str, file_key: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.imported_files.c.file_key).where(
                t.imported_files.c.source == source, t.imported_files.c.file_key == file_key
            )).first() is not None

    def write_batch(self, run_id: int, seq: int, batch: Batch, now: int, *,
                    source: str, derive_history: bool, device_source: bool = False,
                    max_delete_share: float | None = None,
                    new_facts: NewTicketFacts | None = None,
                    secrets: Iterable[str] = ()) -> BatchCounts:
        """Store one batch, its state and its file identity in one transaction (under the
        writer lock: no facts pass runs while tickets change); with `new_facts`, the facts of
        its new tickets too (see BatchWriter). A ticket snapshot saves how many deletions it
        held back (`held_deletions` state, 0 when none). `secrets` (the configuration's) are
        masked in the file's name and the rejects' locations kept."""
        secrets = tuple(secrets)
        with self.writer.hold(), self.engine.begin() as conn:
            writer = BatchWriter(conn, source, batch.label, run_id * 100000 + seq, now,
                                 derive_history, batch.snapshot, device_source,
                                 max_delete_share, new_facts, secrets)
            counts = writer.write(batch.items)
            state = dict(batch.state)
            if batch.snapshot and not device_source:
                state["held_deletions"] = str(counts.held_deletions)
                if counts.held_deletions:
                    # Not a full resync that counts: the next collection is a full one again
                    # (a glitch at the source passes, a raised max_delete_share takes effect).
                    state.pop("last_full", None)
            if state:
                save_state(conn, source, state)
            if batch.file_key:
                stmt = _insert(conn, t.imported_files).on_conflict_do_nothing()
                # never a URL's password or token, nor a secret of the configuration's
                path = redact(batch.label, secrets)[:1000]
                conn.execute(stmt, [{"source": source, "file_key": batch.file_key,
                                     "path": path, "imported_at": now, "run_id": run_id}])
                # An earlier version of this file that failed as a whole is mended now.
                ff = t.file_failures.c
                conn.execute(delete(t.file_failures).where(
                    ff.source == source, ff.path == path))
        return counts

    # ------------------------------------------------------------ files that failed whole

    def file_failure(self, source: str, file_key: str, config_hash: str) -> str | None:
        """The error of a file that failed as a whole under this source configuration."""
        ff = t.file_failures.c
        with self.engine.connect() as conn:
            return conn.execute(select(ff.error).where(
                ff.source == source, ff.file_key == file_key, ff.config_hash == config_hash
            )).scalar_one_or_none()

    def record_file_failure(self, source: str, file_key: str, path: str, config_hash: str,
                            error: str, now: int, run_id: int | None,
                            secrets: Iterable[str] = ()) -> None:
        """Remember a file that failed as a whole (`path` named with `secrets`, the
        configuration's, masked: as `write_batch` names it, which mends the failure)."""
        with self.engine.begin() as conn:
            stmt = _insert(conn, t.file_failures)
            stmt = stmt.on_conflict_do_update(
                index_elements=["source", "file_key"],
                set_={k: stmt.excluded[k] for k in ("path", "config_hash", "error", "failed_at",
                                                    "run_id")})
            conn.execute(stmt, [{"source": source, "file_key": file_key,
                                 "path": redact(path, secrets)[:1000],
                                 "config_hash": config_hash, "error": error, "failed_at": now,
                                 "run_id": run_id}])

    def file_failures(self) -> dict[str, list[FileFailure]]:
        """Per source, the files that failed as a whole and have not been mended, newest
        first."""
        ff = t.file_failures.c
        out: dict[str, list[FileFailure]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(select(ff.source, ff.path, ff.error, ff.failed_at)
                                  .order_by(ff.failed_at.desc(), ff.path)):
                out.setdefault(r.source, []).append(FileFailure(r.path, r.error, r.failed_at))
        return out

    def run_rejects(self, run_id: int, limit: int = 10) -> list[RejectInfo]:
        """The first rejects of one collection run, in file and row order."""
        r = t.rejects.c
        with self.engine.connect() as conn:
            return [RejectInfo(x.location, x.row, x.field, x.reason, x.value)
                    for x in conn.execute(select(r.location, r.row, r.field, r.reason, r.value)
                                          .where(r.run_id == run_id)
                                          .order_by(r.location, r.row, r.id)
                                          .limit(limit))]

    def reject_runs(self, source: str, run_id: int | None = None) -> RejectRun | None:
        """A source's latest collection run that rejected rows (or run `run_id` of it):
        when it started and how many it rejected."""
        c = t.collection_runs.c
        query = select(c.id, c.source, c.started, c.rejects).where(c.source == source)
        if run_id is not None:
            query = query.where(c.id == run_id)
        else:
            query = query.where(c.rejects > 0).order_by(c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return RejectRun(row.id, row.source, row.started, int(row.rejects)) if row else None

    def runs(self, sources: list[str]) -> dict[str, RunInfo]:
        """Per source: the latest run, the latest success and totals over all runs."""
        c = t.collection_runs.c
        out: dict[str, RunInfo] = {}
        with self.engine.connect() as conn:
            totals: dict[str, dict[str, int]] = {}
            kept = conn.execute(select(c.source, *(func.coalesce(func.sum(c[k]), 0).label(k)
                                                   for k in RUN_COUNTS)).group_by(c.source))
            purged = conn.execute(select(t.purged_run_totals))
            for row in [*kept, *purged]:
                tot = totals.setdefault(row.source, dict.fromkeys(RUN_COUNTS, 0))
                for k in RUN_COUNTS:
                    tot[k] += int(getattr(row, k))
            for name in sources:
                last = conn.execute(select(c.started, c.ended, c.ok, c.error)
                                    .where(c.source == name, c.ended.is_not(None))
                                    .order_by(c.id.desc()).limit(1)).first()
                good = conn.execute(select(c.started, c.ended)
                                    .where(c.source == name, c.ok.is_(True))
                                    .order_by(c.id.desc()).limit(1)).first()
                tot = totals.get(name, dict.fromkeys(RUN_COUNTS, 0))
                failing_since = None
                if last is not None and not last.ok:
                    after = [] if good is None else [c.started > good.started]
                    failing_since = conn.execute(
                        select(func.min(c.started)).where(
                            c.source == name, c.ended.is_not(None), c.ok.is_not(True), *after)
                    ).scalar()
                out[name] = RunInfo(
                    source=name,
                    last_started=last.started if last else None,
                    last_ended=last.ended if last else None,
                    last_ok=bool(last.ok) if last else None,
                    last_error=last.error if last else None,
                    last_success=good.ended if good else None,
                    last_duration=float(last.ended - last.started) if last else None,
                    records_total=tot["records"], rejects_total=tot["rejects"],
                    requests_total=tot["requests"], retries_total=tot["retries"],
                    throttled_total=tot["throttled"],
                    failing_since=int(failing_since) if failing_since is not None else None,
                )
        return out

    def first_run_started(self, sources: list[str]) -> dict[str, int]:
        """When each source's first kept collection run started (for staleness before any
        success)."""
        c = t.collection_runs.c
        with self.engine.connect() as conn:
            return {r.source: int(r.started) for r in conn.execute(
                select(c.source, func.min(c.started).label("started"))
                .where(c.source.in_(sources)).group_by(c.source))}

    def recent_runs(self, source: str, limit: int) -> list[RunCounts]:
        """The source's latest completed collection runs that read something (records or
        rejects), newest first: what a data-quality check compares."""
        c = t.collection_runs.c
        with self.engine.connect() as conn:
            return [RunCounts(r.id, bool(r.ok), int(r.records), int(r.rejects), int(r.ended))
                    for r in conn.execute(
                        select(c.id, c.ok, c.records, c.rejects, c.ended)
                        .where(c.source == source, c.ended.is_not(None),
                               c.records + c.rejects > 0)
                        .order_by(c.id.desc()).limit(limit))]

    def collected_sources(self, conn: Connection) -> set[str]:
        """The sources that have completed at least one collection (an `import` included):
        a successful run, kept or already purged by retention."""
        c = t.collection_runs.c
        return set(conn.execute(union(select(c.source).where(c.ok.is_(True)),
                                      select(t.purged_run_totals.c.source))).scalars())

    def open_ticket_counts(self, orgs: tuple[str, ...]) -> dict[tuple[str, str, str], int]:
        """Open tickets now by (kind, priority, org or `other`); excluded tickets left out."""
        tk = t.tickets.c
        ex = t.exclusions.c
        org = case((tk.org.in_(orgs), tk.org), else_=literal("other")) if orgs \
            else literal("other")
        never: ColumnElement[int] = literal_column(str(t.NEVER_DONE))
        query = (select(tk.kind, tk.priority, org.label("org"), func.count().label("n"))
                 # Not done and not cancelled, in ix_tickets_open's words (store/tables.py):
                 # one key of that index.
                 .where(func.coalesce(tk.done_at, never) == never,
                        tk.status != literal_column("'cancelled'"),
                        tk.status.not_in(("resolved", "closed")),
                        tk.deleted.is_(False),
                        ~exists(select(literal(1)).where(ex.ticket_id == tk.id)))
                 .group_by(tk.kind, tk.priority, org))
        with self.engine.connect() as conn:
            return {(r.kind, r.priority, r.org): int(r.n) for r in conn.execute(query)}

    def device_counts(self) -> dict[str, int]:
        """The count of each source's latest inventory snapshot."""
        ds = t.device_snapshots.c
        latest = (select(ds.source, func.max(ds.id).label("id")).group_by(ds.source)
                  .subquery())
        with self.engine.connect() as conn:
            return {r.source: int(r.n) for r in conn.execute(
                select(ds.source, ds.count.label("n")).join(latest, latest.c.id == ds.id))}

    def stored_counts(self) -> dict[str, tuple[int, str]]:
        """What each source has in the store now: (count, what) — tickets (not deleted at the
        source), calls, queue intervals, or the computers of its latest inventory (the count
        `kpimon_devices` and `explain` give)."""
        out: dict[str, tuple[int, str]] = {}
        tk = t.tickets.c
        with self.engine.connect() as conn:
            for table, noun, where in ((t.calls, "calls", None),
                                       (t.queue_intervals, "intervals", None),
                                       (t.tickets, "tickets", tk.deleted.is_(False))):
                query = select(table.c.source, func.count().label("n")).group_by(table.c.source)
                if where is not None:
                    query = query.where(where)
                for r in conn.execute(query):
                    n, what = out.get(r.source, (0, noun))
                    out[r.source] = (n + int(r.n), what if n else noun)
        for source, n in self.device_counts().items():
            out[source] = (n, "computers")
        return out

    def data_version(self, conn: Any) -> tuple[Any, ...]:
        """A token that changes whenever what the indicators read may have changed: new or
        changed records (the facts pass), exclusions, manual values and adopted periods."""
        ex = t.exclusions.c
        mv = t.manual_values.c
        cr = t.collection_runs.c
        row = conn.execute(select(
            select(func.max(cr.id)).where(cr.records > 0).scalar_subquery(),
            select(func.count()).select_from(t.exclusions).scalar_subquery(),
            select(func.max(ex.created_at)).scalar_subquery(),
            select(func.max(mv.id)).scalar_subquery(),
            select(func.count()).select_from(t.tickets).where(t.IS_DIRTY)
            .scalar_subquery(),
        )).one()
        return tuple(row)

    def purge(self, before: int) -> dict[str, int]:
        """Delete what is older than `before` (epoch seconds): tickets created before it with
        their history and facts (open ones are kept: they still count), calls and queue
        intervals, inventory snapshots (the latest of each source is kept), rejects and
        collection runs. Returns the rows deleted per table."""
        tk = t.tickets.c
        old_where = (tk.created < before, tk.done_at.is_not(None), tk.done_at < before)
        old = select(tk.source, tk.id).where(*old_where)
        old_keys = select(tk.ticket_key).where(*old_where)
        out: dict[str, int] = {}
        ds = t.device_snapshots.c
        latest = select(func.max(ds.id)).group_by(ds.source)
        with self.writer.hold(), self.engine.begin() as conn:
            out["status_changes"] = conn.execute(t.status_changes.delete().where(
                tuple_(t.status_changes.c.source, t.status_changes.c.ticket_id).in_(old))
            ).rowcount
            for table in (t.ticket_facts, t.resolution_facts, t.resolutions):
                out[table.name] = conn.execute(table.delete().where(
                    table.c.ticket_key.in_(old_keys))).rowcount
            out["tickets"] = conn.execute(t.tickets.delete().where(*old_where)).rowcount
            out["calls"] = conn.execute(t.calls.delete().where(
                t.calls.c.entered < before)).rowcount
            qi = t.queue_intervals.c
            out["queue_interval_levels"] = conn.execute(t.queue_interval_levels.delete().where(
                t.queue_interval_levels.c.start < before)).rowcount
            out["queue_intervals"] = conn.execute(t.queue_intervals.delete().where(
                qi.start < before)).rowcount
            old_snaps = select(ds.id).where(ds.taken_at < before, ds.id.not_in(latest))
            out["devices"] = conn.execute(t.devices.delete().where(
                t.devices.c.snapshot_id.in_(old_snaps))).rowcount
            out["device_snapshots"] = conn.execute(t.device_snapshots.delete().where(
                ds.taken_at < before, ds.id.not_in(latest))).rowcount
            out["rejects"] = conn.execute(t.rejects.delete().where(
                t.rejects.c.at < before)).rowcount
            out["collection_runs"] = self._purge_runs(conn, before)
        return out

    @staticmethod
    def _purge_runs(conn: Connection, before: int) -> int:
        """Delete the runs started before `before`, first adding their counts to the source's
        purged totals, so the exported counters never go back."""
        c = t.collection_runs.c
        old = c.started < before
        sums = conn.execute(select(c.source, *(func.coalesce(func.sum(c[k]), 0).label(k)
                                               for k in RUN_COUNTS))
                            .where(old).group_by(c.source)).all()
        if sums:
            stmt = _insert(conn, t.purged_run_totals)
            p = t.purged_run_totals.c
            stmt = stmt.on_conflict_do_update(
                index_elements=["source"],
                set_={k: p[k] + stmt.excluded[k] for k in RUN_COUNTS})
            conn.execute(stmt, [{"source": r.source, **{k: int(getattr(r, k))
                                                        for k in RUN_COUNTS}} for r in sums])
        return int(conn.execute(t.collection_runs.delete().where(old)).rowcount)

    def state_values(self, key: str) -> Mapping[str, str]:
        """One state key across sources (e.g. every source's `watermark`)."""
        with self.engine.connect() as conn:
            return {r.source: r.value for r in conn.execute(
                select(t.source_state.c.source, t.source_state.c.value)
                .where(t.source_state.c.key == key))}


__all__ = ["Store", "RunInfo", "RunCounts", "RejectInfo", "RejectRun", "BatchCounts",
           "FileFailure", "StoreBusy", "NewTicketFacts"]
