"""The analysts' workbook: sheets, frozen headers, filters, native charts, formula injection as text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from models.records import Municipality, RespondentKind, Stance, StatementRow
from processing.consolidate import consolidate
from processing.consolidation.sample import (
    STEERING_GROUP,
    municipalities_from_csv,
    sample_declarations,
    sample_rows,
    statement_row,
)
from reports.workbook import SHEETS, render_workbook

HOSTILE = '=HYPERLINK("http://angriper.example/x","Klikk her")'


@pytest.fixture(scope="module")
def municipalities(shared_dir: Path) -> dict[str, Municipality]:
    return municipalities_from_csv((shared_dir / "reference" / "kommuner.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(municipalities: dict[str, Municipality]) -> list[StatementRow]:
    hostile = [
        statement_row(50, HOSTILE, kommunenummer="0301", name="Oslo", stance=Stance.SUPPORT),
        statement_row(51, "+47 cmd|' /C calc'!A0", kind=RespondentKind.UNKNOWN, respondent="@SUM(1+1)"),
        statement_row(52, "-2+3", kind=RespondentKind.UNKNOWN, respondent="\tTAB"),
    ]
    return sample_rows(municipalities) + hostile


@pytest.fixture(scope="module")
def workbook(municipalities: dict[str, Municipality], rows: list[StatementRow]) -> Workbook:
    result = consolidate(rows, municipalities, STEERING_GROUP, declarations=sample_declarations())
    quality: dict[str, Any] = {
        "suites": [
            {
                "name": "statements",
                "success": False,
                "evaluated": 12,
                "failed": [
                    {
                        "expectation": "expect_column_values_to_not_be_null",
                        "column": "theme",
                        "unexpected_count": 1,
                        "rows": [51],
                        "reason": "tema mangler",
                    }
                ],
            }
        ],
        "blocking_failures": [],
        "quarantined_rows": [
            {"table": "statements", "id": 51, "reason": "tema mangler – rett tema og kjør på nytt"}
        ],
    }
    manifest = {
        "files": [
            {
                "path": "innboks/kryptert.xlsx",
                "status": "quarantined",
                "category": "encrypted",
                "reason": "kryptert",
            },
            {"path": "innboks/ok.xlsx", "status": "ingested"},
        ]
    }
    return load_workbook(io.BytesIO(render_workbook(result, rows, quality, manifest)))


def test_sheet_names(workbook: Workbook) -> None:
    """The workbook has the eight bokmål sheets in order."""
    assert workbook.sheetnames == list(SHEETS)


@pytest.mark.parametrize(
    ("sheet", "frozen", "auto_filter"),
    [
        ("Posisjoner per tema", "A2", "A1:W3"),
        ("Behov", "A2", "A1:J3"),
        ("Dissens", "A2", "A1:I2"),
        ("Dekning", "A2", "A1:I358"),
        ("Utsagn", "A2", "A1:O20"),
    ],
)
def test_frozen_header_and_filter(workbook: Workbook, sheet: str, frozen: str, auto_filter: str) -> None:
    """Table sheets freeze their header row and filter over the whole table."""
    ws = workbook[sheet]
    assert (ws.freeze_panes, ws.auto_filter.ref) == (frozen, auto_filter)


def test_native_charts(municipalities: dict[str, Municipality], rows: list[StatementRow]) -> None:
    """Stance by theme (stacked bar) and coverage by county are native Excel charts."""
    import zipfile

    data = render_workbook(consolidate(rows, municipalities, STEERING_GROUP), rows)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    charts = sorted(n for n in names if n.startswith("xl/charts/chart"))
    assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/charts/chart1.xml").decode()
    assert '<grouping val="stacked"' in xml and '<barDir val="bar"' in xml


@pytest.mark.parametrize(
    ("statement_id", "column", "expected"),
    [
        (50, "O", HOSTILE),
        (51, "O", "+47 cmd|' /C calc'!A0"),
        (51, "C", "@SUM(1+1)"),
        (52, "O", "-2+3"),
        (52, "C", "\tTAB"),
    ],
)
def test_formula_injection_is_written_as_text(
    workbook: Workbook, statement_id: int, column: str, expected: str
) -> None:
    """Cells starting with = + - @ or tab are stored as text with a quote prefix, never as formulas."""
    ws = workbook["Utsagn"]
    row = next(r for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value == statement_id)
    cell = ws[f"{column}{row}"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (expected, "s", True)


def test_number_formats(workbook: Workbook) -> None:
    """Population uses thousands separators and shares a one-decimal percent format."""
    ws = workbook["Dekning"]
    assert (ws["E2"].value, ws["E2"].number_format) == (717_710, "#,##0")
    county = workbook["Dekning"]
    assert county["K3"].value == "Oslo" and county["P3"].number_format == "0.0%"


def test_quality_sheet(workbook: Workbook) -> None:
    """Datakvalitet lists suites, failed expectations, quarantined rows and only quarantined files."""
    ws = workbook["Datakvalitet"]
    values = [[v for v in row if v is not None] for row in ws.iter_rows(values_only=True)]
    flat = [v for row in values for v in row]
    assert [c.value for c in ws[4]][:4] == ["statements", "nei", 12, 1]
    assert ["statements", "expect_column_values_to_not_be_null", "theme", 1, "tema mangler"] in values
    assert ["statements", 51, "tema mangler – rett tema og kjør på nytt"] in values
    assert "Ingen." in flat  # no blocking failures
    assert "innboks/kryptert.xlsx" in flat and "innboks/ok.xlsx" not in flat
