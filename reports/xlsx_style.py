"""Spreadsheet helpers: safe cell values, header styling, widths, number formats.

openpyxl (``put``, ``write_table``: the review workbook) and XlsxWriter (``Styles``,
``SheetWriter``, ``StreamedSheet``: the analysts' workbook, streamed).
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet as Worksheet_

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


# --- XlsxWriter: the analysts' workbook (streamed) ------------------------------------------------
#
# openpyxl keeps every cell object in memory and spends ~10 us per cell; XlsxWriter does the
# small sheets, styles and native charts, and ``StreamedSheet`` serialises the large tables
# (one row per statement) straight to a temporary file, so memory does not grow with them.

# What a cell's text needs more than copying for: XML-illegal characters, markup, a carriage return
# (an XML parser would turn a literal one into a line feed).
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f&<>]")
MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header included
_EXCEL_MAX_TEXT = 32767


def excel_text(value: str) -> str:
    """Text as a cell may hold it: XML-illegal control characters dropped, cut at Excel's 32,767."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value[:_EXCEL_MAX_TEXT]


def is_formula_like(text: str) -> bool:
    """Text Excel or LibreOffice would read as a formula or DDE if typed in (written with a quote prefix)."""
    return text.startswith(_FORMULA_START)


class Styles:
    """The cell formats of one XlsxWriter workbook, created once and shared by all cells."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._cells: dict[tuple[str | None, bool, bool], Any] = {}
        self.header = book.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#" + HEADER_FILL.fgColor.rgb[-6:],
                "pattern": 1,
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.title = book.add_format({"bold": True, "font_size": 14})

    def cell(self, number_format: str | None = None, wrap: bool = False, quote: bool = False) -> Any:
        """The shared format for a number format, wrapped text and/or a quote prefix (None: no format)."""
        if not (number_format or wrap or quote):
            return None
        key = (number_format, wrap, quote)
        found = self._cells.get(key)
        if found is None:
            props: dict[str, Any] = {}
            if number_format:
                props["num_format"] = number_format
            if wrap:
                props.update(text_wrap=True, valign="top")
            if quote:
                props["quote_prefix"] = True
            found = self._cells[key] = self.book.add_format(props)
        return found


class SheetWriter:
    """Writes cells of one small XlsxWriter worksheet with 1-based rows and columns, as Excel shows them.

    Text is cleaned and formula-like text gets a quote prefix (stored as text, never evaluated);
    columns marked with ``wrap_column`` wrap from the given row down. ``last_row`` is the lowest
    row written so far.
    """

    def __init__(self, sheet: Any, styles: Styles) -> None:
        self.sheet = sheet
        self.styles = styles
        self.last_row = 0
        self._wrap: dict[int, int] = {}

    @property
    def name(self) -> str:
        name: str = self.sheet.name
        return name

    def add_chart(self, options: dict[str, Any]) -> Any:
        """A new native chart of this workbook (place it with ``sheet.insert_chart``)."""
        return self.styles.book.add_chart(options)

    def wrap_column(self, col: int, first_row: int) -> None:
        """Wrap text in column ``col`` from ``first_row`` down (call before writing those cells)."""
        self._wrap[col] = first_row

    def put(self, row: int, col: int, value: Any, number_format: str | None = None) -> None:
        self.last_row = max(self.last_row, row)
        if value is None:
            return
        wrap = row >= self._wrap.get(col, 1 << 30)
        r, c = row - 1, col - 1
        kind = type(value)
        if kind is bool:
            self.sheet.write_boolean(r, c, value, self.styles.cell(None, wrap))
        elif kind is int or kind is float:
            self.sheet.write_number(r, c, value, self.styles.cell(number_format, wrap))
        else:
            text = excel_text(value if kind is str else str(value))
            self.sheet.write_string(r, c, text, self.styles.cell(None, wrap, is_formula_like(text)))

    def title(self, text: str, row: int = 1) -> None:
        self.last_row = max(self.last_row, row)
        self.sheet.write_string(row - 1, 0, text, self.styles.title)

    def header(self, row: int, left: int, headers: Sequence[str]) -> None:
        self.last_row = max(self.last_row, row)
        for j, head in enumerate(headers):
            self.sheet.write_string(row - 1, left - 1 + j, head, self.styles.header)

    def widths(self, left: int, widths: Sequence[float]) -> None:
        for j, width in enumerate(widths):
            self.sheet.set_column(left - 1 + j, left - 1 + j, width)

    def table(
        self,
        top: int,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        formats: dict[int, str] | None = None,
        widths: Sequence[float] | None = None,
        left: int = 1,
        filter_and_freeze: bool = True,
    ) -> int:
        """A header row at ``top`` and data rows below; returns the last row written."""
        formats = formats or {}
        self.header(top, left, headers)
        r = top
        for r, values in enumerate(rows, start=top + 1):
            for j, value in enumerate(values):
                self.put(r, left + j, value, formats.get(j))
        if filter_and_freeze:
            self.sheet.autofilter(top - 1, left - 1, max(r, top) - 1, left + len(headers) - 2)
            self.sheet.freeze_panes(top, left - 1)
        self.widths(left, widths or ())
        return r


class StreamedSheet(Worksheet_):
    """An XlsxWriter worksheet holding one table whose rows are serialised as they arrive.

    Pass it as ``worksheet_class`` to ``Workbook.add_worksheet``; call ``start`` once with the
    header, ``append`` per row, ``finish`` to set the filter, frozen header and widths. Rows go to
    a temporary file as sheet XML (inline strings), so memory stays flat however many rows come;
    XlsxWriter copies the file into the package on ``close``. Every cell of the sheet must come
    through ``start``/``append``: cells written with the ordinary ``write_*`` methods are not saved.
    """

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize(init_data)
        self._rows_fh = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmpdir)  # noqa: SIM115 - closed in _write_sheet_data
        self._buffer: list[str] = []
        self._row = 0
        self._columns: list[str] = []
        self._number_styles: list[int] = []
        self._quote_style = 0

    def start(self, headers: Sequence[str], styles: Styles, formats: dict[int, str] | None = None) -> None:
        """The header row (row 1) and the number format of each numeric column (0-based keys)."""
        formats = formats or {}
        self._columns = [xl_col_to_name(j) for j in range(len(headers))]
        self._number_styles = [
            styles.cell(formats[j])._get_xf_index() if formats.get(j) else 0 for j in range(len(headers))
        ]
        self._quote_style = styles.cell(quote=True)._get_xf_index()
        header_style = styles.header._get_xf_index()
        self._row = 0
        self._add_row(
            [
                f'<c r="{c}1" s="{header_style}" t="inlineStr"><is><t>{_xml(h)}</t></is></c>'
                for c, h in zip(self._columns, headers, strict=True)
            ]
        )
        self._check_dimensions(0, 0)
        self._check_dimensions(0, len(headers) - 1)

    def append(self, values: Sequence[Any]) -> None:
        """One data row below the last; text cleaned, formula-like text quoted, None left empty."""
        if self._row >= MAX_SHEET_ROWS:
            raise ValueError(
                f"sheet {self.name!r} is full: Excel holds at most {MAX_SHEET_ROWS:,} rows per sheet"
            )
        n = self._row + 1
        cells = []
        # The innermost loop of the workbook (one pass per cell): no calls beyond the needed ones.
        for ref, number_style, value in zip(self._columns, self._number_styles, values, strict=True):
            kind = type(value)
            if kind is int or kind is float:
                if kind is float and not math.isfinite(value):
                    cells.append(f'<c r="{ref}{n}" t="e"><v>#NUM!</v></c>')
                    continue
                style = f' s="{number_style}"' if number_style else ""
                cells.append(f'<c r="{ref}{n}"{style}><v>{value!r}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{ref}{n}" t="b"><v>{int(value)}</v></c>')
            elif value is not None and value != "":
                text = value if kind is str else str(value)
                special = _SPECIAL.search(text) is not None
                if special:
                    text = _ILLEGAL.sub("", text)
                    if not text:
                        continue
                if len(text) > _EXCEL_MAX_TEXT:
                    text = text[:_EXCEL_MAX_TEXT]
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                style = f' s="{self._quote_style}"' if text.startswith(_FORMULA_START) else ""
                if special:
                    text = _xml(text)
                cells.append(f'<c r="{ref}{n}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        self._add_row(cells)

    def _add_row(self, cells: list[str]) -> None:
        self._row += 1
        self._buffer.append(f'<row r="{self._row}">{"".join(cells)}</row>')
        if len(self._buffer) >= 2000:
            self._rows_fh.write("".join(self._buffer))
            self._buffer.clear()

    @property
    def rows_written(self) -> int:
        """Data rows appended so far (the header not counted)."""
        return max(self._row - 1, 0)

    def finish(self, widths: Sequence[float] = ()) -> None:
        """Filter over the whole table, freeze the header row, set column widths."""
        last_col = len(self._columns) - 1
        self._check_dimensions(self._row - 1, last_col)
        self.autofilter(0, 0, self._row - 1, last_col)
        self.freeze_panes(1, 0)
        for j, width in enumerate(widths):
            self.set_column(j, j, width)

    def _write_sheet_data(self) -> None:
        # XlsxWriter calls this while assembling the sheet XML (outside constant_memory mode).
        self._rows_fh.write("".join(self._buffer))
        self._buffer.clear()
        if not self._row:
            self._xml_empty_tag("sheetData")
            return
        self._xml_start_tag("sheetData")
        self._rows_fh.seek(0)
        shutil.copyfileobj(self._rows_fh, self.fh, 1 << 20)
        self._rows_fh.close()
        self._xml_end_tag("sheetData")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
