"""Rows validated in a process beside consolidation give what validating first gives.

Drives the plain steps of ``flows.outputs`` on a copy of one stored database per
mode (validate first in this process, or beside consolidation in a ``Validator``
process), with and without a stored row that fails validation.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from flows import outputs
from flows.ingest import ingest_files
from flows.settings import Settings
from flows.validation import Validator

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample inbox ingested once (no validation yet)."""
    work = tmp_path_factory.mktemp("overlap")
    inbox = work / "inbox"
    shutil.copytree(EXAMPLES / "inbox", inbox)
    settings = Settings.from_env(env={}, workdir=work).with_database(f"sqlite:///{work / 'stored.db'}")
    state = outputs.start_run(settings, inbox, work / "out")
    ctx = outputs.ingest_context(state)
    for batch in outputs.batches(state.inbox_files, settings.batch_files):
        state.outcomes.extend(ingest_files(ctx, batch))
    state.store.finish_run(state.run_id, "succeeded", state.counts(), {})
    state.store.close()
    return work / "stored.db"


def _copy(database: Path, target: Path) -> str:
    with sqlite3.connect(database) as src, sqlite3.connect(target) as dst:  # WAL: copy through the backup API
        src.backup(dst)
    return f"sqlite:///{target}"


def _consolidate(url: str, work: Path, beside: bool) -> dict[str, Any]:
    from reports.workbook import as_dict

    settings = Settings.from_env(env={}, workdir=work).with_database(url)
    state = outputs.start_run(settings, EXAMPLES / "inbox", work / "out")
    try:
        if beside:
            state.validator = Validator()
        state = outputs.validate_stored(state)
        assert (state.pending_validation is not None) is beside
        state = outputs.consolidate_stored(state)
        assert state.validator is None and state.pending_validation is None  # closed after its last job
        engine = create_engine(url)
        with engine.connect() as conn:
            quarantined = conn.execute(
                text(
                    "select id, quarantine_reason from statements where quarantine_reason is not null order by id"
                )
            ).all()
        engine.dispose()
        return {
            "consolidated": json.dumps(as_dict(state.consolidation), sort_keys=True, default=str),
            "validation": json.dumps(state.validation, sort_keys=True, default=str),
            "blocking": state.blocking,
            "dedupe": state.dedupe,
            "rows": [row.statement_id for row in state.rows],
            "quarantined": [tuple(r) for r in quarantined],
        }
    finally:
        if state.validator is not None:
            state.validator.close()
        state.store.close()


@pytest.mark.parametrize("broken", [False, True], ids=["clean", "one-broken-statement"])
def test_validation_beside_consolidation_gives_what_validating_first_gives(
    stored: Path, tmp_path: Path, broken: bool
) -> None:
    """Same consolidation, validation results, quarantine and rows; a quarantined row is not consolidated."""
    results = {}
    for mode in ("first", "beside"):
        url = _copy(stored, tmp_path / f"{mode}.db")
        if broken:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "update statements set theme = 'romfart' where id = (select min(id) from statements)"
                    )
                )
            engine.dispose()
        results[mode] = _consolidate(url, tmp_path / mode, beside=mode == "beside")
    assert results["beside"] == results["first"]
    quarantined = results["first"]["quarantined"]
    if broken:
        assert len(quarantined) == 1 and "theme" in quarantined[0][1]
        assert quarantined[0][0] not in results["first"]["rows"]
    else:
        assert quarantined == []
