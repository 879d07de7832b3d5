"""The Alembic migrations create exactly the tables of store/tables.py, on both databases, and
upgrading twice is harmless."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kpimon.store import Store, db
from kpimon.store.tables import metadata


def test_migrations_match_the_tables(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.upgrade()
        store.upgrade()
        assert db.is_current(store.engine)
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        store.close()
