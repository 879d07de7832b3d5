"""The collector: a drop-folder file whose reading raises something unexpected (a bug, an
input no parser foresaw) fails that file alone — a file error naming the file, remembered so
it is not read again every cycle — and the files after it are still stored. An error of the
store itself is not blamed on the file. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kpimon import collector as collector_module
from kpimon.collector import Collector
from kpimon.config import SourceConfig
from kpimon.records import Record, Reject, Ticket
from kpimon.sources.base import Batch, CollectContext
from kpimon.store import Store
from kpimon.store import tables as t

AT = datetime(2020, 3, 2, 8, 0, tzinfo=UTC)


def _ticket(ident: str) -> Ticket:
    return Ticket("drop", ident, "incident", "normal", "new", AT)


def _poison() -> Iterator[Record | Reject]:
    yield _ticket("P1")
    raise RecursionError("maximum recursion depth exceeded")


class ThreeFiles:
    """An adapter (the seam) of a drop folder holding good, poison and good files."""

    def __init__(self, config: SourceConfig):
        self.config = config

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        for name, items in (("a.csv", iter([_ticket("A1")])), ("b.csv", _poison()),
                            ("c.csv", iter([_ticket("C1")]))):
            key = f"{name}|1|1|hash"
            if not ctx.is_imported(key) and not ctx.failed_before(key):
                yield Batch(label=f"/drop/{name}", items=items, file_key=key)


def test_an_unreadable_file_fails_alone(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector_module, "build_adapter", ThreeFiles)
    store = Store.open(db_url)
    store.upgrade()
    config = SourceConfig(name="drop", kind="ticket_csv", every=60, path="/drop/*.csv")
    collector = Collector(store, ZoneInfo("Europe/Stockholm"))
    outcome = collector.collect(config)
    assert not outcome.ok and outcome.error is not None
    assert outcome.error.startswith("/drop/b.csv: cannot be read: RecursionError")
    with store.engine.connect() as conn:
        assert sorted(r.id for r in conn.execute(select(t.tickets))) == ["A1", "C1"]
    again = collector.collect(config)
    assert again.ok and again.batches == 0  # b.csv waits until it or the config changes
