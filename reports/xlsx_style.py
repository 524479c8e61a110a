"""Small openpyxl helpers: safe cell values, header styling, widths, number formats."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

PERCENT = "0.0%"
THOUSANDS = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
# A leading character Excel (or LibreOffice) would treat as the start of a formula or DDE.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: str) -> str:
    """Control characters openpyxl refuses (XML 1.0 illegal) are dropped."""
    return _ILLEGAL.sub("", value)


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text that looks like a formula is stored as text with a quote prefix."""
    if (row, col) not in ws._cells and (type(value) in _FAST_TYPES or value is None):
        _put_new(ws, row, col, value, number_format)
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value
    if number_format:
        cell.number_format = number_format


_FAST_TYPES = (str, int, float, bool)


def _put_new(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None) -> None:
    """``put`` for a new cell, without openpyxl's per-cell type inference (a third of the workbook time
    at 50,000 statements). Same result: strings cleaned and cut at Excel's 32,767 characters,
    numbers and booleans typed, error codes (``#N/A``) left to openpyxl."""
    cell = Cell(ws, row=row, column=col)
    if type(value) is str:
        value = clean_text(value)[:32767]
        if value in ERROR_CODES:
            cell.value = value
        else:
            cell._value = value
            cell.data_type = "s"
            if value.startswith(_FORMULA_START):
                cell.quotePrefix = True
        ws._add_cell(cell)
        return
    if value is not None:
        cell._value = value
        cell.data_type = "b" if type(value) is bool else "n"
        if number_format:
            cell.number_format = number_format
    ws._add_cell(cell)


def write_table(
    ws: Worksheet,
    top: int,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
    widths: Sequence[int] | None = None,
    left: int = 1,
    filter_and_freeze: bool = True,
) -> int:
    """A header row at ``top`` and data rows below; returns the last row written."""
    formats = formats or {}
    for j, head in enumerate(headers):
        cell = ws.cell(row=top, column=left + j, value=head)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    r = top
    for r, values in enumerate(rows, start=top + 1):
        for j, value in enumerate(values):
            put(ws, r, left + j, value, formats.get(j))
    if filter_and_freeze:
        last_col = get_column_letter(left + len(headers) - 1)
        ws.auto_filter.ref = f"{get_column_letter(left)}{top}:{last_col}{max(r, top)}"
        ws.freeze_panes = ws.cell(row=top + 1, column=left)
    for j, width in enumerate(widths or ()):
        ws.column_dimensions[get_column_letter(left + j)].width = width
    return r


def title(ws: Worksheet, text: str, row: int = 1) -> None:
    ws.cell(row=row, column=1, value=text).font = TITLE_FONT


def wrap_column(ws: Worksheet, col: int, first_row: int) -> None:
    for (cell,) in ws.iter_rows(min_row=first_row, min_col=col, max_col=col):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
