"""One collection of one source: run its adapter, store each batch, record the run.

This is the one place where a source's failure is caught: whatever the adapter raises becomes a
failed collection run (with the error text, secrets redacted) that metrics, alerts and the
status page show, and the daemon goes on with the other sources.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from kpimon.config import TICKET_SOURCE_KINDS, SourceConfig
from kpimon.records import Record, Reject
from kpimon.redact import redact
from kpimon.sources import build_adapter
from kpimon.sources.base import (
    Adapter,
    Batch,
    CollectContext,
    FileError,
    SourceError,
    SourceStats,
)
from kpimon.store import BatchCounts, NewTicketFacts, Store
from kpimon.timeutil import epoch

log = logging.getLogger("kpimon.collect")
DEVICE_KINDS = ("sccm", "inventory_csv")
PROGRESS_EVERY = 1024  # items between two progress reports
UNRECORDED_KEPT = 100  # runs kept for the store while it refuses them


class Progress(Protocol):
    """Told how a batch is getting on while it is stored (`kpimon import`'s progress bar).

    Called from whichever thread consumes the batch's items; `done` and `total` are bytes of
    the file behind the batch (0 and 0 when the adapter does not say).
    """

    def update(self, label: str, items: int, done: int, total: int) -> None: ...


@dataclass
class RunOutcome:
    """What one collection did; `error` is None when it succeeded."""

    source: str
    ok: bool
    counts: BatchCounts = field(default_factory=BatchCounts)
    stats: SourceStats = field(default_factory=SourceStats)
    error: str | None = None
    duration: float = 0.0
    batches: int = 0
    run_id: int | None = None  # the collection run (its rejects carry it)
    file_errors: list[str] = field(default_factory=list)  # files that failed as a whole
    started: int = 0  # epoch seconds
    #: False when the store could not record the run (locked, unreachable): the outcome is
    #: then the only record, and the daemon shows it until a later run is stored.
    recorded: bool = True


class Collector:
    """Runs adapters against the store. Adapters are built once and kept (tokens, offsets)."""

    def __init__(self, store: Store, tz: ZoneInfo, secrets: tuple[str, ...] = (),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 new_facts: NewTicketFacts | None = None):
        """`secrets` are the configuration's (`Config.secrets`): masked in a run's error and
        handed to the adapters (`CollectContext.secrets`) and the store, which mask them in
        every name of a file or a row they keep. `new_facts` computes the facts of new
        tickets in each batch's own transaction (kpi/facts.py's FactsBuilder.new_tickets;
        without it the facts pass does them)."""
        self.store = store
        self.new_facts = new_facts
        self.tz = tz
        self.secrets = secrets
        self.clock = clock
        self._adapters: dict[str, tuple[SourceConfig, Adapter]] = {}
        # Runs the store refused (locked, gone), oldest first, with when they ended.
        self._unrecorded: list[tuple[RunOutcome, int]] = []

    def adapter(self, config: SourceConfig) -> Adapter:
        """The source's adapter, kept while its configuration stays the same."""
        kept = self._adapters.get(config.name)
        if kept is None or kept[0] != config:
            kept = (config, build_adapter(config))
            self._adapters[config.name] = kept
        return kept[1]

    def collect(self, config: SourceConfig, *, files: list[Path] | None = None,
                wait_for_settle: bool = False, progress: Progress | None = None,
                force: bool = False) -> RunOutcome:
        """Collect one source; never raises for a failing source.

        A file that fails as a whole (`FileError`) fails alone: it is remembered with the
        source's configuration, the collection goes on with the next file, and the run ends
        failed with its message. `force` (`kpimon import --force`) reads such files again."""
        started = time.monotonic()
        now = self.clock()
        outcome = RunOutcome(config.name, ok=True, started=epoch(now))
        derive = config.kind in TICKET_SOURCE_KINDS and not config.status_changes \
            and not config.devices
        chash = config_hash(config)
        try:
            # Inside the handler: a store that is locked or gone fails the run like a source.
            run_id = outcome.run_id = self.store.start_run(config.name, epoch(now))
            ctx = CollectContext(
                config=config, tz=self.tz, now=now, state=self.store.load_state(config.name),
                is_imported=lambda key: self.store.is_imported(config.name, key),
                failed_before=(lambda key: False) if force else (
                    lambda key: self.store.file_failure(config.name, key, chash) is not None),
                files=files, wait_for_settle=wait_for_settle, stats=outcome.stats,
                log=logging.getLogger(f"kpimon.sources.{config.name}"), secrets=self.secrets)
            for seq, batch in enumerate(self.adapter(config).collect(ctx)):
                if batch.file_key:
                    batch = replace(batch, items=_file_items(batch))
                if progress is not None:
                    batch = replace(batch, items=_watched(batch, progress))
                try:
                    counts = self.store.write_batch(
                        run_id, seq, batch, epoch(now), source=config.name,
                        derive_history=derive,
                        device_source=config.kind in DEVICE_KINDS or config.devices,
                        max_delete_share=config.max_delete_share,
                        new_facts=self.new_facts, secrets=self.secrets)
                except FileError as e:  # rolled back; this file alone fails
                    message = self._redact(e.message)
                    outcome.file_errors.append(message)
                    log.error("source %s: %s", config.name, message)
                    if batch.file_key:
                        self.store.record_file_failure(
                            config.name, batch.file_key, batch.label, chash, message,
                            epoch(self.clock()), run_id, secrets=self.secrets)
                    continue
                outcome.counts.add(counts)
                outcome.batches += 1
                if counts.held_deletions:
                    log.warning(
                        "source %s: %s would mark %d tickets deleted, more than max_delete_share"
                        " (%g) of the source's tickets; held, nothing marked deleted (if they "
                        "really are gone, raise max_delete_share for one collection)",
                        config.name, batch.label, counts.held_deletions,
                        config.max_delete_share)
                if batch.on_commit is not None:
                    try:
                        batch.on_commit()
                    except OSError as e:
                        log.warning("source %s: after-import step for %s failed: %s",
                                    config.name, batch.label, e)
        except SourceError as e:
            outcome.ok = False
            outcome.error = self._redact(e.message + (f" (code {e.code})" if e.code else ""))
        except Exception as e:  # a bug or an unexpected failure must not stop the daemon
            outcome.ok = False
            outcome.error = self._redact(describe(e))
            log.debug("source %s failed", config.name, exc_info=True)
        if outcome.file_errors and outcome.ok:
            outcome.ok = False
            more = len(outcome.file_errors) - 1
            outcome.error = outcome.file_errors[0] + (
                f" (and {more} more file{'s' if more > 1 else ''})" if more else "")
        outcome.duration = time.monotonic() - started
        self._record(outcome)
        c = outcome.counts
        if outcome.ok:
            log.info("source %s: %d records (%d new, %d updated, %d unchanged), %d rejected, "
                     "%d files, %.2f s", config.name, c.records, c.inserted, c.updated,
                     c.unchanged, c.rejected, outcome.batches, outcome.duration)
        else:
            log.error("source %s failed after %.2f s: %s", config.name, outcome.duration,
                      outcome.error)
        return outcome

    def _record(self, outcome: RunOutcome) -> None:
        """Store the run's end (or, when even its start could not be stored, the whole run).
        A store that refuses this too leaves the outcome unrecorded — and failed: a run that
        cannot be recorded is an outage of its own. It is kept, and stored by the first later
        run that the store takes."""
        ended = epoch(self.clock())
        try:
            self._store_run(outcome, ended)
        except Exception as e:
            outcome.recorded = False
            why = self._redact(describe(e))
            if outcome.ok:
                outcome.ok = False
                outcome.error = f"the run could not be recorded: {why}"
            log.error("source %s: the collection run could not be recorded: %s",
                      outcome.source, why)
            self._unrecorded.append((outcome, ended))
            del self._unrecorded[:-UNRECORDED_KEPT]
            return
        while self._unrecorded:  # the store takes runs again: those it refused before
            earlier, at = self._unrecorded[0]
            try:
                self._store_run(earlier, at)
            except Exception:
                break
            self._unrecorded.pop(0)

    def _store_run(self, outcome: RunOutcome, ended: int) -> None:
        if outcome.run_id is None:
            outcome.run_id = self.store.record_run(
                outcome.source, outcome.started, ended, outcome.ok, outcome.counts,
                outcome.stats, outcome.error)
        else:
            self.store.finish_run(outcome.run_id, ended, outcome.ok, outcome.counts,
                                  outcome.stats, outcome.error)

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


def describe(e: BaseException) -> str:
    """An exception as one line for a failed run: for the database's own errors the driver's
    message (`OperationalError: database is locked`), not SQLAlchemy's statement and
    parameters."""
    if isinstance(e, DBAPIError) and e.orig is not None:
        first = str(e.orig).strip().splitlines()
        return f"the store failed: {type(e.orig).__name__}: {first[0] if first else ''}"
    return f"{type(e).__name__}: {e}"


def config_hash(config: SourceConfig) -> str:
    """Identifies what a source reads files with (secrets left out): a file that failed under
    one configuration is read again once this changes."""
    return hashlib.sha256(repr(replace(config, password=None)).encode()).hexdigest()[:32]


def _file_items(batch: Batch) -> Iterator[Record | Reject]:
    """A file's items, where anything unexpected that reading them raises fails that file
    alone: a `FileError` naming it, so the file is remembered as failed and the files after
    it are still taken. Only the adapter's own reading is covered — an error of the store
    while it writes (a lock, a full disk) is raised by the writer, not here, and stays a
    failed collection that is tried again."""
    try:
        yield from batch.items
    except SourceError:
        raise
    except Exception as e:  # a bug in reading one file must not stop the others
        log.debug("%s: unreadable", batch.label, exc_info=True)
        raise FileError(f"{batch.label}: cannot be read: {type(e).__name__}: {e}",
                        permanent=True) from e


def _watched(batch: Batch, progress: Progress) -> Iterator[Record | Reject]:
    """The batch's items, reporting to `progress` every PROGRESS_EVERY items and at the end."""
    where = batch.progress

    def report(n: int) -> None:
        done, total = where() if where is not None else (0, 0)
        progress.update(batch.label, n, done, total)

    n = 0
    for item in batch.items:
        n += 1
        if n % PROGRESS_EVERY == 0:
            report(n)
        yield item
    report(n)
