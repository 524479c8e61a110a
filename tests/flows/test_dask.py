"""Real flow runs on the default runner and on a local Dask cluster: same stored result, artifacts published.

One run per runner over the same small synthetic inbox, each into its own SQLite database.
The Dask run starts a LocalCluster of two worker processes (~20 s: each imports Prefect,
stack-check §2.5), so this module is slow.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.flow, pytest.mark.slow]

BATCH_FILES = 6  # several ingest tasks for the two workers to share


@pytest.fixture(scope="module")
def runs(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same inbox through the default runner and through Dask, each into a fresh database."""
    from connectors.synthetic import generate_inbox
    from flows.pipeline import run_flow

    work = tmp_path_factory.mktemp("dask")
    inbox = generate_inbox(work / "gen", seed=11, statements=60).inbox_dir
    (inbox / "tom.csv").write_bytes(b"")  # one quarantined file for the artifacts
    found: dict[str, Any] = {"inbox": inbox}
    for name, options in (("default", {}), ("dask", {"dask_workers": 2})):
        url = f"sqlite:///{work / name}.db"
        state = run_flow(
            str(inbox), str(work / name), url, batch_files=BATCH_FILES, return_state=True, **options
        )
        found[name] = {
            "url": url,
            "result": state.result(),
            "flow_run_id": state.state_details.flow_run_id,
        }
    return found


def _stored(url: str) -> dict[str, Any]:
    """Sources by path and status, submissions and labelled statements, without ids or times."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sources = sorted(
                tuple(row) for row in conn.execute(text("select path, status, sha256, kind from sources"))
            )
            statements = sorted(
                tuple(map(repr, row))
                for row in conn.execute(
                    text(
                        'select src.path, sub."order", sub.respondent, sub.kommunenummer, sub.match_status, '
                        'st."order", st.text, st.type, st.theme, st.stance, st.type_confidence, '
                        "st.theme_confidence, st.needs_review, st.quarantine_reason "
                        "from statements st join submissions sub on sub.id = st.submission_id "
                        "join sources src on src.id = sub.source_id"
                    )
                )
            )
            submissions = conn.execute(text("select count(*) from submissions")).scalar_one()
    finally:
        engine.dispose()
    return {"sources": sources, "statements": statements, "submissions": submissions}


def test_dask_runner_stores_what_the_default_runner_stores(
    runs: dict[str, Any], statement_places: Callable[[Any, str], Any]
) -> None:
    """Sources, submissions, labelled statements and consolidated.json are equal on both runners."""
    default, dask = _stored(runs["default"]["url"]), _stored(runs["dask"]["url"])
    assert dask["sources"] == default["sources"]
    assert dask["submissions"] == default["submissions"] > 0
    assert dask["statements"] == default["statements"]
    assert len(dask["statements"]) == runs["default"]["result"]["counts"]["statements"] > 0
    delivered = [
        statement_places(
            json.loads((Path(runs[name]["result"]["outputs"]["delivery"]) / "consolidated.json").read_text()),
            runs[name]["url"],
        )
        for name in ("default", "dask")
    ]
    assert delivered[0] == delivered[1]


def test_dask_run_delivers_the_same_bytes_as_the_default_runner(runs: dict[str, Any]) -> None:
    """Stored in inbox order, a Dask run's rows get the ids a local run gives them: the consolidated
    position (statement ids included) and the review workbook's statement sheet are identical."""
    from openpyxl import load_workbook

    def outputs(name: str) -> tuple[bytes, list[tuple[Any, ...]]]:
        written = runs[name]["result"]["outputs"]
        consolidated = (Path(written["delivery"]) / "consolidated.json").read_bytes()
        book = load_workbook(written["workbook"], read_only=True)
        try:
            sheet = book["Utsagn"]  # the statement ids an analyst corrects by
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
        return consolidated, rows

    default, dask = outputs("default"), outputs("dask")
    assert b'"statement_ids"' in default[0]
    assert dask[0] == default[0]
    assert len(dask[1]) > 10 and dask[1] == default[1]


def test_dask_run_submitted_every_batch_to_the_cluster(runs: dict[str, Any]) -> None:
    """The Dask run's ingest-batch task runs ran under the distributed subflow, one per batch."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    from connectors.inbox import list_inbox

    with get_client(sync_client=True) as client:
        subflows = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[runs["dask"]["flow_run_id"]])
            )
        )
        assert [client.read_flow(f.flow_id).name for f in subflows] == ["samordne-ingest-distributed"]
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id={"any_": [subflows[0].id]})  # type: ignore[arg-type]
        )
    batches = -(-len(list_inbox(runs["inbox"])) // BATCH_FILES)
    ingest = [t for t in task_runs if t.name.startswith("ingest-batch")]
    assert len(ingest) == batches > 1
    assert {t.state_name for t in ingest} == {"Completed"}


def _artifacts(flow_run_id: UUID) -> dict[str, Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_key: dict[str, Any] = defaultdict(list)
    for artifact in found:
        by_key[str(artifact.key)].append(artifact)
    return by_key


def test_run_publishes_summary_counts_and_quarantine_artifacts(runs: dict[str, Any]) -> None:
    """The run's markdown summary and its count and quarantine tables read back from the server."""
    result = runs["default"]["result"]
    counts = result["counts"]
    artifacts = _artifacts(runs["default"]["flow_run_id"])
    assert sorted(artifacts) == ["samordne-counts", "samordne-quarantine", "samordne-run-summary"]
    [summary] = artifacts["samordne-run-summary"]
    assert summary.type == "markdown"
    assert summary.data == (
        f"# samordne kjøring {result['run_id']}\n\n"
        f"* filer funnet: **{counts['files']}** (innlest {counts['ingested']}, duplikat 0, karantene 1)\n"
        f"* utsagn: **{counts['statements']}**\n"
        f"* leveranse: {result['outputs']['delivery']}\n"
        f"* arbeidsbok: {result['outputs']['workbook']}\n"
    )
    [table] = artifacts["samordne-counts"]
    assert (table.type, table.description) == ("table", "Filer og utsagn i kjøringen")
    assert json.loads(table.data) == [{"status": k, "antall": v} for k, v in sorted(counts.items())]
    [quarantine] = artifacts["samordne-quarantine"]
    rows = json.loads(quarantine.data)
    assert [row["fil"] for row in rows] == ["tom.csv"]
    assert rows[0]["årsak"] == "tom.csv: filen er tom (0 byte)"
