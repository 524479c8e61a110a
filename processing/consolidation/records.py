"""Frozen result records of consolidation; field names are the ``consolidated.json`` keys.

``plain()`` turns any of them into JSON-ready data (tuples -> lists, enums ->
values, dates -> ISO strings, ``Locator`` -> its string form).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from typing import Any

from models.records import Locator

SCHEMA_VERSION = "1.0"
# Per-municipality combined stance on a theme; "none" = raised the theme without a position.
STANCE_BUCKETS = ("support", "oppose", "conditional", "neutral", "mixed", "none")


@dataclass(frozen=True, slots=True)
class IntentDeclaration:
    """Whether a municipality has signed the Akson intent declaration, from a declaration list."""

    kommunenummer: str
    signed: bool
    signed_on: date | None
    source: Locator


@dataclass(frozen=True, slots=True)
class Figure:
    """A set of municipalities: how many, their population and its shares; recomputable from the list."""

    count: int
    population: int
    share_national: float  # population / national population
    population_outside_midt: int
    share_outside_midt: float  # population_outside_midt / population outside Helse Midt-Norge
    kommunenummer: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    statement_id: int
    text: str  # verbatim statement text after redaction
    respondent: str  # resolved municipality / county / organisation name
    kommunenummer: str | None
    stance: str
    confidence: float
    source_file: str
    locator: str


@dataclass(frozen=True, slots=True)
class MunicipalPosition:
    kommunenummer: str
    name: str
    population: int
    outside_midt: bool
    stance: str  # one of STANCE_BUCKETS
    stated: tuple[str, ...]  # the distinct stances of its position statements
    statement_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Dissent:
    kommunenummer: str
    name: str
    population: int
    stance: str
    quote: Quote | None


@dataclass(frozen=True, slots=True)
class ThemeResult:
    theme: str
    label: str
    raised: Figure  # municipalities with any statement on the theme
    with_position: Figure  # municipalities with a stance other than "none"
    stances: Mapping[str, Figure]  # STANCE_BUCKETS -> figure; counts add up to raised.count
    for_share: float  # (support + conditional) / with_position.count
    against_share: float  # oppose / with_position.count
    consensus: str
    majority: str | None  # "for", "imot" or None when tied / no positions
    municipalities: tuple[MunicipalPosition, ...]
    dissent: tuple[Dissent, ...]
    quotes: Mapping[str, tuple[Quote, ...]]


@dataclass(frozen=True, slots=True)
class NeedGroup:
    rank: int
    theme: str
    text: str  # the earliest member's text, redacted
    municipalities: Figure
    other_respondents: tuple[str, ...]  # counties and organisations raising it
    statement_ids: tuple[int, ...]
    members: int


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    key: str  # fylkesnummer or health region name
    name: str
    responded: int
    total: int
    population_responded: int
    population_total: int
    share_population: float
    kommunenummer_responded: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MunicipalityCoverage:
    kommunenummer: str
    name: str
    fylke: str
    health_region: str
    population: int
    responded: bool
    channels: tuple[str, ...]
    steering_group: bool
    statements: int


@dataclass(frozen=True, slots=True)
class Coverage:
    responded: Figure
    not_responded: Figure
    by_channel: Mapping[str, Figure]
    by_county: tuple[AreaCoverage, ...]
    by_health_region: tuple[AreaCoverage, ...]
    municipalities: tuple[MunicipalityCoverage, ...]
    steering_group: tuple[MunicipalityCoverage, ...]


@dataclass(frozen=True, slots=True)
class OtherRespondent:
    kind: str  # county | organisation
    name: str
    statement_ids: tuple[int, ...]
    themes: Mapping[str, str]  # theme -> combined stance (same rule as municipalities)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """Respondents not resolved to a known municipality, county or organisation: counted, never guessed."""

    respondents: int
    statements: int
    statement_ids: tuple[int, ...]
    by_channel: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class TargetResult:
    label: str
    metric: str
    value: float
    actual: float
    met: bool


@dataclass(frozen=True, slots=True)
class NonSigner:
    kommunenummer: str
    name: str
    population: int


@dataclass(frozen=True, slots=True)
class Declarations:
    provided: bool  # False when no declaration list was given
    signed: Figure
    signed_outside_midt: Figure
    municipality_share_outside_midt: float
    population_share_outside_midt: float
    targets: tuple[TargetResult, ...]
    non_signers_outside_midt: tuple[NonSigner, ...]  # by population, largest first


@dataclass(frozen=True, slots=True)
class PositionChange:
    kommunenummer: str
    name: str
    theme: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class FigureChange:
    theme: str
    figure: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Changes:
    previous_available: bool
    new: tuple[PositionChange, ...]
    changed: tuple[PositionChange, ...]
    withdrawn: tuple[PositionChange, ...]
    figures: tuple[FigureChange, ...]


@dataclass(frozen=True, slots=True)
class Totals:
    municipalities: int
    national_population: int
    municipalities_outside_midt: int
    outside_midt_population: int
    statements: int
    population_reference_date: str


@dataclass(frozen=True, slots=True)
class Consolidation:
    schema_version: str
    generated_from: Mapping[str, Any]
    totals: Totals
    config: Mapping[str, Any]
    themes: tuple[ThemeResult, ...]
    needs: tuple[NeedGroup, ...]
    coverage: Coverage
    other_respondents: tuple[OtherRespondent, ...]
    unresolved: Unresolved
    declarations: Declarations
    changes: Changes

    def to_dict(self) -> dict[str, Any]:
        """The ``consolidated.json`` content: JSON-ready and free of run-dependent values."""
        result = plain(self)
        assert isinstance(result, dict)
        return result


def plain(value: Any) -> Any:
    """JSON-ready form of a record tree."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Locator):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
