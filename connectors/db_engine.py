"""Engines and migrations: one place that knows how SQLite and PostgreSQL are wired.

SQLite gets foreign keys, WAL and a busy timeout on every connection.
Migrations take a lock first (an advisory lock on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), so processes opening the same database at once do not
both try to create the tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Arbitrary constant shared by every samordne process: "samordne" in ASCII, truncated to 63 bits.
PG_MIGRATION_LOCK = 0x73616D6F72646E65


# default=str: run parameters carry Paths and dates; ensure_ascii=False keeps æøå readable in SQL.
# One encoder for all: json.dumps with these arguments builds a new one per value (~160k per 50k statements).
_JSON_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)


def _json_dumps(value: Any) -> str:
    return _JSON_ENCODER.encode(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses at most the last commit
    finally:
        cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its parent directory is created."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in {"", ":memory:"}:
            # One shared connection, or every checkout would see a new empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration built in code (there is no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        # Serialise concurrent first opens: without this, two processes both see no
        # alembic_version table and the second fails with "table ... already exists".
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        elif engine.dialect.name == "sqlite":
            # pysqlite has not begun a transaction yet (it only does so before DML);
            # IMMEDIATE takes the write lock now and makes the DDL below part of it.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
