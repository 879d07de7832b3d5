"""A facts pass with no dirty ticket (every steady compute of the daemon) does not look for
the stored month sums the dirty tickets touch: that search scans `tickets`, which at 10M
tickets was half of a steady cycle. With a dirty ticket it does — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from kpimon.kpi import facts as kfacts
from kpimon.store import tables as t
from tests.kpi.test_facts_signature_checks import _app, _export


def test_forget_dirty_runs_only_when_tickets_are_dirty(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, db_url)
    calls: list[int] = []
    forget = kfacts.settled.forget_dirty

    def counting(conn: Any) -> None:
        calls.append(1)
        forget(conn)

    monkeypatch.setattr(kfacts.settled, "forget_dirty", counting)
    try:
        _export(tmp_path / "snapshots" / "a.csv", 200, 5)
        assert all(o.ok for o in app.collect())  # facts done at import
        assert app.facts.update() == 0
        assert calls == []
        with app.store.engine.begin() as conn:
            conn.execute(update(t.tickets).where(t.tickets.c.id == conn.execute(
                t.tickets.select().limit(1)).first().id).values(facts_dirty=True))
        assert app.facts.update() == 1
        assert calls == [1]
    finally:
        app.store.close()
