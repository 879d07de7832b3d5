"""Moving a test's store to a given schema revision (the migration tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import func, select

from kpimon.store import Store, db
from kpimon.store import tables as t


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    return cfg


def migrate(store: Store, to: str, up: bool = False) -> None:
    """Downgrade the store to revision `to` (upgrade with `up`, or to "head")."""
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up or to == "head" else command.downgrade)(cfg, to)


def dirty_tickets(store: Store) -> int:
    """How many tickets a migration left for the facts pass (one that carries the facts over
    leaves none)."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.tickets.c.facts_dirty))
                   .scalar_one())
