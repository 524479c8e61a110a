"""A run with nothing new reuses the last run's reports; any change to stored data rebuilds them.

Drives the plain steps of ``flows.outputs`` (what the Prefect flow sequences), so no
Prefect server is needed; the full flow is covered by ``test_run_flow.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flows import outputs, reporting
from flows.ingest import ingest_files
from flows.settings import Settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = [pytest.mark.slow]


def _run(settings: Settings, inbox: Path, out: Path) -> tuple[dict[str, Any], outputs.RunState]:
    state = outputs.start_run(settings, inbox, out)
    ctx = outputs.ingest_context(state)
    for batch in outputs.batches(state.inbox_files, settings.batch_files):
        state.outcomes.extend(ingest_files(ctx, batch))
    state = outputs.validate_stored(state)
    state = outputs.consolidate_stored(state)
    written = reporting.write_reports(state)
    return outputs.finish_run(state, written), state


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.mark.parametrize(
    ("change", "reused"),
    [
        ("nothing", True),
        ("quarantine one statement", False),
        ("new file in the inbox", False),
    ],
)
def test_second_run_reuses_reports_only_when_nothing_changed(
    tmp_path: Path, change: str, reused: bool
) -> None:
    """Unchanged data: reports copied byte for byte and the run points to the one reused; else rebuilt."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("Innspillsmal_Bodo.xlsx", "Innspillsmal_Voss.xlsx"):
        shutil.copy(EXAMPLES / "inbox" / name, inbox / name)
    settings = Settings.from_env(env={}, workdir=tmp_path)
    first, first_state = _run(settings, inbox, tmp_path / "out1")
    if change == "quarantine one statement":
        first_id = first_state.rows[0].statement_id
        assert first_state.store.quarantine_rows("statements", [first_id], "test: satt i karantene") == 1
    elif change == "new file in the inbox":
        shutil.copy(EXAMPLES / "inbox" / "Innspillsmal_Stavanger.xlsx", inbox / "Innspillsmal_Stavanger.xlsx")
    second, second_state = _run(settings, inbox, tmp_path / "out2")
    assert first["status"] == second["status"] == "succeeded"
    assert second_state.reused_from == (first["run_id"] if reused else None)
    last = second_state.store.last_run()
    assert last is not None and last[0] == second["run_id"]
    assert ("reused_from" in last[1]) is reused
    assert set(_files(tmp_path / "out2")) == set(_files(tmp_path / "out1"))
    if reused:
        assert _files(tmp_path / "out2") == _files(tmp_path / "out1")
        manifest = (tmp_path / "out2" / "manifest.json").read_text(encoding="utf-8")
        assert f'"reports_reused_from_run": {first["run_id"]}' in manifest
        assert {f.status.value for f in second_state.outcomes} == {"duplicate"}
    second_state.store.close()
    first_state.store.close()
