"""`samordne report` rebuilds the reports from stored data; `samordne validate` re-runs the suites."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from flows import outputs, reporting
from flows.cli import main
from flows.ingest import ingest_files
from flows.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample inbox ingested and reported once with the plain run steps (no Prefect)."""
    work = tmp_path_factory.mktemp("stored")
    inbox = work / "inbox"
    shutil.copytree(EXAMPLES / "inbox", inbox)
    url = f"sqlite:///{work / 'samordne.db'}"
    settings = Settings.from_env(env={"SAMORDNE_DATABASE_URL": url}, workdir=work)
    state = outputs.start_run(settings, inbox, work / "out")
    ctx = outputs.ingest_context(state)
    state.outcomes.extend(ingest_files(ctx, state.inbox_files))
    state = outputs.consolidate_stored(outputs.validate_stored(state))
    result = outputs.finish_run(state, reporting.write_reports(state))
    return {"work": work, "url": url, "result": result}


def test_report_rebuilds_the_same_delivery(stored: dict[str, Any]) -> None:
    """Rebuilding from the database gives the same consolidated.json, reading no input."""
    out = stored["work"] / "rebuilt"
    result = CliRunner().invoke(main, ["report", "--out", str(out), "--database-url", stored["url"]])
    assert result.exit_code == 0, result.output
    assert f"Rapport (arbeidsbok): {out / 'samordne-analyse.xlsx'}" in result.output
    original = Path(stored["result"]["outputs"]["delivery"]) / "consolidated.json"
    assert (out / "leveranse" / "consolidated.json").read_bytes() == original.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == []
    engine = create_engine(stored["url"])
    with engine.connect() as conn:
        kinds = [k for (k,) in conn.execute(text("select kind from runs order by id"))]
    assert kinds[0] == "run"
    assert "report" in kinds


def test_validate_reports_every_suite_and_succeeds(stored: dict[str, Any]) -> None:
    """Stored sample data passes the suites again; the JSON names each suite."""
    result = CliRunner().invoke(main, ["validate", "--database-url", stored["url"], "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["success"] is True
    assert [s["name"] for s in data["validation"]["suites"]] == ["submissions", "statements", "consolidated"]


def test_validate_fails_after_a_broken_label(stored: dict[str, Any], tmp_path: Path) -> None:
    """A theme outside the taxonomy in stored data makes validate exit 1 and quarantines that row."""
    import sqlite3

    copy = tmp_path / "broken.db"
    # The store runs SQLite in WAL mode: copy through the backup API, not the main file alone.
    with sqlite3.connect(stored["url"].removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    engine = create_engine(url)
    with engine.begin() as conn:
        statement_id = conn.execute(text("select min(id) from statements")).scalar_one()
        conn.execute(text("update statements set theme = 'romfart' where id = :id"), {"id": statement_id})
    result = CliRunner().invoke(main, ["validate", "--database-url", url])
    assert result.exit_code == 1
    assert "FEIL statements" in result.output
    with engine.connect() as conn:
        reason = conn.execute(
            text("select quarantine_reason from statements where id = :id"), {"id": statement_id}
        ).scalar_one()
    assert reason is not None and "theme" in reason
