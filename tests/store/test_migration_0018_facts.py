"""Upgrading a store written before migration 0018, which kept a copy of the 24x7 clock in
the facts tables and the first response there: the upgrade drops every stored fact and marks
every ticket, the next facts pass rebuilds them in the new shape (no 24x7 rows, the effective
first response on the ticket), and no figure changes — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from kpimon.store import Store, db
from kpimon.store import tables as t
from tests.fixtures.board.kit import Board, T, local
from tests.store.migrate import migrate

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"

[[indicators]]
id = "handling_office"
kind = "handling_time"
calendar = "office"
unit = "hours"
"""


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


def test_upgrade_rebuilds_facts_without_the_identity_clock(board: Board, db_url: str) -> None:
    before = board.kpis("--period", "2020-03")["indicators"]
    store = Store.open(db_url)
    try:
        migrate(store, "0014")
        with store.engine.begin() as conn:  # what the previous release stored for A1
            conn.execute(text("INSERT INTO ticket_facts (source, ticket_id, clock, created_c, "
                              "response_at, response_c) VALUES ('export', 'A1', '24x7', 1, 2, "
                              "2)"))
            conn.execute(text("UPDATE tickets SET facts_dirty = FALSE"))
    finally:
        store.close()

    after = board.kpis("--period", "2020-03")["indicators"]  # upgrades, then the facts pass
    assert after == before
    store = Store.open(db_url)
    try:
        assert db.is_current(store.engine)
        tk = t.tickets.c
        with store.engine.connect() as conn:
            assert set(conn.execute(select(t.ticket_facts.c.clock)).scalars()) == {"office"}
            assert set(conn.execute(select(t.ticket_facts.c.clock).where(
                t.ticket_facts.c.resolved_c.is_not(None))).scalars()) == {"office"}
            assert conn.execute(select(tk.id, tk.response_at, tk.facts_dirty).order_by(tk.id)
                                ).all() == [
                ("A1", local(2020, 3, 2, 8, 10), False),
                ("A2", local(2020, 3, 3, 17), False),
                ("A3", local(2020, 3, 5, 10, 20), False)]
    finally:
        store.close()

