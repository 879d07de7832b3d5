"""Engine creation and migrations: SQLite (WAL, busy timeout) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc, text

from kpimon.store.leader import lock_key

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout, foreign keys and
    transactions that take the write lock when they begin."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a transaction takes the write lock when it begins (before its first
        # INSERT, UPDATE or DELETE; reads before that run outside it). A deferred one that
        # wrote to a temporary table, read, and only then wrote to the database would fail
        # at once with "database is locked" when another process had committed meanwhile,
        # whatever the busy timeout.
        busy = busy_timeout()
        engine = create_engine(url, connect_args={"timeout": busy,
                                                  "isolation_level": "IMMEDIATE"})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return _postgresql_engine(url)


# A pooled PostgreSQL connection idle for longer than this is checked before use (see below).
PING_AFTER = 0.5


def _postgresql_engine(url: str) -> Engine:
    """A PostgreSQL engine whose pool checks a connection before use (a restarted server, an
    administrator or a proxy may have ended its session) unless it was in use a moment ago:
    a compute checks out a connection half a dozen times in a row, and each check is a round
    trip, as long as one of its short queries. The pool hands out the connection returned
    last (LIFO), so a run of checkouts reuses one that has just proved alive; a dead one
    found by the check is replaced at once, as with SQLAlchemy's own `pool_pre_ping`."""
    engine = create_engine(url, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("returned", 0.0) <= PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as e:
            # The pool discards this connection and checks out another (up to three tries).
            raise exc.DisconnectionError(f"connection check failed: {e}") from e

    return engine


def busy_timeout() -> float:
    """How long a SQLite statement waits for another process's write lock (seconds): 30, or
    $KPIMON_SQLITE_BUSY_TIMEOUT (docs/operations.md). Past it the statement fails with
    "database is locked", which the collector and the daemon record as a failure."""
    raw = os.environ.get("KPIMON_SQLITE_BUSY_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return 30.0
    return value if 0 < value <= 3600 else 30.0


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (idempotent). Instances started together on
    one PostgreSQL take turns: the first migrates, the others then find nothing to do."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            # Held until this transaction ends (the migration's own).
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": lock_key("migrate\0" + schema)})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head
