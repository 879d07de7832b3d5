"""`FactsBuilder.update_in` runs the whole facts pass inside the caller's transaction: rolled
back, every ticket is still waiting for the pass; committed, none is — on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets
from kpimon.app import App
from kpimon.collector import Collector
from kpimon.config import load_config
from kpimon.store import tables as t
from tests.kpi.test_facts_at_import import CONFIG, MAPS


def _counts(app: App) -> tuple[int, int]:
    with app.store.engine.connect() as conn:
        dirty = conn.execute(select(func.count()).select_from(t.tickets).where(
            t.tickets.c.facts_dirty.is_(True))).scalar_one()
        facts = conn.execute(select(func.count()).select_from(t.ticket_facts)).scalar_one()
    return int(dirty), int(facts)


def test_update_in_follows_the_callers_transaction(db_url: str, tmp_path: Path) -> None:
    for sub in ("tickets", "history", "snapshots"):
        (tmp_path / sub).mkdir()
    start, stop = span_for_years(dt.datetime(2026, 11, 30, 23, 59), 1)
    with open(tmp_path / "snapshots" / "t.csv", "w", encoding="utf-8-sig", newline="") as f:
        write_tickets(TicketSpan(300, start, stop, 3), f)
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(CONFIG.format(database=db_url, folder=tmp_path, maps=MAPS), encoding="utf-8")
    config = load_config(cfg)
    app = App.build(config)
    app.collector = Collector(app.store, config.tz)  # no facts at import: all left dirty
    try:
        app.store.upgrade()
        assert all(o.ok for o in app.collect())
        assert _counts(app) == (300, 0)
        with app.store.engine.connect() as conn:
            with conn.begin() as trans:
                assert app.facts.update_in(conn) == 300
                trans.rollback()
        assert _counts(app) == (300, 0)
        with app.store.engine.begin() as conn:
            assert app.facts.update_in(conn) == 300
        assert _counts(app) == (0, 600)
    finally:
        app.store.close()
