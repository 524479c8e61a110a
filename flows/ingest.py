"""Ingestion of a batch of inbox files: read, resolve, segment, classify, store.

Plain functions, so a REPL or a test can call them without Prefect; the flow in
``flows.pipeline`` wraps ``ingest_files`` in one task per batch of files.
Each file (with its attachments) is stored in its own transactions, parent
first, so a crash loses at most the file being written and a re-run picks it up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import Connector
from connectors.inbox import read_path
from models.records import Passage, SourceOutcome, SourceStatus, Statement, Submission

if TYPE_CHECKING:
    from connectors.db import IngestedSubmission, Store, TreeItem
    from flows.parallel import IngestPool
    from flows.settings import Settings
    from processing.classify import Classifier
    from processing.registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestContext:
    root: Path
    settings: Settings
    store: Store
    run_id: int
    registry: Registry
    classifier: Classifier | None  # None: loaded on first use (a run with nothing new never needs it)
    connectors: Mapping[str, Connector]
    preknown: Mapping[str, str] = field(default_factory=dict)  # sha256 -> earlier path, looked up in bulk

    def known(self, sha256: str) -> str | None:
        """Display path of the stored source that first brought this content, if any."""
        if sha256 in self.preknown:
            return self.preknown[sha256]
        source_id = self.store.find_content(sha256)
        if source_id is None:
            return None
        return self.store.source_path(source_id)


@dataclass(frozen=True, slots=True)
class IngestJob:
    """What a remote ingest task needs, all picklable: no live store, engine or model."""

    inbox: str
    settings: Settings
    run_id: int


@lru_cache(maxsize=4)
def _worker_store(database_url: str) -> Store:
    from connectors.db import Store

    return Store.open(database_url)


@lru_cache(maxsize=2)
def _worker_models(model_path: Path | None) -> tuple[Any, Any, Any]:
    from connectors.inbox import default_connectors
    from processing.classify import load_classifier
    from processing.registry import default_registry

    return default_registry(), load_classifier(model_path), default_connectors()


def worker_context(job: IngestJob) -> IngestContext:
    """The ingest context on a worker (Dask or a local reader): store and models opened once per process.

    Nothing here imports Prefect (about 1.7 s per process): local readers never need it.
    """
    registry, classifier, connectors = _worker_models(job.settings.model_path)
    return IngestContext(
        root=Path(job.inbox),
        settings=job.settings,
        store=_worker_store(job.settings.database_url),
        run_id=job.run_id,
        registry=registry,
        classifier=classifier,
        connectors=connectors,
    )


def analyse(
    ctx: IngestContext, submissions: Sequence[Submission], source_sha: str
) -> list[IngestedSubmission]:
    """Resolve, segment and classify the submissions of one file."""
    from connectors.db import IngestedSubmission
    from processing.segment import segment_submission

    segmented = [segment_submission(sub) for sub in submissions]
    texts: list[str] = []
    hints: list[Passage | None] = []
    for sub, segments in zip(submissions, segmented, strict=True):
        for seg in segments:
            texts.append(seg.text)
            hints.append(sub.passages[seg.passage_index])
    labels = []
    if texts:
        from processing.classify import load_classifier

        classifier = ctx.classifier or load_classifier(ctx.settings.model_path)
        labels = classifier.classify(texts, hints, threshold=ctx.settings.review_threshold)
    out: list[IngestedSubmission] = []
    cursor = 0
    for index, (sub, segments) in enumerate(zip(submissions, segmented, strict=True)):
        key = f"{source_sha[:16]}:{index}"
        statements = []
        for order, seg in enumerate(segments):
            passage = sub.passages[seg.passage_index]
            statements.append(
                Statement(
                    submission_key=key,
                    order=order,
                    start=seg.start,
                    end=seg.end,
                    text=seg.text,
                    locator=passage.locator,
                    labels=labels[cursor],
                    priority=passage.priority,
                )
            )
            cursor += 1
        resolution = ctx.registry.resolve(sub.respondent, email=sub.email, context=sub.context)
        out.append(IngestedSubmission(submission=sub, resolution=resolution, statements=tuple(statements)))
    return out


def ingest_files(
    ctx: IngestContext, rel_paths: Sequence[str], pool: IngestPool | None = None
) -> list[SourceOutcome]:
    """Ingest inbox files (relative paths); returns one outcome per file found, attachments included.

    Each inbox file is stored together with everything found inside it in one
    transaction (``Store.record_tree``), so a crash stores all of it or none.
    With a ``pool`` the files are read and classified in its worker processes
    while this process stores them, still one file at a time in inbox order.
    """
    read = pool.items(rel_paths) if pool is not None else (read_items(ctx, p) for p in rel_paths)
    outcomes: list[SourceOutcome] = []
    for items in read:
        outcomes.extend(store_items(ctx, items))
    return outcomes


def ingest_known(ctx: IngestContext, rel_paths: Sequence[str]) -> list[SourceOutcome]:
    """Record inbox files whose content is already stored as duplicates, in one transaction.

    They are independent records, and a rerun after a crash records them again. A file
    that turns out to be new after all (changed since it was hashed) is read and stored
    as usual, in its own transaction. ``ctx.preknown`` saves the per-file lookups.
    """
    duplicates: list[TreeItem] = []
    outcomes: list[SourceOutcome] = []
    for rel_path in rel_paths:
        items = read_items(ctx, rel_path)
        if len(items) == 1 and items[0].outcome.status is SourceStatus.DUPLICATE:
            duplicates.append(items[0])
        else:
            outcomes.extend(store_items(ctx, items))
    return (store_items(ctx, duplicates) if duplicates else []) + outcomes


def read_items(ctx: IngestContext, rel_path: str) -> list[TreeItem]:
    """Read one inbox file and everything inside it, analysed and ready to store (no writes)."""
    from connectors.db import TreeItem

    items: list[TreeItem] = []
    for found in read_path(ctx.root, rel_path, ctx.settings.limits, ctx.connectors, ctx.known):
        outcome = found.outcome
        if found.result is None:
            items.append(TreeItem(outcome))
            continue
        ingested = analyse(ctx, found.result.submissions, outcome.sha256)
        for note in found.result.notes:
            log.info("%s: %s", outcome.path, note)
        outcome = replace(outcome, n_statements=sum(len(s.statements) for s in ingested))
        items.append(TreeItem(outcome, ingested, found.result.rejections))
    return items


def read_prepared(ctx: IngestContext, rel_path: str) -> list[TreeItem]:
    """``read_items`` as table rows, for storing in another process (reader processes, Dask).

    Table rows pickle several times faster than the records, and the storing process
    (the bottleneck with two readers) is left only the inserts.
    """
    return [item.prepare() for item in read_items(ctx, rel_path)]


def store_items(ctx: IngestContext, items: Sequence[TreeItem]) -> list[SourceOutcome]:
    """Store one inbox file's items in one transaction; outcomes say what became of each."""
    return store_tree(ctx.store, ctx.run_id, items)


def store_tree(store: Store, run_id: int, items: Sequence[TreeItem]) -> list[SourceOutcome]:
    """``store_items`` with only what storing needs (the flow's store beside Dask readers)."""
    outcomes: list[SourceOutcome] = []
    recorded = store.record_tree(run_id, items)
    for item, stored in zip(items, recorded, strict=True):
        outcome = item.outcome
        if stored.status != outcome.status:  # content stored by another run, or earlier in this tree
            outcome = replace(
                outcome,
                status=stored.status,
                reason=f"samme innhold som {store.source_path(stored.duplicate_of)}"
                if stored.duplicate_of is not None
                else outcome.reason,
                category="duplicate",
                n_statements=0,
            )
        outcomes.append(outcome)
    return outcomes
