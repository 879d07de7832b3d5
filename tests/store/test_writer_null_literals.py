"""`RawSql.insert_columns` writes NULLs as literals of the statement on SQLite (the sqlite3
module binds a None slowly), grouping the rows by which values are NULL: whatever the mix of
NULLs, the table then holds exactly the rows given, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kpimon.store import Store
from kpimon.store import tables as t
from kpimon.store.writer import RawSql, _null_groups

COLUMNS = ("ticket_key", "valid_from", "superseded_at", "reopened_at")
maybe = st.one_of(st.none(), st.integers(-(2 ** 40), 2 ** 40))
rows = st.lists(st.tuples(maybe, maybe, maybe), min_size=1, max_size=60)


def _stored(conn: Any) -> list[tuple[Any, ...]]:
    r = t.resolutions.c
    return [tuple(x) for x in conn.execute(
        select(r.ticket_key, r.valid_from, r.superseded_at, r.reopened_at)
        .order_by(r.ticket_key))]


@settings(max_examples=40, deadline=None)
@given(rows)
def test_any_mix_of_nulls_is_stored_as_given(tmp_path_factory: pytest.TempPathFactory,
                                             values: list[tuple[Any, Any, Any]]) -> None:
    # valid_from is NOT NULL in the table: stand 0 in for it, the rest as drawn.
    given_rows = [(i, a if a is not None else 0, b, c)
                  for i, (a, b, c) in enumerate(values)]
    url = f"sqlite:///{tmp_path_factory.mktemp('nulls')}/k.db"
    store = Store.open(url)
    try:
        store.upgrade()
        with store.engine.begin() as conn:
            sql = RawSql(conn)
            n = sql.insert_columns("resolutions", COLUMNS,
                                   [list(col) for col in zip(*given_rows, strict=True)],
                                   constants=(("resolved_at", 1),))
            assert n == len(given_rows)
            assert _stored(conn) == given_rows
    finally:
        store.close()


def test_both_databases_store_nulls_and_values(db_url: str) -> None:
    given_rows = [(i, i, None if i % 3 else i * 10, None) for i in range(50)]
    store = Store.open(db_url)
    try:
        store.upgrade()
        with store.engine.begin() as conn:
            RawSql(conn).insert_columns("resolutions", COLUMNS,
                                        [list(c) for c in zip(*given_rows, strict=True)],
                                        constants=(("resolved_at", 1),))
        with store.engine.connect() as conn:
            assert _stored(conn) == given_rows
    finally:
        store.close()


class _Recording:
    """The driver cursor, recording each statement and its parameters."""

    def __init__(self, cursor: Any):
        self.cursor = cursor
        self.calls: list[tuple[str, list[Any]]] = []

    def execute(self, statement: str, params: Any = ()) -> Any:
        self.calls.append((statement, list(params)))
        return self.cursor.execute(statement, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_nulls_become_literals_not_parameters(tmp_path: Any) -> None:
    """A column NULL in every row, and the mostly-NULL one, bind no None at all."""
    store = Store.open(f"sqlite:///{tmp_path}/k.db")
    try:
        store.upgrade()
        with store.engine.begin() as conn:
            sql = RawSql(conn)
            recording = sql.cursor = _Recording(sql.cursor)
            keys = list(range(100))
            superseded = [None if i % 4 else i for i in range(100)]  # 75 % NULL: split on
            sql.insert_columns("resolutions", COLUMNS,
                               [keys, list(range(100)), superseded, [None] * 100],
                               constants=(("resolved_at", 1),))
            assert _stored(conn) == [(i, i, superseded[i], None) for i in range(100)]
        # One statement for the 25 rows with a superseded time, one for the 75 without.
        assert len(recording.calls) == 2
        assert [len(params) for _, params in recording.calls] == [25 * 3, 75 * 2]
        assert all(None not in params for _, params in recording.calls)
        assert all("NULL" in statement for statement, _ in recording.calls)
    finally:
        store.close()


def test_groups_keep_every_row_once_in_order() -> None:
    data: list[list[Any]] = [["a", "b", "c", "d"], [1, None, 3, None], [None] * 4,
                             [5, 6, 7, 8]]
    groups = _null_groups(data)
    assert [(null, n) for null, n, _ in groups] == [
        ((False, False, True, False), 2), ((False, True, True, False), 2)]
    assert [cols for _, _, cols in groups] == [
        [("a", "c"), (1, 3), (5, 7)], [("b", "d"), (6, 8)]]
    # Few NULLs: left as parameters, no split.
    few: list[list[Any]] = [list(range(20)), [None] + list(range(19))]
    assert _null_groups(few) == [((False, False), 20, few)]
    # Every value NULL in one column, none in the others: one group, no pass over the rows.
    one_null: list[list[Any]] = [[1, 2], [None, None]]
    assert _null_groups(one_null) == [((False, True), 2, [[1, 2]])]
