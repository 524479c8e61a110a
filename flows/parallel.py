"""Local parallel ingestion: worker processes read and classify, the flow's process stores.

Reading, parsing, segmenting and classifying a file is CPU-bound Python, so one
process uses one core. An ``IngestPool`` runs that part in worker processes
(``spawn``: no Prefect threads or open connections are inherited), each with
the models loaded once by its initializer. The flow's own process stores the
results file by file **in inbox order**, so database ids, and with them every
report, are the same as in a sequential run, and each file with its
attachments is still one transaction.

The pool can be started before the flow (``prestart``) so the workers load
spaCy and the models while Prefect's temporary API server starts up; the flow
then takes it over (``take``).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import Settings

if TYPE_CHECKING:
    from connectors.db import TreeItem
    from flows.ingest import IngestContext
    from flows.validation import Validator

log = logging.getLogger(__name__)
AHEAD_PER_WORKER = 8  # files read ahead of the one being stored, per worker process
WORKER_NICENESS = 10  # of the readers (see lower_priority)
HELPER_NICENESS = 15  # of the PDF and validator processes: needed only after ingestion


@dataclass(frozen=True, slots=True)
class PoolKey:
    """What a pool's workers were started for: the same inbox root and settings."""

    root: str
    settings: Settings
    workers: int


def default_workers(env: dict[str, str] | None = None) -> int:
    """``SAMORDNE_WORKERS`` if set, else the usable cores (at most 4); 1 means no pool."""
    env = dict(os.environ) if env is None else env
    if env.get("SAMORDNE_WORKERS"):
        return max(1, int(env["SAMORDNE_WORKERS"]))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _context(key: PoolKey) -> IngestContext:
    """The worker's ingest context; models and store are opened once per process (cached)."""
    from flows.ingest import IngestJob, worker_context

    return worker_context(IngestJob(key.root, key.settings, run_id=0))  # run_id unused: workers never store


def _init_worker(key: PoolKey) -> None:
    import gc

    _context(key)
    # The models are loaded for good: keep the collector from scanning them again and again
    # (measured: GC time while ingesting the 50k inbox 0.62 s -> 0.27 s).
    gc.collect()
    gc.freeze()


def _read_file(key: PoolKey, rel_path: str) -> list[TreeItem]:
    from flows.ingest import read_prepared

    return read_prepared(_context(key), rel_path)


class IngestPool:
    """Worker processes that turn inbox files into storable items."""

    def __init__(self, key: PoolKey) -> None:
        self.key = key
        self._executor = ProcessPoolExecutor(
            max_workers=key.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(key,),
        )
        # spawn the workers now: they load the models while the caller does other work
        start_now(self._executor, key.workers, WORKER_NICENESS)
        self._planned: deque[str] = deque()
        self._inflight: deque[tuple[str, Future[list[TreeItem]]]] = deque()

    def plan(self, rel_paths: Sequence[str]) -> None:
        """Announce every file the run will ask for, in order, so workers read ahead across batches.

        At most ``AHEAD_PER_WORKER`` files per worker are read and not yet stored, which
        bounds memory however large the inbox; without a plan each ``items`` call starts
        cold and the workers wait at every batch boundary while the last files are stored.
        """
        self._planned = deque(rel_paths)
        self._top_up()

    def items(self, rel_paths: Sequence[str]) -> Iterator[list[TreeItem]]:
        """Each file's items, in the order of ``rel_paths``, while later files are still being read."""
        if not self._planned and not self._inflight:
            yield from self._executor.map(_read_file, repeat(self.key), rel_paths)
            return
        for path in rel_paths:
            if self._inflight and self._inflight[0][0] == path:
                future = self._inflight.popleft()[1]
            else:  # not in the plan's order: read it now
                future = self._executor.submit(_read_file, self.key, path)
            self._top_up()
            yield future.result()

    def _top_up(self) -> None:
        while self._planned and len(self._inflight) < AHEAD_PER_WORKER * self.key.workers:
            path = self._planned.popleft()
            self._inflight.append((path, self._executor.submit(_read_file, self.key, path)))

    def close(self) -> None:
        self._planned.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)


def _noop() -> None:
    return None


def start_now(executor: ProcessPoolExecutor, processes: int, niceness: int) -> None:
    """Spawn the executor's ``processes`` now (their initializers run meanwhile), at ``niceness``."""
    for _ in range(processes):
        executor.submit(_noop)
    lower_priority(executor, niceness)


def _import_report_writers() -> None:
    import reports.pdf  # noqa: F401  # xhtml2pdf and reportlab: about a second


def report_worker() -> ProcessPoolExecutor:
    """One process for the PDF layout (seconds of pure Python) beside the workbook.

    It holds only the PDF writer, imported at once (no models: the readers, about
    0.3 GB each, exit when ingestion ends).
    """
    executor = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_import_report_writers
    )
    start_now(executor, 1, HELPER_NICENESS)
    return executor


def lower_priority(executor: ProcessPoolExecutor, niceness: int) -> None:
    """Give the executor's processes ``niceness``, from here, as soon as they exist.

    Readers yield the CPU to the run's own process (which stores) and to Prefect's
    API server starting up: on two cores they otherwise took turns with it and
    delayed the flow's start by seconds (measured: server up after 10 s instead of 5.5 s).
    The PDF and validator processes, needed only when ingestion ends, yield to the readers.

    Set by this process rather than by the workers' initializers: a spawned
    process first starts Python and imports its modules (a good part of its
    start-up) before any initializer runs, and that part then competed with
    Prefect's server starting up at full priority.
    """
    for pid in list(getattr(executor, "_processes", None) or ()):
        with contextlib.suppress(OSError):  # exited already, or not ours to change
            os.setpriority(os.PRIO_PROCESS, pid, max(os.getpriority(os.PRIO_PROCESS, pid), niceness))


@dataclass
class Helpers:
    """The processes a pooled run uses after ingestion, started with its readers (``prestart``)."""

    reporter: ProcessPoolExecutor
    validator: Validator

    def close(self) -> None:
        self.reporter.shutdown(wait=False, cancel_futures=True)
        self.validator.close()


_prestarted: dict[PoolKey, IngestPool] = {}
_helpers: list[Helpers] = []
_lock = threading.Lock()


def prestart(root: Path, settings: Settings, workers: int) -> None:
    """Start a pool for ``root`` now (before the flow) if ``workers`` > 1; ``take`` hands it over.

    The report and validator processes start with it (``take_helpers``): they import
    their libraries (seconds) while Prefect's server starts, when the CPU has room,
    instead of when ingestion ends, when validation waits for them.
    """
    if workers <= 1:
        return
    from flows.validation import Validator

    key = PoolKey(str(root), settings, workers)
    with _lock:
        if key not in _prestarted:
            _prestarted[key] = IngestPool(key)
            if not _helpers:
                _helpers.append(Helpers(report_worker(), Validator()))


def take_helpers() -> Helpers:
    """The pre-started report and validator processes, or new ones; the caller closes them."""
    from flows.validation import Validator

    with _lock:
        if _helpers:
            return _helpers.pop()
    return Helpers(report_worker(), Validator())


def take(root: Path, settings: Settings, workers: int) -> IngestPool:
    """The pre-started pool for these arguments, or a new one; the caller closes it."""
    key = PoolKey(str(root), settings, workers)
    with _lock:
        pool = _prestarted.pop(key, None)
    return pool if pool is not None else IngestPool(key)


def discard_prestarted() -> None:
    """Close pools and helpers that were started but never taken (a run that failed before ingesting)."""
    with _lock:
        pools = list(_prestarted.values())
        _prestarted.clear()
        helpers = list(_helpers)
        _helpers.clear()
    for pool in pools:
        pool.close()
    for helper in helpers:
        helper.close()


def warm_up(inbox: Path, database_url: str | None, workers: int | None) -> None:
    """Before a run's flow starts: pre-start the worker pool and import the heavy libraries.

    Prefect's temporary API server takes several seconds to start (``flows.server``
    starts it first), during which this process would only wait. The imports run
    here, not in a thread: one beside the flow's start would hold the GIL against it.
    Nothing is warmed when every inbox file is already stored (the run will most
    likely reuse its reports: warming would only compete for the CPU); the pool is
    started only for more than one batch of new files.
    """
    from connectors.db import Store
    from connectors.inbox import list_inbox
    from flows.outputs import file_hashes

    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    files = list_inbox(inbox)
    hashes = file_hashes(inbox, files)
    with Store.open(settings.database_url) as store:
        stored = store.known_contents(list(hashes.values()))
    new = sum(1 for path in files if hashes.get(path) not in stored)
    if new == 0:
        return
    workers = default_workers() if workers is None else workers
    pooled = workers > 1 and new > settings.batch_files
    if pooled:
        prestart(inbox, settings, workers)
    _import_heavy(settings, pooled=pooled)


def _import_heavy(settings: Settings, pooled: bool) -> None:
    """Load what the run needs later: without a pool the classifier and Great Expectations
    (with one, the readers classify and a validator process validates: flows.validation),
    and the report writers."""
    try:
        if not pooled:
            from processing.classify import load_classifier
            from processing.validation.runner import default_runtime

            load_classifier(settings.model_path)  # needed first: ingestion starts with it
            default_runtime()  # imports Great Expectations (seconds) and builds its context

        import reports.delivery  # HTML, charts, PDF
        import reports.workbook  # noqa: F401
    except Exception:  # a warm-up failure must not fail the run: the step itself reports the error
        log.debug("warm-up import failed", exc_info=True)
