"""Retention never makes a counter go back (DESIGN §5, §8): the runs it purges are added to
their source's totals first, so `kpimon_source_records_total` and the others keep counting;
and a source whose runs are all purged still counts as having completed a collection."""

from __future__ import annotations

from kpimon.sources.base import SourceStats
from kpimon.store import BatchCounts, Store


def _run(store: Store, source: str, at: int, records: int, rejects: int, ok: bool = True
         ) -> None:
    run = store.start_run(source, at)
    store.finish_run(run, at + 1, ok, BatchCounts(records=records, rejected=rejects),
                     SourceStats(requests=2, retries=1))


def test_purge_keeps_the_totals(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.upgrade()
        _run(store, "export", 1000, 10, 2)
        _run(store, "export", 2000, 5, 1)
        _run(store, "export", 9000, 7, 0)
        _run(store, "phone", 1000, 3, 0)
        before = store.runs(["export", "phone"])
        assert before["export"].records_total == 22 and before["export"].rejects_total == 3

        store.purge(5000)
        store.purge(5000)  # nothing more to purge: nothing counted twice
        after = store.runs(["export", "phone"])
        for name in ("export", "phone"):
            for field in ("records_total", "rejects_total", "requests_total",
                          "retries_total", "throttled_total"):
                assert getattr(after[name], field) == getattr(before[name], field), \
                    (name, field)
        assert after["phone"].last_ok is None  # its only run is gone, its counts are not
        with store.engine.connect() as conn:
            assert store.collected_sources(conn) == {"export", "phone"}

        _run(store, "export", 12000, 4, 1)
        store.purge(10000)
        assert store.runs(["export"])["export"].records_total == 26
    finally:
        store.close()
