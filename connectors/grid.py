"""Cell grids from workbooks (xlsx, xlsm, xlsb, xls, ods), checked before anything is expanded.

python-calamine does the reading (cached formula values, never evaluation).
Before it does, this module refuses what would be dangerous to expand:

* encrypted files: an OLE container where OOXML was expected or an ``xls``
  with a FILEPASS record (both via msoffcrypto-tool), an ODS manifest with
  ``encryption-data`` -> category ``encrypted``;
* OOXML/ODS zips whose declared uncompressed size is too large or whose
  ratio exceeds ``Limits.max_zip_ratio`` (from the zip directory, nothing
  inflated) -> ``too_large``;
* sheets larger than ``Limits.max_cells``: for xlsx/xlsm a bounded scan of the
  sheet XML for the largest cell reference, for ODS a streaming count of
  ``number-rows-repeated`` x ``number-columns-repeated`` over non-empty cells
  (the "repeat bomb"), for every format the used range calamine reports
  before it is turned into Python objects -> ``too_large``;
* anything calamine cannot parse -> ``corrupt``.

Merged cells: calamine reports merged ranges for xlsx and xls only; there
the top-left value is copied into the covered cells. For ODS and xlsb the
covered cells stay empty (calamine does not expose the ranges).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from connectors.base import Limits, QuarantineError

__all__ = ["Cell", "Grid", "Workbook", "cell_text", "column_letter", "read_workbook"]

Cell = str | int | float | bool | date | datetime | time | timedelta | None

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# any attribute r="<letters><digits>": cell references (rows use r="<digits>", ignored here)
_CELL_REF = re.compile(rb"\sr=\"([A-Z]{1,3})([0-9]{1,7})\"")
_SCAN_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Grid:
    """One sheet as rows of cells; ``rows[i]`` is row ``i + 1`` as Excel shows it.

    CSV grids have ``lines``: the 1-based line each row starts on.
    """

    name: str
    rows: tuple[tuple[Cell, ...], ...]
    hidden: bool = False
    lines: tuple[int, ...] | None = None
    is_csv: bool = False

    def cell(self, row: int, col: int) -> Cell:
        """0-based access that tolerates ragged rows."""
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None


@dataclass(frozen=True, slots=True)
class Workbook:
    sheets: tuple[Grid, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: bytes) -> int:
    value = 0
    for ch in letters:
        value = value * 26 + (ch - 64)
    return value - 1


def cell_text(value: Cell) -> str:
    """A cell as stripped text: floats that are whole numbers lose their ``.0``; dates are ISO."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _reason(name: str, what: str) -> str:
    return f"regneark '{name}': {what}"


def _encrypted(name: str) -> QuarantineError:
    return QuarantineError(
        _reason(name, "filen er passordbeskyttet (kryptert) og kan ikke leses – lagre den uten passord"),
        "encrypted",
    )


def _corrupt(name: str, detail: str, fix: str = "åpne og lagre den på nytt i Excel") -> QuarantineError:
    return QuarantineError(_reason(name, f"{detail} – {fix}"), "corrupt")


def _check_encrypted_ole(name: str, data: bytes, kind: str) -> None:
    if not data.startswith(_OLE_MAGIC):
        return
    if kind in {"xlsx", "xlsm", "xlsb", "ods"}:
        # An OOXML workbook saved with a password is wrapped in an OLE container
        # holding EncryptionInfo + EncryptedPackage.
        encrypted = True
    else:
        try:
            import msoffcrypto

            encrypted = bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
        except Exception:
            encrypted = False  # not decidable here; calamine decides if it is corrupt
    if encrypted:
        raise _encrypted(name)


def _open_zip(name: str, data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt(name, f"filen er skadet og kan ikke åpnes ({exc.__class__.__name__})") from None
    declared = sum(info.file_size for info in infos)
    compressed = max(1, sum(info.compress_size for info in infos))
    if declared > limits.max_uncompressed_bytes or declared / compressed > limits.max_zip_ratio:
        raise QuarantineError(
            _reason(
                name,
                f"filen pakkes ut til {declared} byte fra {compressed} byte "
                f"(forhold {declared / compressed:.0f}), over grensen – send en mindre fil eller del den opp",
            ),
            "too_large",
        )
    return archive


def _check_ods(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    from defusedxml.ElementTree import iterparse

    names = set(archive.namelist())
    if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise _encrypted(name)
    if "content.xml" not in names:
        return
    table_ns = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    office_ns = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    rows_attr, cols_attr = f"{table_ns}number-rows-repeated", f"{table_ns}number-columns-repeated"
    sheet, row_pos, last_row, last_col, col_pos, row_rep = "", 0, 0, 0, 0, 1
    row_has_value, row_last_col = False, 0
    try:
        with archive.open("content.xml") as stream:
            for event, elem in iterparse(stream, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == f"{table_ns}table":
                        sheet = elem.get(f"{table_ns}name", "")
                        row_pos = last_row = last_col = 0
                    elif tag == f"{table_ns}table-row":
                        row_rep = int(elem.get(rows_attr, "1") or 1)
                        col_pos, row_has_value, row_last_col = 0, False, 0
                    continue
                if tag in {f"{table_ns}table-cell", f"{table_ns}covered-table-cell"}:
                    col_rep = int(elem.get(cols_attr, "1") or 1)
                    if elem.get(f"{office_ns}value-type") is not None or len(elem):
                        row_has_value, row_last_col = True, col_pos + col_rep
                    col_pos += col_rep
                    elem.clear()
                elif tag == f"{table_ns}table-row":
                    row_pos += row_rep
                    if row_has_value:
                        last_row, last_col = row_pos, max(last_col, row_last_col)
                        if last_row * last_col > limits.max_cells:
                            raise QuarantineError(
                                _reason(
                                    name,
                                    f"ark '{sheet}' har minst {last_row} rader x {last_col} kolonner, "
                                    f"over grensen på {limits.max_cells} celler – "
                                    "fjern tomme gjentatte rader eller del opp arket",
                                ),
                                "too_large",
                            )
                    elem.clear()
    except QuarantineError:
        raise
    except Exception as exc:
        raise _corrupt(name, f"innholdet (content.xml) er skadet ({exc.__class__.__name__})") from None


def _check_ooxml(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    for info in archive.infolist():
        part = info.filename
        if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
            continue
        max_row = max_col = 0
        tail = b""
        # The <dimension> element is not trusted: LibreOffice writes A1:AMJ1048576
        # for tiny sheets; the cell references are what calamine allocates for.
        with archive.open(info) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                buf = tail + chunk
                refs = _CELL_REF.findall(buf)
                rows_seen = {int(row) for row in {row for _, row in refs}}
                cols_seen = {_column_index(col) + 1 for col in {col for col, _ in refs}}
                max_row = max(rows_seen | {max_row})
                max_col = max(cols_seen | {max_col})
                if max_row * max_col > limits.max_cells:
                    raise QuarantineError(
                        _reason(
                            name,
                            f"arket i '{part}' strekker seg over {max_row} rader x {max_col} kolonner, "
                            f"over grensen på {limits.max_cells} celler – "
                            "slett ubrukte rader og kolonner eller del opp arket",
                        ),
                        "too_large",
                    )
                tail = buf[-64:]


def _propagate_merged(rows: list[list[Cell]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value is None:
            continue
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                if rows[r][c] is None:
                    rows[r][c] = value


def read_workbook(name: str, data: bytes, kind: str, limits: Limits) -> Workbook:
    """All worksheets of a workbook as grids, or QuarantineError (encrypted, corrupt, too_large)."""
    import python_calamine

    _check_encrypted_ole(name, data, kind)
    if data[:2] == b"PK":
        archive = _open_zip(name, data, limits)
        with archive:
            if kind == "ods" or "content.xml" in archive.namelist():
                _check_ods(name, archive, limits)
            else:
                _check_ooxml(name, archive, limits)
    notes: list[str] = []
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _encrypted(name) from None
    except Exception as exc:
        raise _corrupt(name, f"filen er skadet eller ikke et regneark ({exc})") from None
    sheets: list[Grid] = []
    total = 0
    with book:
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                kind_name = str(meta.typ).rsplit(".", 1)[-1]
                notes.append(f"ark '{meta.name}' er ikke et regneark ({kind_name}) og ble hoppet over")
                continue
            hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
            try:
                sheet = book.get_sheet_by_name(meta.name)
                end = sheet.end
                cells = 0 if end is None else (end[0] + 1) * (end[1] + 1)
                total += cells
                if cells > limits.max_cells or total > limits.max_cells:
                    raise QuarantineError(
                        _reason(
                            name,
                            f"ark '{meta.name}' har {cells} celler (til sammen {total}), over grensen på "
                            f"{limits.max_cells} – del opp arbeidsboken",
                        ),
                        "too_large",
                    )
                raw = sheet.to_python(skip_empty_area=False) if end is not None else []
                merged = sheet.merged_cell_ranges
            except QuarantineError:
                raise
            except Exception as exc:
                raise _corrupt(name, f"ark '{meta.name}' er skadet ({exc})") from None
            # calamine yields only Cell types; blank strings become None
            rows: list[list[Cell]] = [
                [v if type(v) is not str or v.strip() else None for v in row] for row in raw
            ]
            if merged:
                _propagate_merged(rows, merged)
            if hidden:
                notes.append(f"ark '{meta.name}' er skjult, men ble lest")
            sheets.append(Grid(meta.name, tuple(tuple(r) for r in rows), hidden=hidden))
    return Workbook(tuple(sheets), tuple(notes))
