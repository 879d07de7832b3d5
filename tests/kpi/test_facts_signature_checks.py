"""The facts at import check the stored clock signatures once per import transaction, not
once per chunk, yet again in every new transaction: a signature changed in between (another
configuration ran on the same store) still marks every ticket for the pass. And the pass's own
chunk transactions commit without waiting for the disk, while a caller's transaction
(`update_in`) keeps its own setting — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets
from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi import facts as kfacts
from kpimon.store import facts as store_facts
from kpimon.store import tables as t
from kpimon.store.writer import RawSql
from tests.kpi.test_facts_at_import import CONFIG, MAPS


def _app(tmp_path: Path, db_url: str) -> App:
    for sub in ("tickets", "history", "snapshots"):
        (tmp_path / sub).mkdir(exist_ok=True)
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(CONFIG.format(database=db_url, folder=tmp_path, maps=MAPS), encoding="utf-8")
    app = App.build(load_config(cfg))
    app.store.upgrade()
    return app


def _export(path: Path, count: int, seed: int) -> None:
    start, stop = span_for_years(dt.datetime(2026, 11, 30, 23, 59), 1)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        write_tickets(TicketSpan(count, start, stop, seed), f)


def _dirty(app: App) -> int:
    with app.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.tickets).where(
            t.tickets.c.facts_dirty.is_(True))).scalar_one())


def test_a_signature_changed_between_imports_marks_every_ticket(db_url: str,
                                                                 tmp_path: Path) -> None:
    app = _app(tmp_path, db_url)
    try:
        _export(tmp_path / "snapshots" / "a.csv", 300, 3)
        assert all(o.ok for o in app.collect())
        assert _dirty(app) == 0  # done at import
        with app.store.engine.begin() as conn:  # as if another configuration had run
            conn.execute(update(t.source_state).where(
                t.source_state.c.source == "_facts").values(value="other"))
        (tmp_path / "snapshots" / "a.csv").unlink()
        _export(tmp_path / "snapshots" / "b.csv", 200, 4)
        assert all(o.ok for o in app.collect())
        # The same builder checked again in the new import's transaction: the 300 earlier
        # tickets lost their facts and wait for the pass (the new ones were done at import).
        assert _dirty(app) >= 300
        with app.store.engine.connect() as conn:
            signatures = dict(conn.execute(select(t.source_state.c.key, t.source_state.c.value)
                                           .where(t.source_state.c.source == "_facts")).all())
        assert "other" not in signatures.values()
        waiting = _dirty(app)
        assert app.facts.update() == waiting
        assert _dirty(app) == 0
    finally:
        app.store.close()


def test_the_pass_relaxes_only_its_own_commits(db_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, db_url)
    seen: list[str] = []

    def chunk(self: kfacts.FactsBuilder, sql: RawSql, *args: object) -> object:
        if sql.dialect == "postgresql":
            sql.execute("SHOW synchronous_commit")
            seen.append(sql.cursor.fetchone()[0])
        return original(self, sql, *args)

    original = kfacts.FactsBuilder._chunk
    monkeypatch.setattr(kfacts.FactsBuilder, "_chunk", chunk)
    try:
        app.facts.update()  # nothing dirty: one chunk call that finds none
        with app.store.engine.begin() as conn:
            app.facts.update_in(conn)
            if db_url.startswith("postgresql"):
                assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
        with app.store.engine.begin() as conn:
            store_facts.relax_commit(RawSql(conn))  # SQLite: nothing to do, no error
    finally:
        app.store.close()
    if db_url.startswith("postgresql"):
        assert seen == ["off", "on"]  # the pass's own chunk, then the caller's transaction
