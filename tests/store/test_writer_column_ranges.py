"""The store's column limits (store/limits.py): every integer is checked against its column's
type — smallint, integer, bigint, with PostgreSQL's bounds on SQLite too — and a value that
does not fit makes its record a reject naming the field, while the rest of the batch goes in.
Two computer names equal in their first 255 characters are not cut into one (an
IntegrityError before): the longer-than-255 name is a reject. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import BigInteger, Integer, SmallInteger, select

from kpimon.records import Call, Device, DeviceCount, ManualValue, QueueInterval, Ticket
from kpimon.sources.base import Batch
from kpimon.store import Store, limits
from kpimon.store import tables as t

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)
AT = datetime(2020, 3, 2, 8, 0, tzinfo=UTC)


def _store(db_url: str) -> Store:
    store = Store.open(db_url)
    store.upgrade()
    return store


def _write(store: Store, source: str, items: list[object], snapshot: bool = False,
           **kw: bool) -> None:
    run = store.start_run(source, int(NOW.timestamp()))
    batch = Batch(label=f"{source}.file", items=items, snapshot=snapshot)  # type: ignore[arg-type]
    store.write_batch(run, 0, batch, int(NOW.timestamp()), source=source, derive_history=False,
                      **kw)


def _rejects(store: Store) -> list[tuple[str, str | None]]:
    with store.engine.connect() as conn:
        return [(r.source, r.field) for r in conn.execute(
            select(t.rejects).order_by(t.rejects.c.id))]


def test_bounds_follow_the_column_types() -> None:
    assert limits.int_bounds(t.tickets.c.resolved_by_line) == (-32768, 32767)
    assert limits.int_bounds(t.calls.c.wait_seconds) == (-2 ** 31, 2 ** 31 - 1)
    assert limits.int_bounds(t.tickets.c.created) == (-2 ** 63, 2 ** 63 - 1)
    for table in t.metadata.tables.values():  # every integer column has bounds
        for column in table.columns:
            if isinstance(column.type, SmallInteger | Integer | BigInteger):
                assert limits.int_bounds(column)[1] >= 32767


@pytest.mark.parametrize("line", [40000, 10 ** 20, -40000])
def test_ticket_line(db_url: str, line: int) -> None:
    store = _store(db_url)
    _write(store, "tickets", [
        Ticket("tickets", "A1", "incident", "normal", "new", AT, resolved_by_line=2, row=2),
        Ticket("tickets", "A2", "incident", "normal", "new", AT, resolved_by_line=line, row=3)])
    with store.engine.connect() as conn:
        assert [r.id for r in conn.execute(select(t.tickets))] == ["A1"]
    assert _rejects(store) == [("tickets", "resolved_by_line")]


def test_calls_intervals_counts_and_manual_values(db_url: str) -> None:
    store = _store(db_url)
    _write(store, "calls", [Call("calls", "q", "1", AT, 10, "answered"),
                            Call("calls", "q", "2", AT, 3_000_000_000, "answered", row=7),
                            Call("calls", "q" * 129, "3", AT, 10, "answered")])
    good = QueueInterval("ace", "q", AT, AT.replace(hour=9), 10, 9, {20: 8})
    _write(store, "ace", [
        good, QueueInterval("ace", "q", AT.replace(hour=9), AT.replace(hour=10), 40000,
                            3_000_000_000, {20: 8}),
        QueueInterval("ace", "q", AT.replace(hour=10), AT.replace(hour=11), 10, 9, {20: 10 ** 19}),
        QueueInterval("ace", "q", AT.replace(hour=11), AT.replace(hour=12), 10, 9, {},
                      wait_seconds_answered_sum=10 ** 19)])
    # A count past `integer` is a reject, and no snapshot at all (not an empty inventory).
    _write(store, "count", [DeviceCount("count", 3_000_000_000, NOW)], snapshot=True,
           device_source=True)
    _write(store, "manual", [ManualValue("hme", "2020", float("nan"), NOW),
                             ManualValue("hme", "2020", 71.5, NOW)])
    with store.engine.connect() as conn:
        assert [r.call_id for r in conn.execute(select(t.calls))] == ["1"]
        assert [r.received for r in conn.execute(select(t.queue_intervals))] == [10]
        assert list(conn.execute(select(t.device_snapshots))) == []
        assert [r.value for r in conn.execute(select(t.manual_values))] == [71.5]
        rows = [r.row for r in conn.execute(select(t.rejects).where(t.rejects.c.source == "calls"))]
    assert _rejects(store) == [
        ("calls", "wait_seconds"), ("calls", "queue"), ("ace", "answered"),
        ("ace", "answered_within[20]"), ("ace", "wait_seconds_answered_sum"), ("count", "count"),
        ("manual", "value")]
    assert rows == [7, None]


def test_device_names_equal_in_their_first_255_characters(db_url: str) -> None:
    store = _store(db_url)
    stem = "PC" + "x" * 253
    _write(store, "cmdb", [Device("cmdb", stem, NOW), Device("cmdb", stem + "-1", NOW),
                           Device("cmdb", stem + "-2", NOW), Device("cmdb", "PC2", NOW)],
           snapshot=True, device_source=True)
    with store.engine.connect() as conn:
        assert sorted(r.name for r in conn.execute(select(t.devices))) == ["PC2", stem]
    assert _rejects(store) == [("cmdb", "name"), ("cmdb", "name")]
