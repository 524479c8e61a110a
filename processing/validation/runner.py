"""Runs the suites with Great Expectations and turns GX results into quarantine and blocking decisions.

GX is imported only when a :class:`GxRuntime` is created (the import costs ~4 s),
so importing this module is cheap and the CLI's other commands never pay for it.

Row-level failures (stages ``submissions`` and ``statements``) name the failing
row ids, so the caller quarantines exactly those rows; table-level failures
(stage ``consolidated``, missing columns, a check that could not run, a failing
row without an id) make the stage *blocking*: the run is marked failed.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from processing.validation.checks import (
    add_statement_checks,
    add_submission_checks,
    citations_frame,
    consolidated_rows,
    is_missing,
    theme_figures_frame,
)
from processing.validation.suites import SUITE_VERSION, Check, build_suite

MAX_IDS_IN_SUMMARY = 5


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    """One expectation's outcome, with the ids of the rows that failed it."""

    check: str
    expectation: str  # GX type, e.g. "expect_column_values_to_be_in_set"
    columns: tuple[str, ...]
    level: str  # "row": quarantine the rows; "table": block the run
    part: str
    success: bool
    unexpected_count: int
    rows: tuple[Any, ...]
    reason: str  # bokmål
    error: str | None = None  # set when GX could not evaluate the expectation

    @property
    def column(self) -> str:
        return ", ".join(self.columns)

    @property
    def label(self) -> str:
        """Expectation name and columns, e.g. ``expect_column_values_to_be_in_set på 'theme'``."""
        return f"{self.expectation} på '{self.column}'" if self.columns else self.expectation

    @property
    def blocking(self) -> bool:
        if self.success:
            return False
        if self.level == "table" or self.error is not None:
            return True
        # A failing row we cannot name cannot be quarantined: never drop it silently.
        return any(r is None for r in self.rows) or len(self.rows) < self.unexpected_count

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "expectation": self.expectation,
            "column": self.column,
            "columns": list(self.columns),
            "level": self.level,
            "part": self.part,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "rows": list(self.rows),
            "reason": self.reason,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class StageResult:
    """The outcome of one stage's suite."""

    stage: str
    results: tuple[ExpectationResult, ...]
    missing_columns: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        return not self.missing_columns and all(r.success for r in self.results)

    @property
    def blocking(self) -> bool:
        return bool(self.missing_columns) or any(r.blocking for r in self.results)

    @property
    def evaluated(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> tuple[ExpectationResult, ...]:
        return tuple(r for r in self.results if not r.success)

    @property
    def quarantine(self) -> dict[Any, str]:
        """Row id -> reason (every failed row-level expectation, joined with '; ')."""
        reasons: dict[Any, list[str]] = {}
        for result in self.failed:
            if result.level != "row" or result.error is not None:
                continue
            for row in result.rows:
                if row is not None:
                    reasons.setdefault(row, []).append(f"{result.label}: {result.reason}")
        return {row: "; ".join(dict.fromkeys(parts)) for row, parts in reasons.items()}

    @property
    def blocking_failures(self) -> list[str]:
        """Bokmål summary lines, one per blocking failure."""
        lines = []
        if self.missing_columns:
            lines.append(
                f"kontroll '{self.stage}': tabellen mangler kolonnene {', '.join(self.missing_columns)} – "
                "kontrollene ble ikke kjørt; rett dataene som leveres til valideringen og kjør på nytt"
            )
        for result in self.results:
            if not result.blocking:
                continue
            if result.error is not None:
                lines.append(
                    f"kontroll '{self.stage}': {result.label} kunne ikke kjøres ({result.error}) – "
                    "rett dataene og kjør på nytt"
                )
                continue
            shown = ", ".join(str(r) for r in result.rows[:MAX_IDS_IN_SUMMARY])
            more = " …" if len(result.rows) > MAX_IDS_IN_SUMMARY else ""
            lines.append(
                f"kontroll '{self.stage}': {result.label} feilet for {result.unexpected_count} rad(er)"
                f" ({shown}{more}): {result.reason}"
            )
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.stage,
            "success": self.success,
            "blocking": self.blocking,
            "evaluated": self.evaluated,
            "missing_columns": list(self.missing_columns),
            "expectations": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """All stages of one run; ``to_json()`` is stored per run."""

    stages: tuple[StageResult, ...]
    suite_version: str = SUITE_VERSION

    @property
    def success(self) -> bool:
        return all(s.success for s in self.stages)

    @property
    def blocking(self) -> bool:
        return any(s.blocking for s in self.stages)

    @property
    def blocking_failures(self) -> list[str]:
        return [line for s in self.stages for line in s.blocking_failures]

    @property
    def quarantine(self) -> dict[str, dict[Any, str]]:
        """``{"submissions": {id: reason}, "statements": {id: reason}}``."""
        out: dict[str, dict[Any, str]] = {"submissions": {}, "statements": {}}
        for stage in self.stages:
            if stage.stage in out:
                out[stage.stage] = stage.quarantine
        return out

    def to_json(self) -> dict[str, Any]:
        quarantine = self.quarantine
        return {
            "suite_version": self.suite_version,
            "success": self.success,
            "blocking": self.blocking,
            "blocking_failures": self.blocking_failures,
            "suites": [s.to_json() for s in self.stages],
            "quarantine": {table: {str(k): v for k, v in rows.items()} for table, rows in quarantine.items()},
            "quarantined_rows": [
                {"table": table, "id": row, "reason": reason}
                for table, rows in quarantine.items()
                for row, reason in rows.items()
            ],
        }


class GxRuntime:
    """An ephemeral GX context with one whole-DataFrame batch definition; create once, validate often."""

    def __init__(self) -> None:
        # GX reads this when it is imported; analytics must never phone home from a municipal pipeline.
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._gxe = gxe
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._datasource = self.context.data_sources.add_pandas(name="samordne")
        asset = self._datasource.add_dataframe_asset(name="frame")
        self._batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def validate(
        self, name: str, checks: Sequence[Check], frame: pd.DataFrame, id_column: str
    ) -> list[ExpectationResult]:
        """Validates ``frame`` against ``checks``; failing rows are named by ``id_column``."""
        by_id = {c.check: c for c in checks}
        suite = self._gx.ExpectationSuite(
            name=name,
            expectations=[
                getattr(self._gxe, c.expectation)(**c.kwargs, meta={"check": c.check}) for c in checks
            ],
        )
        batch = self._batch_definition.get_batch(batch_parameters={"dataframe": frame})
        try:
            result = batch.validate(
                suite,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]},
            )
        finally:
            # GX keeps the last batch's data in its (process-wide) context: at 1M statements that
            # kept a 1 GB frame alive through consolidation
            manager = self._datasource.get_execution_engine().batch_manager
            manager.reset_batch_cache()  # forgets the batches, not their data:
            manager.batch_data_cache.clear()
        converted: dict[str, ExpectationResult] = {}
        for r in result.results:
            config = r.expectation_config
            check = by_id.get(str((config.meta or {}).get("check"))) if config is not None else None
            if check is not None:
                converted[check.check] = _convert(
                    check, r.success, r.result or {}, r.exception_info, id_column
                )
        missing = {"raised_exception": True, "exception_message": "GX returnerte ikke noe resultat"}
        return [converted.get(c.check) or _convert(c, False, {}, missing, id_column) for c in checks]


@functools.cache
def default_runtime() -> GxRuntime:
    """One GX context per process, created on first use."""
    return GxRuntime()


def validate_frame(
    stage: str, frame: pd.DataFrame, context_data: Mapping[str, Any], runtime: GxRuntime | None = None
) -> StageResult:
    """Validates one stage's frame (``submissions``, ``statements`` or ``consolidated``).

    ``context_data`` keys: ``themes`` (taxonomy keys; required for statements),
    ``today`` (date, default today), and for ``consolidated``: ``theme_figures``,
    ``citations`` and ``statement_ids`` (see :mod:`processing.validation.checks`).
    """
    suite = build_suite(stage, context_data)
    missing = tuple(c for c in suite.required_columns if c not in frame.columns)
    if missing:
        return StageResult(stage, (), missing)
    parts = _prepare(stage, frame, context_data)
    runtime = runtime or default_runtime()
    results: list[ExpectationResult] = []
    for part, part_frame in parts.items():
        checks = [c for c in suite.checks if c.part == part]
        if checks:
            results.extend(runtime.validate(f"{stage}.{part}", checks, part_frame, suite.id_columns[part]))
    return StageResult(stage, tuple(results))


WHOLE_TABLE_EXPECTATIONS = frozenset({"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"})


def validate_chunks(
    stage: str,
    chunks: Iterable[pd.DataFrame],
    context_data: Mapping[str, Any],
    runtime: GxRuntime | None = None,
) -> StageResult:
    """``validate_frame`` for a row-level stage whose rows come in frames, one frame held at a time.

    Gives the result ``validate_frame`` gives for all chunks concatenated: row checks
    run per chunk and their results are added up (counts summed, failing ids in
    order); uniqueness checks, which need every row at once, run at the end on a
    frame of just their columns and the id column. At 1M statements the whole
    statements frame and GX's work on it took about 1.5 GB.
    """
    if stage not in ("submissions", "statements"):
        raise ValueError(f"only the row-level stages can be validated in chunks, not {stage!r}")
    suite = build_suite(stage, context_data)
    id_column = suite.id_columns["rows"]
    whole = [c for c in suite.checks if c.expectation in WHOLE_TABLE_EXPECTATIONS]
    per_chunk = [c for c in suite.checks if c.expectation not in WHOLE_TABLE_EXPECTATIONS]
    key_columns = list(dict.fromkeys([id_column, *(col for c in whole for col in c.columns)]))
    runtime = runtime or default_runtime()
    parts: dict[str, list[ExpectationResult]] = {c.check: [] for c in suite.checks}
    keys: list[pd.DataFrame] = []
    frames = iter(chunks)
    chunk = next(frames, None)
    if chunk is None:
        raise ValueError(f"no frame to validate for {stage!r}: give at least one (it may be empty)")
    while chunk is not None:
        following = next(frames, None)
        if following is None and not keys:  # one frame in all: one GX run, as validate_frame
            return validate_frame(stage, chunk, context_data, runtime)
        missing = tuple(c for c in suite.required_columns if c not in chunk.columns)
        if missing:
            return StageResult(stage, (), missing)
        prepared = _prepare(stage, chunk, context_data)["rows"]
        if per_chunk:
            for result in runtime.validate(f"{stage}.rows", per_chunk, prepared, id_column):
                parts[result.check].append(result)
        keys.append(prepared[key_columns])
        chunk = following
        del prepared
    if whole:  # several frames here: a single one was validated whole above
        table = pd.concat(keys, ignore_index=True)
        keys.clear()
        for result in runtime.validate(f"{stage}.rows", whole, table, id_column):
            parts[result.check].append(result)
    return StageResult(stage, tuple(_merged(parts[c.check]) for c in suite.checks))


def _merged(results: Sequence[ExpectationResult]) -> ExpectationResult:
    """One check's results over several chunks as one result."""
    if len(results) == 1:
        return results[0]
    return dataclasses.replace(
        results[0],
        success=all(r.success for r in results),
        unexpected_count=sum(r.unexpected_count for r in results),
        rows=tuple(row for r in results for row in r.rows),
        error=next((r.error for r in results if r.error is not None), None),
    )


def run_validation(
    submissions: pd.DataFrame,
    statements: pd.DataFrame,
    consolidated: pd.DataFrame | None,
    context_data: Mapping[str, Any],
    runtime: GxRuntime | None = None,
) -> ValidationOutcome:
    """Runs all stages; ``consolidated=None`` skips stage 3 (e.g. an ingest-only run)."""
    stages = [
        validate_frame("submissions", submissions, context_data, runtime),
        validate_frame("statements", statements, context_data, runtime),
    ]
    if consolidated is not None:
        data = dict(context_data)
        if "statement_ids" not in data and "statement_id" in statements.columns:
            data["statement_ids"] = set(statements["statement_id"].dropna().tolist())
        stages.append(validate_frame("consolidated", consolidated, data, runtime))
    return ValidationOutcome(tuple(stages))


def _prepare(stage: str, frame: pd.DataFrame, context_data: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    if stage == "submissions":
        return {"rows": add_submission_checks(frame)}
    if stage == "statements":
        return {"rows": add_statement_checks(frame)}
    rows = consolidated_rows(frame)
    parts = {"rows": rows}
    if context_data.get("theme_figures") is not None:
        parts["themes"] = theme_figures_frame(rows, context_data["theme_figures"])
    if context_data.get("citations") is not None:
        parts["citations"] = citations_frame(context_data["citations"], context_data.get("statement_ids"))
    return parts


def _plain(value: Any) -> Any:
    """numpy scalars -> Python; missing -> None (so the ids are JSON-able)."""
    if hasattr(value, "item"):
        value = value.item()
    return None if is_missing(value) else value


def _convert(
    check: Check, success: bool | None, result: Mapping[str, Any], exception_info: Any, id_column: str
) -> ExpectationResult:
    error = _exception_message(exception_info)
    index_list = result.get("unexpected_index_list") or []
    rows = tuple(
        _plain(item.get(id_column)) if isinstance(item, Mapping) else _plain(item) for item in index_list
    )
    return ExpectationResult(
        check=check.check,
        expectation=check.expectation_type,
        columns=check.columns,
        level=check.level,
        part=check.part,
        success=bool(success) and error is None,
        unexpected_count=int(result.get("unexpected_count") or 0),
        rows=rows,
        reason=check.reason,
        error=error,
    )


def _exception_message(info: Any) -> str | None:
    """GX reports either one flat exception dict or one per metric; returns the first message raised."""
    if not isinstance(info, Mapping):
        return None
    candidates = (
        [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, Mapping)]
    )
    for candidate in candidates:
        if candidate.get("raised_exception"):
            message = str(candidate.get("exception_message") or "ukjent feil")
            return message.splitlines()[0][:300]
    return None
