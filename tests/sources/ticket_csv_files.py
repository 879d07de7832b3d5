"""Helpers for the ticket_csv tests: export rows in the golden format, a source config, and
ways to run the adapter alone or through the collector into a real store (`db_url`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kpimon.collector import Collector, RunOutcome
from kpimon.config import DEFAULT_CSV_FIELDS, SourceConfig
from kpimon.records import Record, Reject, StatusChange, Ticket
from kpimon.sources.base import CollectContext
from kpimon.sources.ticket_csv import TicketCsvSource
from kpimon.store import Store
from kpimon.store import tables as t

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)
HEADER = ["Ärende-ID", "Typ", "Prioritet", "Status", "Skapad", "Första återkoppling", "Löst",
          "Stängd", "Löst av linje", "Lösning", "Grupp", "Organisation", "Kategori",
          "Senast ändrad"]
VALUES = {
    "priority": {"1. Akut": "acute", "2. Hög": "high", "3. Normal": "normal", "4. Låg": "low"},
    "status": {"01 - Ny": "new", "02 - Pågår": "in_progress", "03 - Väntar": "waiting",
               "05 - Avklarad": "resolved", "07 - Stängd": "closed",
               "08 - Annullerad": "cancelled"},
    "kind": {"Incident": "incident", "Tjänsteförfrågan": "request", "Beställning": "order"},
}


def row(ident: str, **kw: str) -> list[str]:
    """One export row with the golden headers; keyword arguments override columns by field:
    kind, priority, status, created, first_response, resolved, closed, line, solution, group,
    org, category, updated."""
    values = {"kind": "Incident", "priority": "3. Normal", "status": "07 - Stängd",
              "created": "2020-03-02 08:00", "first_response": "2020-03-02 08:20",
              "resolved": "2020-03-02 10:00", "closed": "2020-03-05 10:00", "line": "1",
              "solution": "Startade om", "group": "Servicedesk", "org": "Askersund",
              "category": "", "updated": "2020-03-05 10:00"}
    values.update(kw)
    return [ident, values["kind"], values["priority"], values["status"], values["created"],
            values["first_response"], values["resolved"], values["closed"], values["line"],
            values["solution"], values["group"], values["org"], values["category"],
            values["updated"]]


def csv_text(rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER,
             delimiter: str = ";", newline: str = "\r\n") -> str:
    """Rows joined the way Efecte writes them (quoting only what needs it)."""
    def cell(v: str) -> str:
        if any(c in v for c in (delimiter, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v
    lines = [delimiter.join(cell(v) for v in r) for r in [list(header), *rows]]
    return newline.join(lines) + newline


def write(path: Path, content: str | bytes, encoding: str = "utf-8-sig",
          age: float = 3600.0) -> Path:
    """Write a drop file whose modification time lies `age` seconds in the past."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def config(folder: Path, **kw: Any) -> SourceConfig:
    """A ticket_csv source over `folder/*.csv` with the golden maps and no settle time."""
    base: dict[str, Any] = {"name": "export", "kind": "ticket_csv", "every": 3600,
                            "path": str(folder / "*.csv"), "settle": 0,
                            "fields": dict(DEFAULT_CSV_FIELDS), "values": VALUES}
    base.update(kw)
    return SourceConfig(**base)


def context(cfg: SourceConfig, **kw: Any) -> CollectContext:
    return CollectContext(config=cfg, tz=TZ, now=NOW, **kw)


def items(cfg: SourceConfig, **ctx_kw: Any) -> list[Record | Reject]:
    """Every item of every batch the adapter yields (no store)."""
    out: list[Record | Reject] = []
    for batch in TicketCsvSource(cfg).collect(context(cfg, **ctx_kw)):
        out.extend(batch.items)
    return out


def tickets_of(found: Iterable[Record | Reject]) -> dict[str, Ticket]:
    return {i.id: i for i in found if isinstance(i, Ticket)}


def rejects_of(found: Iterable[Record | Reject]) -> list[Reject]:
    return [i for i in found if isinstance(i, Reject)]


def changes_of(found: Iterable[Record | Reject]) -> list[StatusChange]:
    return [i for i in found if isinstance(i, StatusChange)]


def open_store(db_url: str) -> Store:
    store = Store.open(db_url)
    store.upgrade()
    return store


def collect(store: Store, cfg: SourceConfig, now: datetime = NOW, **kw: Any) -> RunOutcome:
    """One collection through the real runner and store; fails the test on a source error."""
    outcome = Collector(store, TZ, clock=lambda: now).collect(cfg, **kw)
    assert outcome.ok, outcome.error
    return outcome


def stored_tickets(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(t.tickets))}


def stored_rejects(store: Store) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(t.rejects).order_by(t.rejects.c.id)))


def stored_changes(store: Store) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(t.status_changes).order_by(
            t.status_changes.c.ticket_id, t.status_changes.c.at, t.status_changes.c.id)))


def utc(text: str) -> datetime:
    """`2020-10-25 00:30` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def epoch_of(text: str) -> int:
    return int(utc(text).timestamp())
