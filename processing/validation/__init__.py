"""Data-quality validation of each pipeline stage with Great Expectations.

Importing this package does not import GX; the first validation does (~4 s).

``run_validation(submissions, statements, consolidated, context_data)`` runs the
three suites of :mod:`processing.validation.suites`. ``context_data`` keys:

* ``themes``: the taxonomy keys (required);
* ``today``: reference date for the plausible-date check (default: today);
* ``theme_figures``: per theme ``{"theme", "municipalities", "population",
  "share_national", "share_outside_midt", "stance_counts"?}``, recounted from the
  consolidated frame (one row per theme and municipality counted);
* ``share_unit``: ``"fraction"`` (default, as ``processing.consolidation`` gives
  shares) or ``"percent"``;
* ``citations``: ``{"statement_id", "quote" (as delivered, redacted),
  "source_text" (unredacted submission text)}``; redaction markers are matched
  as gaps of at least one character (see ``checks.quote_in_source``);
* ``statement_ids``: filled from the statements frame by ``run_validation``.
"""

from processing.validation.runner import (
    ExpectationResult,
    GxRuntime,
    StageResult,
    ValidationOutcome,
    default_runtime,
    run_validation,
    validate_chunks,
    validate_frame,
)
from processing.validation.suites import SUITE_VERSION, ValidationSetupError, build_suite

__all__ = [
    "SUITE_VERSION",
    "ExpectationResult",
    "GxRuntime",
    "StageResult",
    "ValidationOutcome",
    "ValidationSetupError",
    "build_suite",
    "default_runtime",
    "run_validation",
    "validate_chunks",
    "validate_frame",
]
