"""Alembic environment: runs migrations on the connection kpimon hands over (see store.db)."""

from alembic import context

from kpimon.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")


def run() -> None:
    if connection is None:  # `alembic` command line during development
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=metadata,
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
