"""BatchWriter reads lazy items ahead in a helper thread. An error raised while reading (a
source failing mid-file) reaches the collector as the source's error, and the batch's
transaction is rolled back: nothing of the file is stored and the file is not marked
imported. If writing fails, the reader stops and the items are closed — on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.collector import Collector
from kpimon.config import SourceConfig
from kpimon.records import Record, Reject, Ticket
from kpimon.sources.base import Batch, CollectContext, SourceError
from kpimon.store import writer
from tests.sources.ticket_csv_files import open_store, stored_tickets

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)


def _ticket(n: int) -> Ticket:
    return Ticket("src", f"T{n}", "incident", "normal", "new",
                  datetime(2020, 3, 2, 8, 0, tzinfo=UTC), row=n)


class _Failing:
    """An adapter whose one file fails after `fail_after` rows."""

    def __init__(self, fail_after: int):
        self.fail_after = fail_after
        self.closed = threading.Event()

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        def items() -> Iterator[Record | Reject]:
            try:
                for n in range(10_000):
                    if n == self.fail_after:
                        raise SourceError("the export server went away mid-file")
                    yield _ticket(n)
            finally:
                self.closed.set()
        yield Batch(label="export.csv", items=items(), file_key="k1")


def test_error_while_reading_rolls_back(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "CHUNK", 100)
    store = open_store(db_url)
    collector = Collector(store, ZoneInfo("Europe/Stockholm"), clock=lambda: NOW)
    cfg = SourceConfig(name="src", kind="ticket_csv", every=60)
    adapter = _Failing(fail_after=750)
    collector._adapters["src"] = adapter
    outcome = collector.collect(cfg)
    assert not outcome.ok and outcome.error == "the export server went away mid-file"
    assert stored_tickets(store) == {}
    assert not store.is_imported("src", "k1")
    assert adapter.closed.is_set()


def test_error_while_writing_stops_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "CHUNK", 10)
    adapter = _Failing(fail_after=10_000)
    [batch] = adapter.collect(None)  # type: ignore[arg-type]
    chunks = writer._read_ahead(batch.items)
    assert len(next(chunks)) == 10
    chunks.close()  # the writer gave up (its generator is closed)
    assert adapter.closed.wait(5)
    assert not any(t.name == "kpimon-read-ahead" for t in threading.enumerate())
