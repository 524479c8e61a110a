"""Alembic environment: migrations run on the connection ``connectors.db_engine`` hands over.

There is no alembic.ini: ``connectors.db_engine.alembic_config`` builds the
configuration in code and puts an open connection in ``config.attributes``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from models.tables import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:  # e.g. `alembic -x` use from a shell with sqlalchemy.url set
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no connection in config.attributes and no sqlalchemy.url set")
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations rebuild tables in batches.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them against a database")
run_migrations()
