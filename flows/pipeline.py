"""The Prefect flow: ingest an inbox, validate, consolidate, write the reports.

Tasks pass live objects (the store, loaded models) and write to the database, so
result caching is off: a cached result would skip the writes.

The flow body reads like a table of contents; each task wraps one plain
function (``flows.ingest``, ``flows.outputs``) that tests and a REPL can call
directly. Tasks work on batches of files, never on single records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import outputs
from flows.ingest import IngestContext, ingest_files
from flows.settings import Settings
from models.records import SourceOutcome


@task(name="ingest-batch", cache_policy=NO_CACHE)
def ingest_batch(ctx: IngestContext, rel_paths: list[str]) -> list[SourceOutcome]:
    found = ingest_files(ctx, rel_paths)
    get_run_logger().info(
        "batch of %d inbox files: %d files found (with attachments), %d statements",
        len(rel_paths),
        len(found),
        sum(o.n_statements for o in found),
    )
    return found


@task(name="validate", cache_policy=NO_CACHE)
def validate(state: outputs.RunState) -> outputs.RunState:
    return outputs.validate_stored(state)


@task(name="consolidate", cache_policy=NO_CACHE)
def consolidate(state: outputs.RunState) -> outputs.RunState:
    return outputs.consolidate_stored(state)


@task(name="write-reports", cache_policy=NO_CACHE)
def write_reports(state: outputs.RunState) -> dict[str, str]:
    return outputs.write_reports(state)


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(state: outputs.RunState, written: dict[str, str]) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(key="samordne-run-summary", markdown=outputs.summary_markdown(state, written))
    quarantined = [
        {"fil": o.path, "årsak": o.reason} for o in state.outcomes if o.status.value == "quarantined"
    ]
    counts = [{"status": k, "antall": v} for k, v in sorted(state.counts().items())]
    create_table_artifact(key="samordne-counts", table=counts, description="Filer og utsagn i kjøringen")
    if quarantined:
        create_table_artifact(key="samordne-quarantine", table=quarantined, description="Filer i karantene")


@flow(name="samordne-run", log_prints=True)
def run_flow(
    inbox: str, out: str, database_url: str | None = None, declarations: str | None = None
) -> dict[str, Any]:
    """Ingest INBOX recursively, validate, consolidate and write every report into OUT."""
    logger = get_run_logger()
    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    state = outputs.start_run(
        settings, Path(inbox), Path(out), declarations=Path(declarations) if declarations else None
    )
    logger.info("run %s: %d files in %s", state.run_id, len(state.inbox_files), inbox)
    try:
        ctx = outputs.ingest_context(state)
        for batch in outputs.batches(state.inbox_files, settings.batch_files):
            state.outcomes.extend(ingest_batch(ctx, batch))
        state = validate(state)
        state = consolidate(state)
        written = write_reports(state)
        publish_artifacts(state, written)
    except BaseException as exc:
        outputs.fail_run(state, exc)
        raise
    result = outputs.finish_run(state, written)
    logger.info("report: %s", written.get("workbook"))
    return result
