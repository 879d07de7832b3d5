"""The tickets open at a moment are one range of `ix_tickets_open` on both databases: the open
tickets' group of an evaluation, its explanation and the open-ticket counts of the metrics do
not read every ticket without a done_at (the cancelled ones are as many as the open ones) nor,
on SQLite, merge two scans for `done_at IS NULL OR done_at > m`. The figures are checked by the
board tests of open tickets and the golden cases; here only how they are read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kpimon.app import App
from kpimon.config import load_config
from kpimon.periods import containing
from tests.fixtures.board.kit import Board, T
from tests.query_plans import plan as query_plan

INDICATORS = """
[[indicators]]
id = "open_30d"
kind = "open_older_than"
threshold = "30d"
breakdown = ["org"]

[[indicators]]
id = "oldest_open"
kind = "oldest_open_age"
"""

AT = datetime(2021, 3, 1, tzinfo=UTC)


def _tickets() -> list[T]:
    out = []
    for i in range(60):
        created = f"2020-{1 + i % 12:02}-{1 + i % 27:02} 10:00"
        if i % 3 == 0:
            out.append(T(f"C{i}", created, status="cancelled"))
        elif i % 3 == 1:
            out.append(T(f"O{i}", created, status="in_progress", org="Askersund"))
        else:
            out.append(T(f"R{i}", created, resolved=f"2021-0{1 + i % 2}-15 10:00"))
    return out


def _capture(app: App, run: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements `run` executes that select the tickets not done by a moment."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any,
                _many: bool) -> None:
        if "coalesce(tickets.done_at" in statement:
            seen.append((statement, params))

    event.listen(app.store.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(app.store.engine, "before_cursor_execute", capture)
    return seen


def _reads_every_ticket(line: str) -> bool:
    return line.startswith("SCAN tickets") or "MULTI-INDEX OR" in line \
        or "Seq Scan on tickets" in line


@pytest.mark.timeout(120)
def test_open_tickets_are_one_range_of_the_open_index(tmp_path: Path, db_url: str,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    board = Board(tmp_path, db_url, capsys)
    board.configure(INDICATORS)
    board.export("e.csv", _tickets())
    board.collect()
    app = App.build(load_config(board.cfg))
    try:
        app.facts.update()
        month = containing("month", AT, app.config.tz)
        ind = app.config.indicators[0]
        statements = _capture(app, lambda: app.engine.evaluate(month, AT))
        statements += _capture(app, lambda: app.engine.explain(ind, month, AT))
        statements += _capture(app, lambda: app.store.open_ticket_counts(app.config.orgs))
        assert len(statements) >= 3
        with app.store.engine.begin() as conn:
            for statement, params in statements:
                plan = query_plan(conn, statement, params)
                assert any("ix_tickets_open" in line for line in plan), (statement, plan)
                assert not any(_reads_every_ticket(line) for line in plan), (statement, plan)
        # And the figure itself: the 20 open tickets, all older than 30 days by March.
        ev = app.engine.evaluate(month, AT)
        assert ev.indicator("open_30d").figures.value == 20
    finally:
        app.store.close()
