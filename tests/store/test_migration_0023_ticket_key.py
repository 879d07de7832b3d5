"""Migration 0023 gives every ticket a `ticket_key` (its primary key; on SQLite its rowid as it
was) and keys the three facts tables by it instead of by (source, ticket_id); the downgrade
puts them back. Either way every stored fact is carried over to the same ticket (no facts pass
follows), the figures stay the same, and tickets imported after the upgrade get keys of their
own, with their facts — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from kpimon.store import Store, db
from kpimon.store import tables as t
from tests.fixtures.board.kit import Board, T
from tests.kpi.stored_facts import fact_rows
from tests.store.migrate import dirty_tickets, migrate
from tests.store.reopened_board import figures, reopened_board


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    return reopened_board(tmp_path, db_url, capsys)


# Each facts table in 0022's shape, its columns after (source, ticket_id).
OLD_COLUMNS = {
    "resolutions": "resolved_at, valid_from, superseded_at, reopened_at",
    "ticket_facts": "clock, created_c, response_c, resolved_at, resolved_c",
    "resolution_facts": "resolved_at, clock, resolved_c"}


def _old_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {table: sorted(map(tuple, conn.execute(text(
            f"SELECT source, ticket_id, {cols} FROM {table}")).all()))
            for table, cols in OLD_COLUMNS.items()}




def _at_head(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return fact_rows(conn)


def test_upgrade_and_downgrade_carry_every_fact_to_its_ticket(board: Board,
                                                             db_url: str) -> None:
    before = figures(board)
    store = Store.open(db_url)
    try:
        at_head = _at_head(store.engine)
        assert len(at_head["resolution_facts"]) == 1  # X2's first resolution
        assert {r[1] for r in at_head["ticket_facts"]} == {"A1", "X2", "O3"}
        migrate(store, "0022")
        old = _old_rows(store.engine)
        assert old == at_head  # the same rows, by (source, ticket_id)
        sqlite = store.engine.dialect.name == "sqlite"
        with store.engine.connect() as conn:
            rowids: dict[str, int] = dict(conn.execute(text(
                "SELECT id, rowid FROM tickets")).all()) \
                if sqlite else {}

        migrate(store, "head", up=True)
        assert db.is_current(store.engine)
        assert _at_head(store.engine) == old
        tk = t.tickets.c
        with store.engine.connect() as conn:
            keys = dict(conn.execute(select(tk.id, tk.ticket_key)).all())
            assert len(set(keys.values())) == 3
            if sqlite:  # the rowids, kept
                assert keys == rowids

        assert dirty_tickets(store) == 0  # nothing was left for a facts pass

        migrate(store, "0022")
        assert _old_rows(store.engine) == old
        migrate(store, "head", up=True)
        assert _at_head(store.engine) == old
    finally:
        store.close()
    assert figures(board) == before

    # A ticket imported after the upgrade gets a key of its own, and its facts at import.
    board.export("e2.csv", [T("N4", "2020-08-10 09:00", status="resolved",
                              response="2020-08-10 09:05", resolved="2020-08-10 11:00")])
    board.collect()
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            keys = dict(conn.execute(select(tk.id, tk.ticket_key)).all())
            assert keys["N4"] > max(k for tid, k in keys.items() if tid != "N4")
        facts = _at_head(store.engine)
        assert [r[:2] for r in facts["resolutions"] if r[1] == "N4"] == [("export", "N4")]
        assert [r[:3] for r in facts["ticket_facts"] if r[1] == "N4"] == [
            ("export", "N4", "office")]
    finally:
        store.close()
    after = figures(board)
    assert after[1] != before[1]  # N4 counts in August
