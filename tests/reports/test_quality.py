"""Data-quality summary and HTML page, from real validation outcomes built without running GX."""

from __future__ import annotations

import json
from typing import Any

import pytest

from processing.validation import SUITE_VERSION, ExpectationResult, StageResult, ValidationOutcome
from reports.quality import quality_summary, render_quality_html

THEME_REASON = "temaet finnes ikke i taksonomien – velg et tema fra taksonomien eller legg temaet til der"


def _result(
    check: str,
    expectation: str,
    columns: tuple[str, ...],
    level: str,
    rows: tuple[Any, ...],
    reason: str,
    part: str = "rows",
    error: str | None = None,
) -> ExpectationResult:
    return ExpectationResult(check, expectation, columns, level, part, not rows and error is None, len(rows), rows,
                             reason, error)  # fmt: skip


def failing_outcome(theme_rows: tuple[Any, ...] = (12,)) -> ValidationOutcome:
    return ValidationOutcome((
        StageResult("submissions", (), ("text",)),
        StageResult("statements", (
            _result("theme_in_taxonomy", "expect_column_values_to_be_in_set", ("theme",), "row", theme_rows,
                    THEME_REASON),
            _result("type_known", "expect_column_values_to_be_in_set", ("type",), "row", (), "ukjent type"),
        )),
        StageResult("consolidated", (
            _result("share_national_range", "expect_column_values_to_be_between", ("share_national",), "table",
                    ("styring",), "befolkningsandelen er utenfor 0–100 %", "themes"),
            _result("municipality_once_per_theme", "expect_compound_columns_to_be_unique",
                    ("theme", "kommunenummer"), "table", (), "dobbelttelling", error="KeyError: 'theme'"),
        )),
    ))  # fmt: skip


EXPECTED_SUMMARY = {
    "suite_version": SUITE_VERSION,
    "success": False,
    "blocking_failures": [
        "kontroll 'submissions': tabellen mangler kolonnene text – kontrollene ble ikke kjørt; rett dataene som "
        "leveres til valideringen og kjør på nytt",
        "kontroll 'consolidated': expect_column_values_to_be_between på 'share_national' feilet for 1 rad(er) "
        "(styring): befolkningsandelen er utenfor 0–100 %",
        "kontroll 'consolidated': expect_compound_columns_to_be_unique på 'theme, kommunenummer' kunne ikke "
        "kjøres (KeyError: 'theme') – rett dataene og kjør på nytt",
    ],
    "suites": [
        {"name": "submissions", "success": False, "evaluated": 0, "failed": [
            {"expectation": "påkrevde kolonner", "column": "text", "unexpected_count": 0, "rows": [],
             "reason": "tabellen mangler kolonnene text – kontrollene ble ikke kjørt"}]},
        {"name": "statements", "success": False, "evaluated": 2, "failed": [
            {"expectation": "expect_column_values_to_be_in_set", "column": "theme", "unexpected_count": 1,
             "rows": [12], "reason": THEME_REASON}]},
        {"name": "consolidated", "success": False, "evaluated": 2, "failed": [
            {"expectation": "expect_column_values_to_be_between", "column": "share_national",
             "unexpected_count": 1, "rows": ["styring"], "reason": "befolkningsandelen er utenfor 0–100 %"},
            {"expectation": "expect_compound_columns_to_be_unique", "column": "theme, kommunenummer",
             "unexpected_count": 0, "rows": [],
             "reason": "dobbelttelling (kontrollen kunne ikke kjøres: KeyError: 'theme')"}]},
    ],
    "quarantined_rows": [
        {"table": "statements", "id": 12,
         "reason": f"expect_column_values_to_be_in_set på 'theme': {THEME_REASON}"}],
}  # fmt: skip


@pytest.mark.parametrize("form", ["outcome", "stored json"])
def test_quality_summary_is_exact(form: str) -> None:
    """The summary lists failed expectations per suite and quarantined rows, from the object or its stored JSON."""
    outcome = failing_outcome()
    results = outcome if form == "outcome" else json.loads(json.dumps(outcome.to_json()))
    assert quality_summary(results) == EXPECTED_SUMMARY


def test_clean_outcome_page_says_all_passed() -> None:
    """A clean run renders the all-passed status and no quarantine table."""
    outcome = ValidationOutcome(
        (
            StageResult(
                "statements",
                (
                    _result(
                        "type_known", "expect_column_values_to_be_in_set", ("type",), "row", (), "ukjent type"
                    ),
                ),
            ),
        )
    )
    html = render_quality_html(outcome)
    assert "Alle kontroller er bestått." in html
    assert "Ingen rader er satt i karantene." in html
    assert "Kjøringen er stoppet." not in html
    assert quality_summary(outcome)["quarantined_rows"] == []


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ((12,), "<td>12</td>"),
        (tuple(range(1, 61)), "48, 49, 50 … og 10 til</td>"),
        (("<script>alert(1)</script>",), "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ],
    ids=["one row", "ids truncated after 50", "hostile id escaped"],
)
def test_html_page(rows: tuple[Any, ...], fragment: str) -> None:
    """The page shows the stop notice, table names in bokmål, row ids (capped at 50) and escapes everything."""
    html = render_quality_html(failing_outcome(rows))
    assert fragment in html
    assert "<script>" not in html
    assert "Kjøringen er stoppet." in html
    assert "<h2>Feil i utsagn</h2>" in html and "<h2>Feil i konsolidert resultat</h2>" in html
    assert html.startswith('<!DOCTYPE html>\n<html lang="nb">')
