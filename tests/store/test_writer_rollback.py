"""A source failing in the middle of a file: the error reaches the collection run, and the
batch's transaction is rolled back — nothing of the file is stored, the file is not marked
imported (so the next cycle takes it again) and its `after` step does not run — on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.collector import Collector
from kpimon.config import SourceConfig
from kpimon.records import Record, Reject, Ticket
from kpimon.sources.base import Batch, CollectContext, SourceError
from kpimon.store import writer
from tests.sources.ticket_csv_files import open_store, stored_rejects, stored_tickets

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)


class _Failing:
    """An adapter whose one file fails after `fail_after` rows."""

    def __init__(self, fail_after: int):
        self.fail_after = fail_after
        self.after_ran = False

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        def items() -> Iterator[Record | Reject]:
            for n in range(10_000):
                if n == self.fail_after:
                    raise SourceError("the export server went away mid-file")
                if n % 7 == 0:
                    yield Reject("src", "export.csv", n, "priority", "not mapped", "x")
                yield Ticket("src", f"T{n}", "incident", "normal", "new",
                             datetime(2020, 3, 2, 8, 0, tzinfo=UTC), row=n)

        def after() -> None:
            self.after_ran = True

        yield Batch(label="export.csv", items=items(), file_key="k1", on_commit=after)


def test_error_mid_file_rolls_back(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "CHUNK", 100)  # several chunks written before the failure
    store = open_store(db_url)
    collector = Collector(store, ZoneInfo("Europe/Stockholm"), clock=lambda: NOW)
    adapter = _Failing(fail_after=750)
    config = SourceConfig(name="src", kind="ticket_csv", every=60)
    collector._adapters["src"] = (config, adapter)
    outcome = collector.collect(config)
    assert not outcome.ok and outcome.error == "the export server went away mid-file"
    assert stored_tickets(store) == {} and stored_rejects(store) == []
    assert not store.is_imported("src", "k1")
    assert not adapter.after_ran
    info = store.runs(["src"])["src"]
    assert info.last_ok is False and info.records_total == 0
