"""Fixtures shared by the whole suite: databases, Prefect harness, shared reference paths."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Quiet, offline, isolated Prefect and GX for every test process (see stack-check §2.9).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, or a skip where it is absent (it is present in CI, which makes absence a failure)."""
    if not SHARED.is_dir():
        if _in_ci():
            pytest.fail(f"{SHARED} is missing in CI")
        pytest.skip(f"{SHARED} is not present on this machine")
    return SHARED


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """URL of a reachable PostgreSQL server; skips on a laptop without one, fails in CI."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("SAMORDNE_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        message = f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}: {exc}"
        if _in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"samordne_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'samordne.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
        return str(request.getfixturevalue("postgres_url"))
    return str(request.getfixturevalue("sqlite_url"))


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for the whole session (~11 s); request it only in flow tests."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    _private_websocket_random()

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _private_websocket_random() -> None:
    """Prefect's events client keeps a websocket open for the rest of the session, and its
    keepalive pings (``websockets``: ``random.getrandbits``) draw from the global ``random``
    in a background thread. Hypothesis tests running later in this process then saw the global
    state change while they drew examples and warned "Do not use the random module inside
    strategies". The pings get a generator of their own; nothing else changes."""
    import random

    with contextlib.suppress(ImportError):
        from websockets.asyncio import connection

        connection.random = random.Random()  # type: ignore[assignment]  # the module only calls .getrandbits


def _statement_places(data: Any, url: str) -> Any:
    """consolidated.json with each statement id (a database key) replaced by the statement's place.

    Ids depend on the order rows were written: batches finishing in another order (Dask) or
    PostgreSQL sequences skipping rolled-back values give the same statement another id.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            places = {
                row[0]: f"{row[1]}#{row[2]}.{row[3]}"
                for row in conn.execute(
                    text(
                        'select st.id, src.path, sub."order", st."order" from statements st '
                        "join submissions sub on sub.id = st.submission_id "
                        "join sources src on src.id = sub.source_id"
                    )
                )
            }
    finally:
        engine.dispose()

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [places[v] if key == "statement_ids" else walk(v) for v in value]
        return places[value] if key == "statement_id" else value

    return walk(data)


@pytest.fixture
def statement_places() -> Callable[[Any, str], Any]:
    """Maps statement ids in a consolidated.json to stable places, for comparing two databases."""
    return _statement_places
