"""The Prefect flow: ingest an inbox, validate, consolidate, write the reports.

Tasks pass live objects (the store, loaded models) and write to the database, so
result caching is off: a cached result would skip the writes. Those objects go in
``quote``d: Prefect otherwise walks (and rebuilds) every argument looking for
futures, which for a run state holding every statement cost more than the steps.

The flow body reads like a table of contents; each task wraps one plain
function (``flows.ingest``, ``flows.outputs``) that tests and a REPL can call
directly. Tasks work on batches of files, never on single records.

Scale-out is opt-in: with ``dask_address`` or ``dask_workers`` the ingest batches
(reading, segmenting, classifying) go to a Dask cluster through prefect-dask,
and the flow stores what they return file by file in inbox order, as with local
reader processes: every row gets the id a local run gives it, so the reports are
the same byte for byte whichever runner ingested. Those tasks get only picklable
arguments (an ``IngestJob``: inbox path, settings, run id) and load the models
(and open the store, to recognise content stored before) once per worker process.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import outputs, reporting
from flows.ingest import (
    IngestContext,
    IngestJob,
    ingest_files,
    ingest_known,
    read_prepared,
    store_tree,
    worker_context,
)
from flows.settings import Settings
from models.records import SourceOutcome

T = TypeVar("T")

AHEAD_PER_THREAD = 2  # Dask: batches read and not yet stored, per worker thread

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

    from connectors.db import TreeItem
    from flows.parallel import IngestPool


def opaque_arg(value: T) -> T:
    """``value`` wrapped so Prefect passes it to a task as is, without walking into it.

    Typed as the value itself: the task receives the unwrapped object.
    """
    return cast(T, quote(value))


def dask_task_runner(address: str | None, workers: int) -> TaskRunner[Any]:
    """A runner for an existing scheduler at ``address``, or a LocalCluster of ``workers`` processes."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    if workers < 1:
        raise ValueError(f"dask_workers must be at least 1 without a dask_address, got {workers}")
    # One thread per worker: classification is CPU-bound and holds the GIL.
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


def local_pool(state: outputs.RunState, workers: int | None, n_batches: int) -> IngestPool | None:
    """Worker processes for an inbox of more than one batch, or None (read in this process)."""
    from flows import parallel

    workers = parallel.default_workers() if workers is None else workers
    if workers <= 1 or n_batches <= 1:
        parallel.discard_prestarted()
        return None
    return parallel.take(state.inbox, state.settings, workers)


def release_pool(state: outputs.RunState) -> None:
    """After ingestion the readers (models loaded, ~0.3 GB each) exit; the PDF process and, for a
    run of moderate size, the validator (``flows.validation``) take over, both usually pre-started."""
    from flows import parallel
    from flows.validation import OVERLAP_MAX_STATEMENTS

    assert state.pool is not None
    state.pool.close()
    state.pool = None
    helpers = parallel.take_helpers()
    state.reporter = helpers.reporter
    if state.store.counts()["statements"] <= OVERLAP_MAX_STATEMENTS:
        state.validator = helpers.validator
    else:  # too large to hold beside consolidation: validated here, first
        helpers.validator.close()


@task(name="ingest-batch", cache_policy=NO_CACHE)
def ingest_batch(
    ctx: IngestContext, rel_paths: list[str], pool: IngestPool | None = None
) -> list[SourceOutcome]:
    found = ingest_files(ctx, rel_paths, pool)
    get_run_logger().info(
        "batch of %d inbox files: %d files found (with attachments), %d statements",
        len(rel_paths),
        len(found),
        sum(o.n_statements for o in found),
    )
    return found


@task(name="record-known", cache_policy=NO_CACHE)
def record_known(ctx: IngestContext, known: list[str]) -> list[SourceOutcome]:
    return ingest_known(ctx, known)


@task(name="ingest-batch", cache_policy=NO_CACHE)
def read_batch_job(job: IngestJob, rel_paths: list[str]) -> list[list[TreeItem]]:
    """On a Dask worker: read, segment and classify a batch of files; the flow stores them."""
    ctx = worker_context(job)
    return [read_prepared(ctx, path) for path in rel_paths]


def _cluster_threads() -> int:
    """Worker threads of the flow's Dask cluster (at least 1)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    client = getattr(context.task_runner, "client", None) if context else None
    return max(1, sum(client.nthreads().values())) if client is not None else 1


@flow(name="samordne-ingest-distributed")
def ingest_distributed(job: IngestJob, batches: list[list[str]]) -> list[SourceOutcome]:
    """Batches read on the flow's task runner (Dask); stored here, file by file, in inbox order.

    Storing in inbox order gives every row the id a local run gives it, however the
    batches finish, so the reports are the same on either runner. At most
    ``AHEAD_PER_THREAD`` batches per worker thread are read and not yet stored.
    """
    from connectors.db import Store

    ahead = AHEAD_PER_THREAD * _cluster_threads()
    pending = iter(batches)
    inflight = deque(read_batch_job.submit(job, batch) for batch in islice(pending, ahead))
    found: list[SourceOutcome] = []
    with Store.open(job.settings.database_url) as store:
        while inflight:
            items_of_files = inflight.popleft().result()
            inflight.extend(read_batch_job.submit(job, batch) for batch in islice(pending, 1))
            for items in items_of_files:
                found.extend(store_tree(store, job.run_id, items))
    return found


@task(name="validate", cache_policy=NO_CACHE)
def validate(state: outputs.RunState) -> outputs.RunState:
    return outputs.validate_stored(state)


@task(name="consolidate", cache_policy=NO_CACHE)
def consolidate(state: outputs.RunState) -> outputs.RunState:
    return outputs.consolidate_stored(state)


@task(name="write-reports", cache_policy=NO_CACHE)
def write_reports(state: outputs.RunState) -> dict[str, str]:
    return reporting.write_reports(state)


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(state: outputs.RunState, written: dict[str, str]) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(key="samordne-run-summary", markdown=reporting.summary_markdown(state, written))
    quarantined = [
        {"fil": o.path, "årsak": o.reason} for o in state.outcomes if o.status.value == "quarantined"
    ]
    counts = [{"status": k, "antall": v} for k, v in sorted(state.counts().items())]
    create_table_artifact(key="samordne-counts", table=counts, description="Filer og utsagn i kjøringen")
    if quarantined:
        create_table_artifact(key="samordne-quarantine", table=quarantined, description="Filer i karantene")


@flow(name="samordne-run", log_prints=True)
def run_flow(
    inbox: str,
    out: str,
    database_url: str | None = None,
    declarations: str | None = None,
    dask_address: str | None = None,
    dask_workers: int = 0,
    batch_files: int | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Ingest INBOX recursively, validate, consolidate and write every report into OUT.

    With ``dask_address`` (a running scheduler) or ``dask_workers`` > 0 (a local
    cluster of that many processes) the ingest batches run on Dask. Otherwise an
    inbox of more than one batch is read and classified by ``workers`` local
    processes (default ``SAMORDNE_WORKERS`` or the cores, at most 4; 1: none)
    while this process stores. ``batch_files`` sets the inbox files per ingest
    task (default ``Settings.batch_files``).
    """
    logger = get_run_logger()
    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    if batch_files:
        settings = replace(settings, batch_files=batch_files)
    state = outputs.start_run(
        settings, Path(inbox), Path(out), declarations=Path(declarations) if declarations else None
    )
    logger.info("run %s: %d files in %s", state.run_id, len(state.inbox_files), inbox)
    try:
        if dask_address or dask_workers:
            batches = list(outputs.batches(state.inbox_files, settings.batch_files))
            job = IngestJob(str(state.inbox), settings, state.run_id)
            runner = dask_task_runner(dask_address, dask_workers)
            state.outcomes.extend(ingest_distributed.with_options(task_runner=runner)(job, batches))
        else:
            known, fresh, earlier = outputs.split_known(state)
            batches = list(outputs.batches(fresh, settings.batch_files))
            state.pool = local_pool(state, workers, len(batches))
            # with a pool the workers classify: this process never needs the model
            ctx = outputs.ingest_context(state, load_model=bool(fresh) and state.pool is None)
            if known:  # already stored: recorded as duplicates in one task, not read again
                state.outcomes.extend(record_known(opaque_arg(replace(ctx, preknown=earlier)), known))
            if state.pool is not None:
                state.pool.plan(fresh)  # workers read ahead across batch boundaries
            for batch in batches:
                state.outcomes.extend(ingest_batch(opaque_arg(ctx), batch, opaque_arg(state.pool)))
            state.outcomes = outputs.in_inbox_order(state.outcomes, state.inbox_files)
            if state.pool is not None:
                release_pool(state)
        state = validate(opaque_arg(state))
        state = consolidate(opaque_arg(state))
        written = write_reports(opaque_arg(state))  # the PDF is laid out in the report process meanwhile
        publish_artifacts(opaque_arg(state), written)
    except BaseException as exc:
        outputs.fail_run(state, exc)
        raise
    finally:
        if state.pool is not None:
            state.pool.close()
            state.pool = None
        if state.reporter is not None:  # its process exits while the run is recorded (joined at exit)
            state.reporter.shutdown(wait=False, cancel_futures=True)
            state.reporter = None
        if state.validator is not None:  # a run that failed before consolidating
            state.validator.close()
            state.validator = None
    result = outputs.finish_run(state, written)
    logger.info("report: %s", written.get("workbook"))
    return result
