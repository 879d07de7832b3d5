"""Migration 0020 makes the three facts tables WITHOUT ROWID on SQLite (one B-tree a row
instead of two) and keeps every stored fact, so no facts pass is needed after the upgrade;
downgrading gives ordinary tables back with the same rows. PostgreSQL is left as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kpimon.store import Store, db
from kpimon.store import tables as t
from tests.fixtures.board.kit import Board, T
from tests.store.migrate import dirty_tickets, migrate

INDICATORS = """
[[indicators]]
id = "handling_office"
kind = "handling_time"
calendar = "office"
unit = "hours"
"""
FACT_TABLES = (t.resolutions, t.ticket_facts, t.resolution_facts)


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, history=False)
    b.export("e.csv", [
        T("A1", "2020-03-02 08:00", status="closed", response="2020-03-02 08:10",
          resolved="2020-03-02 12:00", closed="2020-03-06 12:00"),
        T("A2", "2020-03-03 16:00", status="resolved", response="2020-03-03 17:00",
          resolved="2020-03-04 09:00"),
        T("A3", "2020-03-05 10:00", status="in_progress", response="2020-03-05 10:20"),
    ])
    b.collect()
    return b


def _rows(engine: Engine) -> dict[str, list[Any]]:
    # Every column the table has at the current revision (0022 adds two to ticket_facts).
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(text(
            f"SELECT * FROM {table.name}")).all())) for table in FACT_TABLES}


def _without_rowid(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return {table.name: conn.execute(text(
            "SELECT wr FROM pragma_table_list WHERE name = :n"), {"n": table.name}).scalar_one()
            == 1 for table in FACT_TABLES}


def test_upgrade_and_downgrade_keep_every_fact(board: Board, db_url: str) -> None:
    before = board.kpis("--period", "2020-03")["indicators"]
    store = Store.open(db_url)
    try:
        migrate(store, "0021")  # the facts tables as 0020 left them
        stored = _rows(store.engine)
        assert all(stored.values()), "the board wrote facts to carry over"
        sqlite = store.engine.dialect.name == "sqlite"
        if sqlite:
            assert _without_rowid(store.engine) == dict.fromkeys(stored, True)
        migrate(store, "0018")
        assert _rows(store.engine) == stored
        if sqlite:
            assert _without_rowid(store.engine) == dict.fromkeys(stored, False)
        migrate(store, "0021", up=True)
        assert _rows(store.engine) == stored
        if sqlite:
            assert _without_rowid(store.engine) == dict.fromkeys(stored, True)
            with store.engine.connect() as conn:  # the period index came back with the table
                assert conn.execute(text(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                    "name = 'ix_resolutions_resolved_at'")).scalar_one() == 1
        migrate(store, "head")
        assert db.is_current(store.engine)
        assert dirty_tickets(store) == 0  # nothing was left for a facts pass
    finally:
        store.close()
    assert board.kpis("--period", "2020-03")["indicators"] == before
