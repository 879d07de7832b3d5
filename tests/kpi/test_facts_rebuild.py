"""`kpimon recompute` (FactsBuilder.rebuild) walks every ticket: it repairs wrong or missing
facts and derived values, rewrites only the tickets whose derived values change (or that were
marked) and only the facts tables whose rows differ (nothing when nothing changed), and a
rebuild cut short leaves every fact it had not reached in place — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text, update

from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets
from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi import facts as kpi_facts
from kpimon.store import tables as t
from tests.kpi.test_facts_at_import import CONFIG, MAPS, _facts

TICKETS = 400


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Any:
    for sub in ("tickets", "history", "snapshots"):
        (tmp_path / sub).mkdir()
    start, stop = span_for_years(dt.datetime(2026, 11, 30, 23, 59), 1)
    with open(tmp_path / "tickets" / "t.csv", "w", encoding="utf-8-sig", newline="") as f, \
            open(tmp_path / "history" / "h.csv", "w", encoding="utf-8-sig", newline="") as h:
        write_tickets(TicketSpan(TICKETS, start, stop, 11), f, h)
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(CONFIG.format(database=db_url, folder=tmp_path, maps=MAPS), encoding="utf-8")
    app = App.build(load_config(cfg))
    app.store.upgrade()
    assert all(o.ok for o in app.collect())
    app.facts.update()
    yield app
    app.store.close()


FACT_TABLES = ("resolutions", "ticket_facts", "resolution_facts")


def _log_writes(engine: Engine) -> None:
    """Record the id of every tickets row an UPDATE rewrites, in `updated_rows`, and the
    table of every row inserted into or deleted from a facts table, in `fact_writes`."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE updated_rows (id TEXT)"))
        conn.execute(text("CREATE TABLE fact_writes (tbl TEXT)"))
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER log_updates AFTER UPDATE ON tickets BEGIN "
                              "INSERT INTO updated_rows VALUES (NEW.id); END"))
            for table in FACT_TABLES:
                for event in ("INSERT", "DELETE"):
                    conn.execute(text(f"CREATE TRIGGER log_{event}_{table} AFTER {event} ON "
                                      f"{table} BEGIN INSERT INTO fact_writes VALUES "
                                      f"('{table}'); END"))
            return
        conn.execute(text("CREATE FUNCTION log_update() RETURNS trigger AS $$ BEGIN "
                          "INSERT INTO updated_rows VALUES (NEW.id); RETURN NEW; END $$ "
                          "LANGUAGE plpgsql"))
        conn.execute(text("CREATE TRIGGER log_updates AFTER UPDATE ON tickets FOR EACH ROW "
                          "EXECUTE FUNCTION log_update()"))
        conn.execute(text("CREATE FUNCTION log_fact() RETURNS trigger AS $$ BEGIN "
                          "INSERT INTO fact_writes VALUES (TG_TABLE_NAME); RETURN NULL; END $$ "
                          "LANGUAGE plpgsql"))
        for table in FACT_TABLES:
            conn.execute(text(f"CREATE TRIGGER log_{table} AFTER INSERT OR DELETE ON {table} "
                              "FOR EACH ROW EXECUTE FUNCTION log_fact()"))


def _writes(engine: Engine) -> tuple[list[str], set[str]]:
    """The tickets rewritten and the facts tables written since the last call."""
    with engine.begin() as conn:
        rewritten = sorted(conn.execute(text("SELECT id FROM updated_rows")).scalars())
        tables = set(conn.execute(text("SELECT tbl FROM fact_writes")).scalars())
        conn.execute(text("DELETE FROM updated_rows"))
        conn.execute(text("DELETE FROM fact_writes"))
    return rewritten, tables


def test_rebuild_repairs_and_rewrites_only_what_changed(app: App) -> None:
    good = _facts(app)
    ids = [r[1] for r in good["tickets"] if r[0] == "with_history"]
    resolved = sorted({r[1] for r in good["resolutions"] if r[0] == "with_history"})
    # A ticket resolved more than once: it has rows in all three facts tables.
    twice = sorted({r[1] for r in good["resolution_facts"] if r[0] == "with_history"})
    assert twice, "the generated history reopens some tickets"
    wrong_done, wrong_flow, dirty = ids[3], ids[50], ids[120]
    no_facts = twice[len(twice) // 2]
    extra = next(r for r in resolved[60:] if r != no_facts)
    tk = t.tickets.c
    with app.store.engine.begin() as conn:
        conn.execute(update(t.tickets).where(tk.id == wrong_done).values(done_at=12345))
        conn.execute(update(t.tickets).where(tk.id == wrong_flow).values(flow_seen=",x,"))
        conn.execute(update(t.tickets).where(tk.id == dirty).values(facts_dirty=True))
        def key(ident: str) -> int:
            return int(conn.execute(select(tk.ticket_key).where(
                tk.source == "with_history", tk.id == ident)).scalar_one())

        for table in (t.ticket_facts, t.resolution_facts, t.resolutions):
            conn.execute(table.delete().where(table.c.ticket_key == key(no_facts)))
        conn.execute(insert(t.resolutions).values(
            ticket_key=key(extra), resolved_at=99, valid_from=99))
    _log_writes(app.store.engine)

    assert app.facts.rebuild() == TICKETS
    assert _facts(app) == good
    rewritten, tables = _writes(app.store.engine)
    assert rewritten == sorted([wrong_done, wrong_flow, dirty])
    assert tables == set(FACT_TABLES)  # the chunks with a missing or a wrong row

    # Nothing to repair: a recompute reads and compares, and writes nothing.
    assert app.facts.rebuild() == TICKETS
    assert _facts(app) == good
    assert _writes(app.store.engine) == ([], set())


def test_a_rebuild_cut_short_keeps_the_facts_it_had_not_reached(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _facts(app)
    monkeypatch.setattr(kpi_facts, "CHUNK", 150)
    monkeypatch.setattr(kpi_facts, "CHUNK_POSTGRESQL", 150)
    builder = app.facts.builder
    write = builder._write
    calls = [0]

    def failing(*args: Any) -> None:
        calls[0] += 1
        if calls[0] == 3:
            raise OSError("disk full")
        write(*args)

    monkeypatch.setattr(builder, "_write", failing)
    with pytest.raises(OSError):
        app.facts.rebuild()
    assert calls[0] == 3  # two chunks committed, the third rolled back, the rest not reached
    assert _facts(app) == good  # nothing lost on the way

    monkeypatch.setattr(builder, "_write", write)
    assert app.facts.rebuild() == TICKETS
    assert _facts(app) == good
