"""BatchWriter with a full resync (`snapshot = True`, as efecte_rest sends): tickets missing
from it are marked deleted; tickets present but skipped as older are not — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from kpimon.records import Ticket
from kpimon.sources.base import Batch
from tests.sources.ticket_csv_files import open_store, stored_tickets


def _t(ident: str, updated: int) -> Ticket:
    return Ticket("src", ident, "incident", "normal", "in_progress",
                  datetime(2020, 3, 2, 8, 0, tzinfo=UTC),
                  updated=datetime(2020, 3, updated, 8, 0, tzinfo=UTC))


def test_full_resync(db_url: str) -> None:
    store = open_store(db_url)
    store.write_batch(1, 0, Batch("first", [_t("A", 5), _t("B", 5), _t("C", 5)]), 1000,
                      source="src", derive_history=True)
    counts = store.write_batch(2, 0, Batch("resync", [_t("A", 5), _t("B", 4)], snapshot=True),
                               2000, source="src", derive_history=True)
    got = stored_tickets(store)
    assert {k: bool(v.deleted) for k, v in got.items()} == {"A": False, "B": False, "C": True}
    assert counts.unchanged == 2
    assert got["B"].updated == int(datetime(2020, 3, 5, 8, 0, tzinfo=UTC).timestamp())
