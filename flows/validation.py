"""Validating stored rows, here or in a process of its own beside consolidation.

Row validation (Great Expectations suites over every stored submission and
statement) and consolidation each take seconds of one core, one after the
other, while the second core idles: the readers have exited by then. For a run
of moderate size (``OVERLAP_MAX_STATEMENTS``) the rows are validated in a
separate process while this one consolidates, on the expectation that nothing
is quarantined; if something is, the quarantine is recorded and consolidation
runs again, so the result is always what validating first would give. That
process also checks the consolidated result, so the run's own process never
imports Great Expectations (seconds of CPU during start-up). Larger runs
validate first, here: two processes holding a national consultation's rows
at once would not fit the memory target.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.db import Store

if TYPE_CHECKING:
    import pandas as pd

    from processing.validation import StageResult, ValidationOutcome

VALIDATION_CHUNK_ROWS = 25_000  # rows per validated frame: bounds validation's memory (see row_validation)
OVERLAP_MAX_STATEMENTS = 250_000  # stored statements up to which rows are validated beside consolidation


def row_validation(store: Store, taxonomy_path: Path | None) -> ValidationOutcome:
    """The submissions and statements suites over every current row, ``VALIDATION_CHUNK_ROWS`` at a time."""
    from processing.taxonomy import load_taxonomy
    from processing.validation import ValidationOutcome, validate_chunks

    taxonomy = load_taxonomy(taxonomy_path)
    context = {"themes": list(taxonomy.keys)}
    rows = VALIDATION_CHUNK_ROWS
    return ValidationOutcome(
        (
            validate_chunks("submissions", store.submissions_frames(rows), context),
            validate_chunks("statements", store.statements_frames(rows), context),
        )
    )


def _import_validation() -> None:
    from processing.validation.runner import default_runtime

    default_runtime()  # imports Great Expectations (seconds) and builds its context


def _row_validation_in_process(database_url: str, taxonomy_path: Path | None) -> ValidationOutcome:
    with Store.open(database_url) as store:
        return row_validation(store, taxonomy_path)


class Validator:
    """One process that validates rows while the caller consolidates, then checks the result."""

    def __init__(self) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_import_validation
        )
        from flows.parallel import HELPER_NICENESS, start_now

        # now: it imports Great Expectations meanwhile; started with the readers, needed after them
        start_now(self._executor, 1, HELPER_NICENESS)

    def rows(self, database_url: str, taxonomy_path: Path | None) -> Future[ValidationOutcome]:
        return self._executor.submit(_row_validation_in_process, database_url, taxonomy_path)

    def frame(self, stage: str, frame: pd.DataFrame, context: dict[str, Any]) -> StageResult:
        from processing.validation import validate_frame

        return self._executor.submit(validate_frame, stage, frame, context).result()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def merge_validation(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One stored result per run: the suites of both validation passes side by side."""
    if not first:
        return second
    quarantine = {table: dict(rows) for table, rows in first.get("quarantine", {}).items()}
    for table, rows in second.get("quarantine", {}).items():
        quarantine.setdefault(table, {}).update(rows)
    return {
        "suite_version": second.get("suite_version", first.get("suite_version")),
        "success": bool(first.get("success")) and bool(second.get("success")),
        "blocking": bool(first.get("blocking")) or bool(second.get("blocking")),
        "blocking_failures": [*first.get("blocking_failures", []), *second.get("blocking_failures", [])],
        "suites": [*first.get("suites", []), *second.get("suites", [])],
        "quarantine": quarantine,
        "quarantined_rows": [*first.get("quarantined_rows", []), *second.get("quarantined_rows", [])],
    }


def release_memory() -> None:
    """Collect and hand freed heap back to the operating system (glibc), between big phases.

    At 1M statements this lowered the process's resident size after validation by about 0.2 GB.
    """
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, musl): nothing to hand back
        ctypes.CDLL("libc.so.6").malloc_trim(0)
