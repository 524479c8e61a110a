"""Run state and the plain steps the flow sequences: start, validate, consolidate, finish.

Writing the reports (and reusing the last run's) is ``flows.reporting``.

Every step takes and returns a ``RunState`` so a test can drive a whole run
without Prefect; the flow only adds task boundaries, logging and artifacts.
"""

from __future__ import annotations

import json
import logging
import platform
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.db import Store
from flows.ingest import IngestContext
from flows.reporting import (
    DEDUPE_DETAILS,
    build_manifest,
    previous_delivery,
    report_basis,
    reuse_previous_reports,
    write_dedupe_details,
    write_reports,
)
from flows.settings import Settings
from flows.validation import merge_validation, release_memory, row_validation
from models.records import SourceOutcome, SourceStatus, utcnow

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from flows.parallel import IngestPool
    from flows.validation import Validator
    from processing.validation import ValidationOutcome

log = logging.getLogger(__name__)


class InboxError(Exception):
    """The inbox given to a run does not exist or is not a folder."""


@dataclass
class RunState:
    settings: Settings
    inbox: Path
    out: Path
    store: Store
    run_id: int
    started_at: datetime
    inbox_files: list[str]
    versions: dict[str, str]
    parameters: dict[str, Any]
    declarations: Path | None = None
    outcomes: list[SourceOutcome] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)  # stage name -> stored JSON results
    quality: dict[str, Any] = field(default_factory=dict)  # summary for the workbook's Datakvalitet sheet
    blocking: list[str] = field(default_factory=list)  # table-level failures that stop delivery
    consolidation: Any = None
    rows: list[Any] = field(default_factory=list)  # every stored statement (the workbook lists them all)
    dedupe: dict[str, Any] = field(default_factory=dict)  # counts; the links themselves in DEDUPE_DETAILS
    dedupe_result: Any = None  # the DedupeResult behind those counts, written out by finish_run
    declaration_rejections: list[str] = field(default_factory=list)
    incremental: bool = False  # an ingest run: may reuse the last run's reports when nothing changed
    basis: dict[str, Any] = field(default_factory=dict)  # what the reports were computed from
    reused_from: int | None = None  # run whose reports this run reused (nothing changed since)
    reused_outputs: dict[str, str] = field(default_factory=dict)
    pool: IngestPool | None = None  # worker processes reading and classifying a large run's files
    reporter: Executor | None = None  # then one process for the PDF layout (flows.parallel.report_worker)
    validator: Validator | None = None  # and one validating rows beside consolidation (flows.validation)
    pending_validation: Future[ValidationOutcome] | None = None  # its row validation, under way

    def counts(self) -> dict[str, int]:
        by_status = Counter(o.status.value for o in self.outcomes)
        counts = {status.value: by_status.get(status.value, 0) for status in SourceStatus}
        counts["files"] = len(self.outcomes)
        counts["statements"] = sum(o.n_statements for o in self.outcomes)
        return counts


def start_run(settings: Settings, inbox: Path, out: Path, declarations: Path | None = None) -> RunState:
    if not inbox.is_dir():
        raise InboxError(f"innboksen {inbox} finnes ikke eller er ikke en mappe")
    from processing.model_meta import model_version

    store = Store.open(settings.database_url)
    versions = {
        "samordne": package_version("samordne"),
        "model": model_version(
            settings.model_path
        ),  # read, not loaded: a run with nothing new never needs it
        "python": platform.python_version(),
        "spacy": package_version("spacy"),
        "prefect": package_version("prefect"),
    }
    parameters = {
        "inbox": str(inbox),
        "out": str(out),
        "declarations": str(declarations) if declarations else None,
        "review_threshold": settings.review_threshold,
        "batch_files": settings.batch_files,
    }
    for interrupted in store.close_interrupted_runs():
        log.warning("run %s was interrupted (its process is gone): marked as failed", interrupted)
    run_id = store.start_run(parameters, versions)
    return RunState(
        settings=settings,
        inbox=inbox,
        out=out,
        store=store,
        run_id=run_id,
        started_at=utcnow(),
        inbox_files=_list(inbox),
        versions=versions,
        parameters=parameters,
        declarations=declarations,
        incremental=True,
    )


def _list(inbox: Path) -> list[str]:
    from connectors.inbox import list_inbox

    return list_inbox(inbox)


def ingest_context(state: RunState, *, load_model: bool = True) -> IngestContext:
    """What ingestion needs; without ``load_model`` the classifier is loaded only if a file needs it."""
    from connectors.inbox import default_connectors
    from processing.registry import default_registry

    classifier = None
    if load_model:
        from processing.classify import load_classifier

        classifier = load_classifier(state.settings.model_path)
    return IngestContext(
        root=state.inbox,
        settings=state.settings,
        store=state.store,
        run_id=state.run_id,
        registry=default_registry(),
        classifier=classifier,
        connectors=default_connectors(),
    )


def split_known(state: RunState) -> tuple[list[str], list[str], dict[str, str]]:
    """Inbox files whose content is already stored, the rest, and those contents' earlier paths.

    The third item maps each stored sha256 to the path of the source that first brought
    it. A run over an unchanged inbox then records its duplicates in one step instead of
    one ingest task per batch (and starts no reading ahead). Reading decides again, so
    a race with another run storing the same content is still safe.
    """
    hashes = file_hashes(state.inbox, state.inbox_files)
    stored = state.store.known_contents(list(hashes.values()))
    known = [p for p in state.inbox_files if hashes.get(p) in stored]
    return known, [p for p in state.inbox_files if hashes.get(p) not in stored], stored


def file_hashes(inbox: Path, files: Sequence[str]) -> dict[str, str]:
    """sha256 of each top-level file's bytes; unreadable files are left out (reading reports them)."""
    from connectors.inbox import hash_stream

    hashes: dict[str, str] = {}
    for rel_path in files:
        try:
            with (inbox / rel_path).open("rb") as fp:
                hashes[rel_path] = hash_stream(fp)[0]
        except OSError:
            continue
    return hashes


def in_inbox_order(outcomes: Sequence[SourceOutcome], inbox_files: Sequence[str]) -> list[SourceOutcome]:
    """Outcomes regrouped so each inbox file, followed by what was found in it, is in inbox order."""
    groups: list[list[SourceOutcome]] = []
    for outcome in outcomes:
        if outcome.parent_path is None or not groups:
            groups.append([])
        groups[-1].append(outcome)
    rank = {path: index for index, path in enumerate(inbox_files)}
    groups.sort(key=lambda group: rank.get(group[0].path, len(rank)))
    return [outcome for group in groups for outcome in group]


def batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), max(1, size)):
        yield list(items[start : start + size])


def validate_stored(state: RunState) -> RunState:
    """Row-level gates on stored submissions and statements; failing rows are quarantined, not lost.

    With a ``state.validator`` process (given by ``flows.pipeline.release_pool`` to runs of at
    most ``flows.validation.OVERLAP_MAX_STATEMENTS``), the rows are validated there while
    ``consolidate_stored`` runs, which applies the outcome.
    """
    if reuse_previous_reports(state):
        return state
    if state.validator is not None:
        state.pending_validation = state.validator.rows(
            state.settings.database_url, state.settings.taxonomy_path
        )
        return state
    apply_row_validation(state, row_validation(state.store, state.settings.taxonomy_path))
    release_memory()  # the frames are gone; consolidation is next
    return state


def apply_row_validation(state: RunState, outcome: ValidationOutcome) -> None:
    """Quarantine the failing rows, record the results and table-level failures."""
    for table, reasons in outcome.quarantine.items():
        if table not in ("submissions", "statements"):
            raise ValueError(f"validation quarantined rows of an unknown table {table!r}")
        by_reason: dict[str, list[int]] = {}
        for row_id, reason in reasons.items():
            by_reason.setdefault(reason, []).append(row_id)
        for reason, ids in sorted(by_reason.items()):
            state.store.quarantine_rows(table, sorted(ids), reason)  # type: ignore[arg-type]  # checked above
    state.validation = merge_validation(state.validation, outcome.to_json())
    state.blocking.extend(outcome.blocking_failures)
    if state.incremental:
        state.basis = report_basis(state)  # after quarantining: what consolidation will read


def consolidate_stored(state: RunState) -> RunState:
    """Consolidate everything stored (runs are incremental), then gate the result itself.

    Row validation still under way in ``state.validator`` (see ``validate_stored``) is
    awaited after consolidating and applied; when it quarantined rows, consolidation
    runs again without them.
    """
    if state.reused_from is not None:
        return state
    from processing.validation import ValidationOutcome
    from processing.validation.adapt import consolidated_inputs

    taxonomy_keys = _consolidate(state)
    if state.pending_validation is not None:
        outcome = state.pending_validation.result()
        state.pending_validation = None
        apply_row_validation(state, outcome)
        if any(outcome.quarantine.values()):  # consolidated rows that are now quarantined
            log.info("validation quarantined rows consolidated beside it: consolidating again")
            _consolidate(state)
    frame, context = consolidated_inputs(state.consolidation, state.dedupe_result.rows, taxonomy_keys)
    if state.validator is not None:
        result = state.validator.frame("consolidated", frame, context)
        state.validator.close()  # its last job
        state.validator = None
    else:
        from processing.validation import validate_frame

        result = validate_frame("consolidated", frame, context)
    outcome = ValidationOutcome((result,))
    state.validation = merge_validation(state.validation, outcome.to_json())
    state.blocking.extend(outcome.blocking_failures)
    return state


def _consolidate(state: RunState) -> Sequence[str]:
    """Deduplicate and consolidate the current rows into ``state``; the taxonomy's keys."""
    from processing.consolidate import consolidate, load_config
    from processing.dedupe import dedupe_statements
    from processing.registry import default_registry
    from processing.taxonomy import load_taxonomy

    registry = default_registry()
    taxonomy = load_taxonomy(state.settings.taxonomy_path)
    declarations = None
    if state.declarations is not None:
        from connectors.declarations import read_declarations

        declaration_list = read_declarations(state.declarations, registry)
        declarations = declaration_list.declarations
        state.declaration_rejections = [str(r.locator) + ": " + r.reason for r in declaration_list.rejections]
    stored = state.store.statement_rows()
    deduped = dedupe_statements(stored)
    state.dedupe = {
        "statements_stored": len(stored),
        "statements_consolidated": len(deduped.rows),
        "duplicate_links": len(deduped.links),
        "superseded": len(deduped.superseded),
        "details": DEDUPE_DETAILS,
    }
    state.dedupe_result = deduped
    state.rows = stored
    state.consolidation = consolidate(
        deduped.rows,
        registry.municipalities,
        registry.steering_group,
        load_config(),
        declarations=declarations,
        previous=previous_delivery(state.out),
        taxonomy_keys=taxonomy.keys,
        known_names=state.store.personal_identifiers(),
        generated_from=_generated_from(state, stored),
    )
    return taxonomy.keys


def _generated_from(state: RunState, rows: Sequence[Any]) -> dict[str, Any]:
    """What the consolidation was computed from; no run ids or times, so equal input gives equal JSON."""
    import hashlib

    sources = sorted({row.source_sha256 for row in rows})
    return {
        "sources": len(sources),
        "sources_sha256": hashlib.sha256("\n".join(sources).encode()).hexdigest(),
        "statements": len(rows),
        "model": state.versions.get("model"),
        "samordne": state.versions.get("samordne"),
    }


def finish_run(state: RunState, written: dict[str, str]) -> dict[str, Any]:
    status = "failed" if state.blocking else "succeeded"
    finished = utcnow()
    manifest = build_manifest(state, status, finished)
    manifest["outputs"] = written
    if state.reused_from is not None:
        manifest["reports_reused_from_run"] = state.reused_from
    if state.dedupe:
        manifest["deduplication"] = state.dedupe
    if state.declaration_rejections:
        manifest["declaration_rejections"] = state.declaration_rejections
    state.out.mkdir(parents=True, exist_ok=True)
    if state.dedupe_result is not None:
        write_dedupe_details(state.out / DEDUPE_DETAILS, state.dedupe_result)
    (state.out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    summary: dict[str, Any] = {"outputs": written, "blocking": state.blocking, "deduplication": state.dedupe}
    if state.validation:
        summary["validation"] = state.validation
    if state.basis:
        summary["basis"] = state.basis
    if state.reused_from is not None:
        summary["reused_from"] = state.reused_from
    state.store.finish_run(state.run_id, status, state.counts(), summary)
    return {
        "run_id": state.run_id,
        "status": status,
        "counts": state.counts(),
        "outputs": written,
        "manifest": str(state.out / "manifest.json"),
        "blocking": list(state.blocking),
    }


def fail_run(state: RunState, exc: BaseException) -> None:
    """Record a crashed run; what was ingested before the crash stays stored."""
    summary = {"error": f"{exc.__class__.__name__}: {exc}", "traceback": traceback.format_exc()[-4000:]}
    try:
        state.store.finish_run(state.run_id, "failed", state.counts(), summary)
        manifest = build_manifest(state, "failed", utcnow())
        manifest["error"] = summary["error"]
        state.out.mkdir(parents=True, exist_ok=True)
        (state.out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    except Exception:  # the original error matters more than a failure to record it
        log.exception("could not record the failure of run %s", state.run_id)


def _state_without_ingestion(settings: Settings, out: Path, declarations: Path | None, kind: str) -> RunState:
    from processing.classify import load_classifier

    store = Store.open(settings.database_url)
    versions = {
        "samordne": package_version("samordne"),
        "model": load_classifier(settings.model_path).version,
        "python": platform.python_version(),
    }
    parameters = {"out": str(out), "declarations": str(declarations) if declarations else None}
    run_id = store.start_run(parameters, versions, kind=kind)
    return RunState(settings, Path(), out, store, run_id, utcnow(), [], versions, parameters, declarations)


def rebuild_reports(settings: Settings, out: Path, declarations: Path | None = None) -> dict[str, Any]:
    """``samordne report``: consolidate stored data and write the reports, reading no input."""
    state = _state_without_ingestion(settings, out, declarations, kind="report")
    try:
        state = validate_stored(state)
        state = consolidate_stored(state)
        written = write_reports(state)
    except BaseException as exc:
        fail_run(state, exc)
        raise
    return finish_run(state, written)


def revalidate(settings: Settings, run_id: int | None = None) -> dict[str, Any]:
    """``samordne validate``: re-run every suite on stored data and record the results."""
    state = _state_without_ingestion(settings, Path(settings.workdir), None, kind="validate")
    state.parameters["validated_run"] = run_id
    try:
        state = validate_stored(state)
        state = consolidate_stored(state)
    except BaseException as exc:
        fail_run(state, exc)
        raise
    success = not state.blocking and bool(state.validation.get("success"))
    state.store.finish_run(
        state.run_id,
        "succeeded" if success else "failed",
        {},
        {"validated_run": run_id, "validation": state.validation},
    )
    from reports.quality import quality_summary

    summary = quality_summary(state.validation)
    lines = []
    for suite in summary.get("suites", []):
        mark = "OK " if suite.get("success") else "FEIL"
        lines.append(f"{mark} {suite.get('name')}: {suite.get('evaluated')} forventninger")
        for failed in suite.get("failed", []):
            lines.append(
                f"     - {failed.get('expectation')} {failed.get('column') or ''}: {failed.get('reason')}"
            )
    lines.extend(f"BLOKKERER: {line}" for line in state.blocking)
    return {"run_id": state.run_id, "success": success, "lines": lines, "validation": state.validation}
