"""The analysts' workbook: sheets, frozen headers, filters, native charts, formula injection as text."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from models.records import Municipality, RespondentKind, Stance, StatementRow
from processing.consolidate import consolidate
from processing.consolidation.records import Consolidation
from processing.consolidation.sample import (
    STEERING_GROUP,
    municipalities_from_csv,
    sample_declarations,
    sample_rows,
    statement_row,
)
from reports.workbook import SHEETS, render_workbook, statements_note, write_workbook

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
    # Namespace prefix differs between writers (openpyxl none, XlsxWriter "c:").
    assert re.search(r'<(c:)?grouping val="stacked"', xml) and re.search(r'<(c:)?barDir val="bar"', xml)


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


@pytest.fixture(scope="module")
def result(municipalities: dict[str, Municipality], rows: list[StatementRow]) -> Consolidation:
    return consolidate(rows, municipalities, STEERING_GROUP)


class OnceOnly:
    """An iterable of rows that has no length and may be iterated once, like a database cursor."""

    def __init__(self, rows: Sequence[StatementRow]) -> None:
        self._rows = rows
        self.iterations = 0

    def __iter__(self) -> Iterator[StatementRow]:
        self.iterations += 1
        if self.iterations > 1:
            raise AssertionError("rows iterated twice")
        yield from self._rows


def _book(consolidation: Any, rows: Any, **kwargs: Any) -> Workbook:
    buf = io.BytesIO()
    write_workbook(buf, consolidation, rows, **kwargs)
    return load_workbook(buf)


def _ids(ws: Any) -> list[int]:
    return [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(
    ("per_sheet", "sizes"),
    [
        (19, [19]),  # exactly full: no empty second sheet
        (18, [18, 1]),
        (7, [7, 7, 5]),
        (1, [1] * 19),
    ],
)
def test_statements_continue_on_further_sheets(
    result: Consolidation, rows: list[StatementRow], per_sheet: int, sizes: list[int]
) -> None:
    """Past the per-sheet limit the statements go on in "Utsagn (2)", ... with the same header, filter and frozen row."""
    book = _book(result, OnceOnly(sorted(rows, key=lambda r: r.statement_id)), rows_per_sheet=per_sheet)
    names = ["Utsagn"] + [f"Utsagn ({i})" for i in range(2, len(sizes) + 1)]
    assert book.sheetnames == [*SHEETS[:6], *names, "Datakvalitet"]
    header = [c.value for c in book["Utsagn"][1]]
    written: list[int] = []
    for name, size in zip(names, sizes, strict=True):
        ws = book[name]
        assert [c.value for c in ws[1]] == header
        assert (ws.freeze_panes, ws.auto_filter.ref) == ("A2", f"A1:O{size + 1}")
        written += _ids(ws)
    assert written == sorted(r.statement_id for r in rows)
    overview = [v for row in book["Sammendrag"].iter_rows(values_only=True) for v in row if v]
    assert (statements_note(names) in overview) == (len(names) > 1)


def test_statements_note_is_bokmal() -> None:
    """The overview tells analysts in bokmål which sheets hold the statements."""
    assert statements_note(["Utsagn", "Utsagn (2)"]) == (
        "Utsagnene er fordelt på 2 ark («Utsagn», «Utsagn (2)») fordi Excel har plass til "
        "drøyt én million rader per ark. Alle arkene har samme kolonner."
    )


def test_rows_read_once_in_given_order(result: Consolidation, rows: list[StatementRow]) -> None:
    """write_workbook takes any iterable without a length, reads it once and keeps its order."""
    source = OnceOnly(list(reversed(rows)))
    book = _book(result, source)
    assert source.iterations == 1
    assert _ids(book["Utsagn"]) == [r.statement_id for r in reversed(rows)]


def test_rows_from_generator(result: Consolidation, rows: list[StatementRow]) -> None:
    """A generator of rows is enough; no rows gives the header alone."""
    assert len(_ids(_book(result, (r for r in rows))["Utsagn"])) == len(rows)
    empty = _book(result, iter(()))["Utsagn"]
    assert (empty.max_row, empty.auto_filter.ref) == (1, "A1:O1")


def test_rows_per_sheet_must_be_positive(result: Consolidation, rows: list[StatementRow]) -> None:
    """A limit below one row per sheet is refused."""
    with pytest.raises(ValueError, match="rows_per_sheet must be at least 1, got 0"):
        write_workbook(io.BytesIO(), result, rows, rows_per_sheet=0)


def test_write_workbook_to_path(tmp_path: Path, result: Consolidation, rows: list[StatementRow]) -> None:
    """write_workbook saves to a path; the file is the same workbook render_workbook returns."""
    path = tmp_path / "analyse.xlsx"
    write_workbook(path, result, sorted(rows, key=lambda r: r.statement_id))
    from_path = load_workbook(path)
    from_bytes = load_workbook(io.BytesIO(render_workbook(result, rows)))
    for name in from_bytes.sheetnames:
        assert list(from_path[name].values) == list(from_bytes[name].values)


def test_no_file_when_rows_fail(tmp_path: Path, result: Consolidation, rows: list[StatementRow]) -> None:
    """When the rows fail half-way the error propagates and no truncated workbook is left."""

    def failing() -> Iterator[StatementRow]:
        yield from rows[:5]
        raise OSError("databasen svarte ikke")

    path = tmp_path / "analyse.xlsx"
    with pytest.raises(OSError, match="databasen svarte ikke"):
        write_workbook(path, result, failing())
    assert not path.exists()


@pytest.mark.parametrize(
    ("text", "expected", "quoted"),
    [
        ("=1+1", "=1+1", True),
        ("+47 22 00 00 00", "+47 22 00 00 00", True),
        ("-5", "-5", True),
        ("@navn", "@navn", True),
        ("\tinnrykk", "\tinnrykk", True),
        ("\r=1+1", "\r=1+1", True),
        ("Vi <støtter> A & B", "Vi <støtter> A & B", False),
        ("  mellomrom  ", "  mellomrom  ", False),
        ("linje 1\nlinje 2", "linje 1\nlinje 2", False),
        ("kontroll\x01tegn\x1f", "kontrolltegn", False),
        ("x" * 40_000, "x" * 32_767, False),
    ],
)
def test_text_cells_on_streamed_sheets(
    result: Consolidation, rows: list[StatementRow], text: str, expected: str, quoted: bool
) -> None:
    """On the streamed statements sheets text survives as text: formula-like with a quote prefix,
    markup and spaces kept, control characters dropped, cut at Excel's 32,767 characters."""
    hostile = statement_row(99, text, kind=RespondentKind.UNKNOWN, respondent=text)
    book = _book(result, [*rows[:2], hostile], rows_per_sheet=2)
    ws = book["Utsagn (2)"]
    for column in ("C", "O"):
        cell = ws[f"{column}2"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (expected, "s", quoted)


def test_formula_injection_on_small_sheets(result: Consolidation, rows: list[StatementRow]) -> None:
    """Formula-like text on the other sheets (here a quarantine reason) is text with a quote prefix too."""
    quality = {"quarantined_rows": [{"table": "statements", "id": 7, "reason": HOSTILE}]}
    ws = _book(result, rows, quality=quality)["Datakvalitet"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == HOSTILE)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
