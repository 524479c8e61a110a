"""Table definitions: layout rule, UTC timestamps, stable constraint names."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

import models.tables
from models.tables import Base, UTCDateTime

OURS = {"flows", "connectors", "models", "processing", "reports"}
OSLO_SUMMER = timezone(timedelta(hours=2))


def test_tables_import_nothing_of_ours_but_models() -> None:
    """models.tables imports only third-party code and models itself (imports point one way)."""
    tree = ast.parse(Path(models.tables.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported & OURS == set()


@pytest.mark.parametrize(
    ("dialect", "value", "expected"),
    [
        (sqlite.dialect(), datetime(2024, 5, 2, 12, 0, tzinfo=OSLO_SUMMER), datetime(2024, 5, 2, 10, 0)),
        (
            postgresql.dialect(),
            datetime(2024, 5, 2, 12, 0, tzinfo=OSLO_SUMMER),
            datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
        ),
        (sqlite.dialect(), None, None),
    ],
)
def test_utc_datetime_binds_utc(dialect: Dialect, value: datetime | None, expected: datetime | None) -> None:
    """Aware datetimes are bound as UTC (naive UTC text on SQLite, aware on PostgreSQL)."""
    bound = UTCDateTime().process_bind_param(value, dialect)
    assert bound == expected
    assert bound is None or (bound.tzinfo is None) == (dialect.name == "sqlite")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 5, 2, 10, 0), datetime(2024, 5, 2, 10, 0, tzinfo=UTC)),
        (datetime(2024, 5, 2, 12, 0, tzinfo=OSLO_SUMMER), datetime(2024, 5, 2, 10, 0, tzinfo=UTC)),
        (None, None),
    ],
)
def test_utc_datetime_reads_aware_utc(value: datetime | None, expected: datetime | None) -> None:
    """Values read back are aware UTC whether the driver returned naive (SQLite) or offset values."""
    result = UTCDateTime().process_result_value(value, sqlite.dialect())
    assert result == expected
    assert result is None or result.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    """A naive datetime has no meaning in storage and is refused with a message saying so."""
    with pytest.raises(
        ValueError, match=r"^naive datetime 2024-05-02T10:00:00 cannot be stored: attach a timezone$"
    ):
        UTCDateTime().process_bind_param(datetime(2024, 5, 2, 10, 0), sqlite.dialect())


@pytest.mark.parametrize(
    ("table", "constraint"),
    [
        ("contents", "pk_contents"),
        ("runs", "ck_runs_status"),
        ("sources", "ck_sources_status"),
        ("sources", "fk_sources_parent_id_sources"),
        ("statements", "fk_statements_submission_id_submissions"),
        ("audit", "ck_audit_entity"),
    ],
)
def test_constraints_have_stable_names(table: str, constraint: str) -> None:
    """Constraints follow the naming convention, so later migrations can name them on both databases."""
    names = {c.name for c in Base.metadata.tables[table].constraints}
    assert constraint in names


@pytest.mark.parametrize(
    ("table", "index_columns"),
    [
        ("sources", ["sha256"]),
        ("submissions", ["kommunenummer"]),
        ("statements", ["submission_id"]),
        ("statements", ["theme"]),
    ],
)
def test_query_columns_are_indexed(table: str, index_columns: list[str]) -> None:
    """The columns reads filter and join on have an index."""
    indexed = [[c.name for c in ix.columns] for ix in Base.metadata.tables[table].indexes]
    assert index_columns in indexed
