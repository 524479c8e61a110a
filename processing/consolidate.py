"""Public entry point for consolidation; the logic lives in ``processing.consolidation``."""

from __future__ import annotations

from processing.consolidation.config import (
    ConsolidationConfig,
    ConsolidationConfigError,
    Target,
    load_config,
    parse_config,
)
from processing.consolidation.core import POPULATION_REFERENCE_DATE, consolidate
from processing.consolidation.records import STANCE_BUCKETS, Consolidation, IntentDeclaration
from processing.consolidation.voice import combine_stances

__all__ = [
    "POPULATION_REFERENCE_DATE",
    "STANCE_BUCKETS",
    "Consolidation",
    "ConsolidationConfig",
    "ConsolidationConfigError",
    "IntentDeclaration",
    "Target",
    "combine_stances",
    "consolidate",
    "load_config",
    "parse_config",
]
