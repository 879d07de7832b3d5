"""Migration 0022 moves each ticket's last resolution from `resolution_facts` onto its
`ticket_facts` row and leaves only the earlier resolutions of a reopened ticket behind; the
downgrade moves them back. Either way no fact is lost (no facts pass follows), the rows are
those a facts pass computes, and every figure stays the same — an earlier resolution's too,
read as of a moment between the two resolutions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kpimon.store import Store, db
from tests.fixtures.board.kit import Board
from tests.store.migrate import dirty_tickets, migrate
from tests.store.reopened_board import figures, reopened_board


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    return reopened_board(tmp_path, db_url, capsys)


COLUMNS = {"ticket_facts": "ticket_id, clock, created_c, response_c",
           "resolution_facts": "ticket_id, resolved_at, clock, resolved_c"}
LAST = ", resolved_at, resolved_c"  # ticket_facts from 0022 on


def _rows(engine: Engine, table: str, last: bool = True) -> list[tuple[Any, ...]]:
    cols = COLUMNS[table] + (LAST if last and table == "ticket_facts" else "")
    with engine.connect() as conn:
        return sorted(map(tuple, conn.execute(text(f"SELECT {cols} FROM {table}")).all()))




def test_downgrade_and_upgrade_move_the_last_resolution(board: Board, db_url: str) -> None:
    before = figures(board)
    # As of 08-10, X2's first resolution (08-06) holds: an earlier resolution's position.
    assert before[0][0]["denominator"] == 2
    store = Store.open(db_url)
    try:
        # (0023 keys the facts tables by ticket_key: these rows are read in 0022's shape.)
        migrate(store, "0022")
        at_head = {name: _rows(store.engine, name) for name in ("ticket_facts",
                                                                "resolution_facts")}
        # 0022: one resolution_facts row, X2's first; the last ones on the tickets' rows.
        ((tid, first_at, _, _),) = at_head["resolution_facts"]
        assert tid == "X2"
        last_on_row = {r[0]: r[4] for r in at_head["ticket_facts"]}
        assert last_on_row["O3"] is None and last_on_row["A1"] is not None
        assert last_on_row["X2"] > first_at

        migrate(store, "0021", up=False)
        assert sorted(r[0] for r in _rows(store.engine, "resolution_facts")) == [
            "A1", "X2", "X2"]
        assert _rows(store.engine, "ticket_facts", last=False) == \
            [r[:4] for r in at_head["ticket_facts"]]

        migrate(store, "0022", up=True)
        assert {name: _rows(store.engine, name) for name in at_head} == at_head
        migrate(store, "head", up=True)
        assert db.is_current(store.engine)
        assert dirty_tickets(store) == 0  # nothing was left for a facts pass
    finally:
        store.close()
    assert figures(board) == before
