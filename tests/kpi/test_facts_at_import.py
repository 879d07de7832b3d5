"""Facts written by an import for its new tickets, in the import's own transaction, are
exactly the facts the facts pass computes for the same tickets — with a source history read
before the tickets (the status file of the same collection, or of an earlier one), with a
derived one, on a paused business clock — and a history that arrives after its ticket leaves
that ticket to the facts pass; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets
from kpimon.app import App
from kpimon.config import load_config
from kpimon.store import tables as t
from tests.kpi.stored_facts import fact_rows
from tests.sources.ticket_csv_files import VALUES, csv_text, row

CONFIG = """\
timezone = "Europe/Stockholm"
database = "{database}"

[calendars.office]
holidays = "SE"

[calendars.office.hours]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-16:00"]

[[sources]]
name = "with_history"
kind = "ticket_csv"
path = "{folder}/tickets/*.csv"
status_changes = "{folder}/history/*.csv"
every = "1h"
settle = "0s"
derive_first_response = true
{maps}

[[sources]]
name = "snapshots"
kind = "ticket_csv"
path = "{folder}/snapshots/*.csv"
every = "1h"
settle = "0s"
{maps}

[[indicators]]
id = "resp"
kind = "response_within"
threshold = "30m"

[[indicators]]
id = "res_paused"
kind = "resolution_within"
threshold = "2d"
calendar = "office"
pause = ["waiting"]

[[indicators]]
id = "handling"
kind = "handling_time"
calendar = "office"
"""
MAPS = "\n".join(f"values.{field} = {{ " + ", ".join(f'"{k}" = "{v}"' for k, v in values.items())
                 + " }" for field, values in VALUES.items())


def _facts(app: App) -> dict[str, list[Any]]:
    tk = t.tickets.c
    with app.store.engine.connect() as conn:
        return {
            "tickets": sorted(conn.execute(select(
                tk.source, tk.id, tk.done_at, tk.flow_origin, tk.flow_seen, tk.response_at,
                tk.facts_dirty)).all()),
            **fact_rows(conn)}


def test_import_writes_the_facts_the_pass_computes(db_url: str, tmp_path: Path) -> None:
    for sub in ("tickets", "history", "snapshots"):
        (tmp_path / sub).mkdir()
    start, stop = span_for_years(dt.datetime(2026, 11, 30, 23, 59), 1)
    with open(tmp_path / "tickets" / "t.csv", "w", encoding="utf-8-sig", newline="") as f, \
            open(tmp_path / "history" / "h.csv", "w", encoding="utf-8-sig", newline="") as h:
        write_tickets(TicketSpan(800, start, stop, 7), f, h)
    shutil.copy(tmp_path / "tickets" / "t.csv", tmp_path / "snapshots" / "t.csv")
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(CONFIG.format(database=db_url, folder=tmp_path, maps=MAPS), encoding="utf-8")
    app = App.build(load_config(cfg))
    try:
        app.store.upgrade()
        assert all(o.ok for o in app.collect())
        with app.store.engine.connect() as conn:
            done_at_import = conn.execute(select(func.count()).select_from(t.tickets).where(
                t.tickets.c.source == "snapshots", t.tickets.c.facts_dirty.is_(False))
            ).scalar_one()
        assert done_at_import == 800  # the import did them; none left for the pass
        # The status file is read before the tickets, so their facts came from it at import.
        assert app.facts.update() == 0
        at_import = _facts(app)
        assert len(at_import["resolutions"]) > 1000 and len(at_import["ticket_facts"]) == 3200
        assert app.facts.rebuild() == 1600  # every ticket again, by the facts pass alone
        assert _facts(app) == at_import

        # A history that arrives in an earlier collection than its tickets: the import reads
        # it from the store.
        (tmp_path / "history" / "h2.csv").write_text(csv_text(
            [["X-1", "2026-03-02 09:00", "", "02 - Pågår"],
             ["X-1", "2026-03-03 10:00", "02 - Pågår", "03 - Väntar"],
             ["X-1", "2026-03-04 11:00", "03 - Väntar", "05 - Avklarad"]],
            header=["Ärende-ID", "Ändrad", "Från", "Till"]), encoding="utf-8-sig")
        assert all(o.ok for o in app.collect())
        (tmp_path / "tickets" / "t2.csv").write_text(csv_text(
            [row("X-1", status="05 - Avklarad", created="2026-03-02 08:00",
                 first_response="", resolved="2026-03-04 12:00", closed="",
                 updated="2026-03-04 12:00"),
             row("X-2", status="02 - Pågår", created="2026-03-02 08:00", resolved="",
                 closed="", updated="2026-03-02 09:00")]), encoding="utf-8-sig")
        assert all(o.ok for o in app.collect())
        with app.store.engine.connect() as conn:
            dirty = conn.execute(select(t.tickets.c.id).where(
                t.tickets.c.facts_dirty.is_(True))).scalars().all()
        assert dirty == []
        assert app.facts.update() == 0

        # A history that arrives after its ticket: the ticket is marked for the facts pass.
        (tmp_path / "history" / "h3.csv").write_text(csv_text(
            [["X-2", "2026-03-02 09:00", "01 - Ny", "02 - Pågår"]],
            header=["Ärende-ID", "Ändrad", "Från", "Till"]), encoding="utf-8-sig")
        assert all(o.ok for o in app.collect())
        assert app.facts.update() == 1
        at_import = _facts(app)
        assert app.facts.rebuild() == 1602
        assert _facts(app) == at_import
    finally:
        app.store.close()
