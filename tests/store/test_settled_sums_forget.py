"""Stored month sums are forgotten where their months change: a reopened period forgets the
months it overlaps and no other; past `FORGET_ALL_ABOVE` dirty tickets every month goes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from kpimon.kpi.results import reopen_period
from kpimon.periods import month
from kpimon.store import Store
from kpimon.store import settled as stored
from kpimon.store import tables as t

TZ = ZoneInfo("Europe/Stockholm")


def _store_months(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(t.settled_sums.c.month_start)).scalars())


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    s.upgrade()
    rows = [{"month_start": m.start_s, "month_end": m.end_s, "ind_key": "k", "bucket": "",
             "a": 0.0, "b": 0, "as_of": 0, "created_n": 0, "resolved_n": 0}
            for m in (month(2020, n, TZ) for n in (1, 2, 3))]
    with s.engine.begin() as conn:
        conn.execute(insert(t.settled_sums), rows)
    yield s
    s.close()


def test_a_reopened_period_forgets_its_months(store: Store) -> None:
    feb = month(2020, 2, TZ)
    with store.engine.begin() as conn:
        conn.execute(insert(t.closed_periods).values(period=feb.label, closed_at=0,
                                                     author="a", payload="[]"))
    reopen_period(store, feb, datetime(2021, 1, 1, tzinfo=UTC), "a", "corrections")
    assert _store_months(store) == [month(2020, 1, TZ).start_s, month(2020, 3, TZ).start_s]


def test_many_dirty_tickets_forget_every_month(store: Store,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored, "FORGET_ALL_ABOVE", 2)
    now = 1_700_000_000
    with store.engine.begin() as conn:
        conn.execute(insert(t.tickets), [
            {"source": "s", "id": f"T{n}", "kind": "incident", "priority": "normal",
             "status": "new", "created": now, "deleted": False, "first_seen": now,
             "last_seen": now, "facts_dirty": False} for n in range(3)])
        stored.forget_dirty(conn)
        assert len(_store_months_in(conn)) == 3  # nothing dirty: nothing forgotten
        conn.execute(update(t.tickets).values(facts_dirty=True))
        stored.forget_dirty(conn)
        assert _store_months_in(conn) == []


def _store_months_in(conn: Any) -> list[int]:
    return list(conn.execute(select(t.settled_sums.c.month_start)).scalars())
