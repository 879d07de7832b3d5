"""Upgrading a store written by a release that took the last change to resolved *or closed* as
the resolved time (migration 0013): every ticket's facts are rebuilt by the corrected rule on
the next facts pass, so `current` shows the corrected figures, while a period the board had
adopted keeps its adopted figures (DESIGN §7 "History and care").

A1 created Mon 2020-03-02 08:00, resolved 12:00 (4 h), closed Fri 03-06 12:00 (100 h), from a
status file. The old release counted it from the close: a handling time of 100 h, adopted when
March was closed. The test builds that store at the revision before 0013 with the rows the old
facts pass wrote — the same ticket, history and clock signatures, the resolutions of the old
rule (one from the resolve until the close, one from the close on) — then runs `kpis` as a
user would after installing the new release.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text, update

from kpimon.store import Store, db
from kpimon.store import tables as t
from tests.fixtures.board.kit import Board, T, local
from tests.store.migrate import alembic_config, migrate

INDICATORS = """
[[indicators]]
id = "handling_h"
kind = "handling_time"
unit = "hours"
target = "<= 20"
"""

CREATED, RESOLVED, CLOSED = (local(2020, 3, 2, 8), local(2020, 3, 2, 12), local(2020, 3, 6, 12))


def _before_0013(store: Store) -> None:
    """Take the store back to the revision before 0013 (the previous release's schema)."""
    previous = ScriptDirectory.from_config(alembic_config()).get_revision("0013").down_revision
    assert isinstance(previous, str)
    migrate(store, previous)


def _old_rule(store: Store, shape: str) -> None:
    """The resolutions the previous release derived for A1 (24x7 clock: position == time),
    in the schema of `shape` ("old" or "head"), with every ticket's facts marked done."""
    with store.engine.begin() as conn:
        conn.execute(t.resolution_facts.delete())
        conn.execute(t.resolutions.delete())
        if shape == "old":
            conn.execute(text("INSERT INTO resolutions (source, ticket_id, resolved_at, "
                              "valid_until) VALUES ('export', 'A1', :r, :c), "
                              "('export', 'A1', :c, NULL)"), {"r": RESOLVED, "c": CLOSED})
            conn.execute(text("INSERT INTO resolution_facts (source, ticket_id, resolved_at, "
                              "clock, resolved_c) VALUES ('export', 'A1', :r, '24x7', :r), "
                              "('export', 'A1', :c, '24x7', :c)"),
                         {"r": RESOLVED, "c": CLOSED})
        else:  # (the facts tables refer to a ticket by its key from 0023 on)
            key = conn.execute(select(t.tickets.c.ticket_key).where(
                t.tickets.c.id == "A1")).scalar_one()
            conn.execute(t.resolutions.insert(), [
                {"ticket_key": key, "resolved_at": RESOLVED, "valid_from": RESOLVED,
                 "superseded_at": None, "reopened_at": CLOSED},
                {"ticket_key": key, "resolved_at": CLOSED, "valid_from": CLOSED,
                 "superseded_at": None, "reopened_at": None}])
            conn.execute(t.resolution_facts.insert(), [
                {"ticket_key": key, "resolved_at": when, "clock": "24x7", "resolved_c": when}
                for when in (RESOLVED, CLOSED)])
        conn.execute(update(t.tickets).values(done_at=CLOSED, facts_dirty=False))


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("A1", "2020-03-02 08:00", status="closed", response="2020-03-02 08:10",
                         resolved="2020-03-02 12:00", closed="2020-03-06 12:00")])
    b.history("h.csv", [
        ("A1", "2020-03-02 08:00", None, "new"),
        ("A1", "2020-03-02 08:10", "new", "in_progress"),
        ("A1", "2020-03-02 12:00", "in_progress", "resolved"),
        ("A1", "2020-03-06 12:00", "resolved", "closed"),
    ])
    b.collect()
    return b


def test_upgrade_rebuilds_facts_and_keeps_adopted_figures(board: Board, db_url: str) -> None:
    store = Store.open(db_url)
    try:
        # March adopted with the old rule's figures, then the store taken back to the revision
        # before 0013 holding the old rule's rows, as the previous release left it.
        _old_rule(store, "head")
        assert board.indicators("--period", "2020-03")["handling_h"]["value"] == 100.0
        board.ok("period", "close", "2020-03")
        _before_0013(store)
        _old_rule(store, "old")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM resolutions")).scalar_one() == 2
    finally:
        store.close()

    got = board.kpis("--period", "2020-03")   # upgrades the store, then the facts pass
    handling = {i["id"]: i for i in got["indicators"]}["handling_h"]
    assert got["adopted"] is True
    assert (handling["value"], handling["status"]) == (100.0, "not_achieved")
    assert handling["current"] == {"value": 4.0, "numerator": 4.0, "denominator": 1,
                                   "status": "achieved"}

    store = Store.open(db_url)
    try:
        assert db.is_current(store.engine)
        r = t.resolutions.c
        with store.engine.connect() as conn:
            assert conn.execute(select(r.resolved_at, r.valid_from, r.superseded_at,
                                       r.reopened_at)).all() == [(RESOLVED, RESOLVED, None, None)]
            assert conn.execute(select(t.tickets.c.done_at, t.tickets.c.facts_dirty)).all() == [
                (RESOLVED, False)]
    finally:
        store.close()
    # An open period shows the corrected figure alone.
    quarter = board.indicators("--period", "2020-Q1")["handling_h"]
    assert (quarter["value"], quarter.get("current")) == (4.0, None)
