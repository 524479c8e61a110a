"""Expectation suites, declared in code and versioned with the project.

A suite is a tuple of :class:`Check` records: the name of a Great Expectations
expectation class, its keyword arguments, whether a failure quarantines rows
(``row``) or blocks the run (``table``), and the bokmål reason analysts read. The
records are plain data so that building a suite never imports GX (~4 s); the
runner turns them into GX expectations when it validates.

Checks GX cannot express directly (verbatim text, consistency between columns)
are boolean columns computed in :mod:`processing.validation.checks` and
expected to be ``True`` here, so the failing row ids still come out of GX.

Bump ``SUITE_VERSION`` whenever a check is added, removed or changes meaning; it
is stored with every run's results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

from models.records import Channel, MatchStatus, RespondentKind, Stance, StatementType

SUITE_VERSION = "1.1.0"  # 1.1: channel "document"

STAGES: tuple[str, ...] = ("submissions", "statements", "consolidated")
EARLIEST_PLAUSIBLE_DATE = date(2015, 1, 1)
HASH_REGEX = r"^[0-9a-f]{64}$"
KOMMUNENUMMER_REGEX = r"^[0-9]{4}$"
# Consolidation (processing.consolidation STANCE_BUCKETS) reports a municipality whose position statements
# both support and oppose as "mixed", and one that raised the theme without a position as "none".
CONSOLIDATED_STANCES: tuple[str, ...] = (*(s.value for s in Stance), "mixed", "none")
# Shares as processing.consolidation.Figure gives them (population / reference population) or in percent.
SHARE_MAXIMUM = {"fraction": 1.0, "percent": 100.0}

Level = Literal["row", "table"]
Part = Literal["rows", "themes", "citations"]


class ValidationSetupError(ValueError):
    """The caller did not pass what a suite needs (e.g. the theme taxonomy)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation of a suite, with what a failure means for the run."""

    check: str  # stable id, also stored in the GX expectation's meta
    expectation: str  # GX class name in great_expectations.expectations
    kwargs: Mapping[str, Any]
    reason: str  # bokmål: what is wrong and how to fix it
    level: Level = "row"
    part: Part = "rows"  # which frame of the stage (consolidated has three)

    @property
    def expectation_type(self) -> str:
        """GX's snake_case name, e.g. ``expect_column_values_to_be_in_set``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()

    @property
    def columns(self) -> tuple[str, ...]:
        kw = self.kwargs
        if "column" in kw:
            return (str(kw["column"]),)
        if "column_list" in kw:
            return tuple(str(c) for c in kw["column_list"])
        if "column_A" in kw:
            return (str(kw["column_A"]), str(kw["column_B"]))
        return ()


@dataclass(frozen=True, slots=True)
class Suite:
    """The checks of one stage and the columns its frame must have."""

    name: str
    required_columns: tuple[str, ...]
    checks: tuple[Check, ...]
    id_columns: Mapping[str, str] = field(default_factory=dict)  # part -> id column


def _in_set(check: str, column: str, values: tuple[str, ...], reason: str, part: Part = "rows") -> Check:
    return Check(
        check, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, reason, part=part
    )


def _not_null(check: str, column: str, reason: str, level: Level = "row", part: Part = "rows") -> Check:
    return Check(check, "ExpectColumnValuesToNotBeNull", {"column": column}, reason, level, part)


def _is_true(check: str, column: str, reason: str, level: Level = "row", part: Part = "rows") -> Check:
    return Check(
        check, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": [True]}, reason, level, part
    )


SUBMISSION_COLUMNS: tuple[str, ...] = (
    "submission_id",
    "source_id",
    "source_sha256",
    "source_path",
    "channel",
    "respondent",
    "match_status",
    "respondent_kind",
    "kommunenummer",
    "submitted_on",
    "locator",
    "text",
)

STATEMENT_COLUMNS: tuple[str, ...] = (
    "statement_id",
    "submission_id",
    "order",
    "start",
    "end",
    "text",
    "submission_text",
    "type",
    "theme",
    "stance",
    "type_confidence",
    "theme_confidence",
    "stance_confidence",
    "model_version",
    "needs_review",
)

CONSOLIDATED_COLUMNS: tuple[str, ...] = ("theme", "kommunenummer", "population", "stance")


def submissions_suite(context_data: Mapping[str, Any]) -> Suite:
    """Stage 1: one row per stored submission."""
    today = context_data.get("today") or date.today()
    latest = today + timedelta(days=1)
    checks = (
        _not_null(
            "submission_id_present",
            "submission_id",
            "innspillet mangler id – lagringen er ufullstendig, kjør innlesingen på nytt",
            level="table",
        ),
        _not_null(
            "match_status_present",
            "match_status",
            "avsenderen er verken koblet til en kommune eller merket som uavklart – kjør kommuneoppslaget "
            "på nytt",
        ),
        _in_set(
            "match_status_known",
            "match_status",
            tuple(m.value for m in MatchStatus),
            "ukjent status for kommuneoppslaget – bruk en av verdiene i MatchStatus",
        ),
        _in_set(
            "respondent_kind_known",
            "respondent_kind",
            tuple(k.value for k in RespondentKind),
            "ukjent avsendertype – bruk municipality, county, organisation eller unknown",
        ),
        _is_true(
            "kommunenummer_consistent",
            "check_kommunenummer_consistent",
            "kommunenummer skal finnes (fire sifre) når, og bare når, avsenderen er en kommune som er "
            "koblet – rett koblingen i kommuneoppslaget",
        ),
        _not_null(
            "text_present", "text", "innspillet har ingen tekst – sjekk kilden, eller fjern innspillet"
        ),
        Check(
            "text_not_blank",
            "ExpectColumnValuesToMatchRegex",
            {"column": "text", "regex": r"\S"},
            "innspillet har bare blanke tegn – sjekk kilden, eller fjern innspillet",
        ),
        _is_true(
            "date_readable",
            "check_date_readable",
            "datoen kan ikke leses som en dato – skriv den som ÅÅÅÅ-MM-DD i kilden eller la den stå tom",
        ),
        Check(
            "date_plausible",
            "ExpectColumnValuesToBeBetween",
            {
                "column": "submitted_on",
                "min_value": pd.Timestamp(EARLIEST_PLAUSIBLE_DATE),
                "max_value": pd.Timestamp(latest),
            },
            f"datoen er utenfor {EARLIEST_PLAUSIBLE_DATE.isoformat()}–{latest.isoformat()} – rett datoen i "
            "kilden eller la den stå tom",
        ),
        _not_null("channel_present", "channel", "kanalen mangler – kjør innlesingen på nytt"),
        _in_set(
            "channel_known",
            "channel",
            tuple(c.value for c in Channel),
            "ukjent kanal – bruk survey, spreadsheet, email, document, list eller memory",
        ),
        Check(
            "source_location_unique",
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["source_sha256", "locator"]},
            "samme sted i samme kildefil er lest inn mer enn én gang – fjern duplikatet",
        ),
        Check(
            "source_hash_format",
            "ExpectColumnValuesToMatchRegex",
            {"column": "source_sha256", "regex": HASH_REGEX},
            "kildefilens SHA-256 er ikke 64 heksadesimale tegn – kjør innlesingen på nytt",
        ),
        _not_null(
            "source_hash_present", "source_sha256", "kildefilens SHA-256 mangler – kjør innlesingen på nytt"
        ),
        _not_null("locator_present", "locator", "innspillet mangler plassering i kilden (ark/rad, melding)"),
        Check(
            "locator_not_blank",
            "ExpectColumnValuesToMatchRegex",
            {"column": "locator", "regex": r"\S"},
            "plasseringen i kilden er tom – kjør innlesingen på nytt",
        ),
    )
    return Suite("submissions", SUBMISSION_COLUMNS, checks, {"rows": "submission_id"})


def statements_suite(context_data: Mapping[str, Any]) -> Suite:
    """Stage 2: one row per labelled statement, with its submission's text."""
    themes = context_data.get("themes")
    if not themes:
        raise ValidationSetupError(
            "context_data['themes'] must list the taxonomy keys for the statements suite"
        )
    theme_keys = tuple(sorted(str(t) for t in themes))
    confidence = tuple(
        Check(
            f"{col}_range",
            "ExpectColumnValuesToBeBetween",
            {"column": col, "min_value": 0, "max_value": 1},
            "sikkerheten må ligge mellom 0 og 1 – klassifiser utsagnet på nytt",
        )
        for col in ("type_confidence", "theme_confidence", "stance_confidence")
    )
    checks = (
        _not_null(
            "statement_id_present",
            "statement_id",
            "utsagnet mangler id – lagringen er ufullstendig, kjør innlesingen på nytt",
            level="table",
        ),
        Check(
            "statement_id_unique",
            "ExpectColumnValuesToBeUnique",
            {"column": "statement_id"},
            "samme utsagns-id finnes flere ganger – kjør segmenteringen på nytt",
        ),
        _not_null("type_present", "type", "utsagnet mangler type – sett need, position eller other"),
        _in_set(
            "type_known",
            "type",
            tuple(t.value for t in StatementType),
            "ukjent type – bruk need, position eller other",
        ),
        _not_null("theme_present", "theme", "utsagnet mangler tema – velg et tema fra taksonomien"),
        _in_set(
            "theme_in_taxonomy",
            "theme",
            theme_keys,
            "temaet finnes ikke i taksonomien – velg et tema fra taksonomien eller legg temaet til der",
        ),
        _in_set(
            "stance_known",
            "stance",
            tuple(s.value for s in Stance),
            "ukjent holdning – bruk support, oppose, conditional eller neutral",
        ),
        _is_true(
            "stance_only_on_position",
            "check_stance_only_on_position",
            "bare utsagn av typen position kan ha holdning – fjern holdningen eller endre typen",
        ),
        *confidence,
        _is_true(
            "offsets_inside_text",
            "check_offsets_inside_text",
            "start/slutt peker utenfor innspillets tekst (krav: 0 <= start < slutt <= lengde) – kjør "
            "segmenteringen på nytt",
        ),
        _is_true(
            "text_verbatim_at_offsets",
            "check_text_verbatim_at_offsets",
            "utsagnsteksten står ikke ordrett i innspillet på oppgitt plass – kjør segmenteringen på nytt",
        ),
    )
    return Suite("statements", STATEMENT_COLUMNS, checks, {"rows": "statement_id"})


def consolidated_suite(context_data: Mapping[str, Any]) -> Suite:
    """Stage 3: the counted (theme, municipality) rows, per-theme figures and cited quotes.

    Every failure here blocks the run: the delivery would state a wrong figure.
    """
    themes = context_data.get("themes")
    rows: list[Check] = [
        Check(
            "municipality_once_per_theme",
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["theme", "kommunenummer"]},
            "samme kommune er telt mer enn én gang i samme tema – rett konsolideringen (én kommune, én stemme)",
            "table",
        ),
        _not_null(
            "consolidated_kommunenummer_present",
            "kommunenummer",
            "en telt rad mangler kommunenummer – rett konsolideringen",
            "table",
        ),
        Check(
            "consolidated_kommunenummer_format",
            "ExpectColumnValuesToMatchRegex",
            {"column": "kommunenummer", "regex": KOMMUNENUMMER_REGEX},
            "kommunenummeret er ikke fire sifre – rett konsolideringen",
            "table",
        ),
        Check(
            "population_non_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "population", "min_value": 0},
            "innbyggertallet er negativt – rett kommuneregisteret",
            "table",
        ),
        Check(
            "consolidated_stance_known",
            "ExpectColumnValuesToBeInSet",
            {"column": "stance", "value_set": list(CONSOLIDATED_STANCES)},
            "ukjent samlet holdning – bruk support, oppose, conditional, neutral eller mixed",
            "table",
        ),
    ]
    if themes:
        rows.append(
            Check(
                "consolidated_theme_in_taxonomy",
                "ExpectColumnValuesToBeInSet",
                {"column": "theme", "value_set": sorted(str(t) for t in themes)},
                "temaet finnes ikke i taksonomien – rett konsolideringen",
                "table",
            )
        )
    figures: list[Check] = []
    unit = context_data.get("share_unit", "fraction")
    if unit not in SHARE_MAXIMUM:
        raise ValidationSetupError(
            f"context_data['share_unit'] must be 'fraction' or 'percent', not {unit!r}"
        )
    if context_data.get("theme_figures") is not None:
        figures = [
            Check(
                "theme_listed_once",
                "ExpectColumnValuesToBeUnique",
                {"column": "theme"},
                "samme tema har flere sett med tall – rett konsolideringen",
                "table",
                "themes",
            ),
            *(
                Check(
                    f"{col}_range",
                    "ExpectColumnValuesToBeBetween",
                    {"column": col, "min_value": 0, "max_value": SHARE_MAXIMUM[unit]},
                    "befolkningsandelen er utenfor 0–100 % – rett konsolideringen",
                    "table",
                    "themes",
                )
                for col in ("share_national", "share_outside_midt")
            ),
            Check(
                "municipalities_equal_counted",
                "ExpectColumnPairValuesToBeEqual",
                {"column_A": "municipalities", "column_B": "counted_municipalities"},
                "antall kommuner i temaet stemmer ikke med de telte radene – rett konsolideringen",
                "table",
                "themes",
            ),
            Check(
                "population_equal_counted",
                "ExpectColumnPairValuesToBeEqual",
                {"column_A": "population", "column_B": "counted_population"},
                "befolkningssummen i temaet stemmer ikke med summen over de telte kommunene – rett "
                "konsolideringen",
                "table",
                "themes",
            ),
            _is_true(
                "stance_counts_equal_counted",
                "check_stance_counts_equal_counted",
                "fordelingen på holdninger stemmer ikke med de telte radene – rett konsolideringen",
                "table",
                "themes",
            ),
        ]
    citations: list[Check] = []
    if context_data.get("citations") is not None:
        citations = [
            _is_true(
                "cited_statement_exists",
                "check_cited_statement_exists",
                "sitatet viser til et utsagn som ikke finnes – rett konsolideringen",
                "table",
                "citations",
            ),
            _is_true(
                "quote_verbatim_in_source",
                "check_quote_verbatim_in_source",
                "sitatet står ikke ordrett i kilden (sladdede deler unntatt) – rett sitatet",
                "table",
                "citations",
            ),
        ]
    return Suite(
        "consolidated",
        CONSOLIDATED_COLUMNS,
        (*rows, *figures, *citations),
        {"rows": "row_key", "themes": "theme", "citations": "statement_id"},
    )


SUITE_BUILDERS = {
    "submissions": submissions_suite,
    "statements": statements_suite,
    "consolidated": consolidated_suite,
}


def build_suite(stage: str, context_data: Mapping[str, Any]) -> Suite:
    """The suite of ``stage`` for this run's context (taxonomy, today's date, consolidated figures)."""
    try:
        builder = SUITE_BUILDERS[stage]
    except KeyError:
        raise ValidationSetupError(f"unknown validation stage {stage!r}; expected one of {STAGES}") from None
    return builder(context_data)
