"""Every real-world corpus file is ingested or quarantined with a reason, quickly, and is in the manifest."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from flows import outputs
from flows.ingest import ingest_files
from flows.settings import Settings

pytestmark = pytest.mark.slow

PER_FILE_SECONDS = 10.0


@pytest.fixture(scope="module")
def corpus_run(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Ingest ../shared/corpora as one inbox through the real dispatcher, store and classifier."""
    work = tmp_path_factory.mktemp("corpus")
    settings = Settings.from_env(env={}, workdir=work)
    inbox = shared_dir / "corpora"
    state = outputs.start_run(settings, inbox, work / "out")
    ctx = outputs.ingest_context(state)
    timings: dict[str, float] = {}
    for rel in state.inbox_files:
        started = time.monotonic()
        state.outcomes.extend(ingest_files(ctx, [rel]))
        timings[rel] = time.monotonic() - started
    result = outputs.finish_run(state, {})
    manifest = json.loads(Path(result["manifest"]).read_text(encoding="utf-8"))
    return {"inbox": inbox, "manifest": manifest, "timings": timings}


def test_every_corpus_file_is_in_the_manifest(corpus_run: dict[str, Any]) -> None:
    """Each corpus file appears once at top level with a status; quarantined ones say why and name the file."""
    inbox: Path = corpus_run["inbox"]
    on_disk = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    top = [f for f in corpus_run["manifest"]["files"] if f["parent"] is None]
    assert sorted(f["path"] for f in top) == on_disk
    assert len(on_disk) >= 236
    for entry in corpus_run["manifest"]["files"]:
        assert entry["status"] in {"ingested", "duplicate", "quarantined"}
        if entry["status"] == "quarantined":
            assert entry["reason"], entry["path"]
            own_name = entry["path"].split("!/")[-1].rsplit("/", 1)[-1]
            assert own_name in entry["reason"] or entry["path"] in entry["reason"], entry["reason"]


def test_no_corpus_file_takes_more_than_ten_seconds(corpus_run: dict[str, Any]) -> None:
    """Reading, classifying and storing any one corpus file (with its attachments) stays under 10 s."""
    slow = {
        path: round(seconds, 1)
        for path, seconds in corpus_run["timings"].items()
        if seconds > PER_FILE_SECONDS
    }
    assert slow == {}


def test_corpus_outcomes_cover_all_three_statuses(corpus_run: dict[str, Any]) -> None:
    """The corpus exercises ingestion, quarantine and duplicate detection (it holds identical files)."""
    counts = corpus_run["manifest"]["counts"]
    assert counts["ingested"] > 0
    assert counts["quarantined"] > 0
    assert counts["files"] == counts["ingested"] + counts["duplicate"] + counts["quarantined"]
