"""Read the list of municipalities that have signed the Akson intent declaration.

The list is a CSV or a workbook (first sheet) with a header row naming at least a
municipality column (name or number) and a signed column (ja/nei, yes/no, x); a
date column is optional. Every data row becomes an ``IntentDeclaration`` or a
``Rejection`` whose bokmål reason names the file, sheet/line and the fix.
Names are resolved with the municipality registry at call time (injectable).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from connectors.base import Limits, QuarantineError
from connectors.csvtext import read_csv_grid
from connectors.grid import Cell, Grid, cell_text, column_letter, read_workbook
from connectors.sniff import detect_kind
from models.records import Locator, Rejection, Resolution
from processing.consolidation.records import IntentDeclaration
from processing.dates import parse_norwegian_date

Resolver = Callable[[str], Resolution]

_MUNICIPALITY = ("kommune", "kommunenavn", "kommunenummer", "kommunenr", "knr", "municipality", "navn")
_SIGNED = ("signert", "signed", "underskrevet", "har signert", "signert ja/nei", "status")
_DATE = ("dato", "signert dato", "dato signert", "signert_dato", "date", "signed_on", "signeringsdato")
_YES = {"ja", "j", "yes", "y", "x", "true", "1", "signert", "underskrevet"}
_NO = {"nei", "n", "no", "false", "0", "ikke signert", "ikkje signert"}
_HEADER_SCAN = 10


@dataclass(frozen=True, slots=True)
class DeclarationList:
    """Accepted declarations and rejected rows; iterating yields the declarations."""

    declarations: tuple[IntentDeclaration, ...]
    rejections: tuple[Rejection, ...]

    def __iter__(self) -> Iterator[IntentDeclaration]:
        return iter(self.declarations)


def _default_resolver() -> Resolver:
    from processing.registry import default_registry  # type: ignore[import-not-found,unused-ignore]

    resolve: Resolver = default_registry().resolve
    return resolve


def _find_header(grid: Grid) -> tuple[int, int, int, int | None] | None:
    for r, row in enumerate(grid.rows[:_HEADER_SCAN]):
        heads = [cell_text(c).casefold().strip(" :*") for c in row]
        muni = next((i for i, h in enumerate(heads) if h in _MUNICIPALITY), None)
        signed = next((i for i, h in enumerate(heads) if h in _SIGNED), None)
        if muni is not None and signed is not None:
            when = next((i for i, h in enumerate(heads) if h in _DATE), None)
            return r, muni, signed, when
    return None


def _locator(name: str, grid: Grid, row_index: int, column: int | None = None) -> Locator:
    col = column_letter(column) if column is not None else None
    if grid.is_csv:
        line = grid.lines[row_index] if grid.lines else row_index + 1
        return Locator(file=name, line=line, column=col)
    return Locator(file=name, sheet=grid.name, row=row_index + 1, column=col)


def _where(name: str, grid: Grid, row_index: int) -> str:
    if grid.is_csv:
        line = grid.lines[row_index] if grid.lines else row_index + 1
        return f"liste '{name}', linje {line}"
    return f"liste '{name}', ark '{grid.name}', rad {row_index + 1}"


def _signed(value: Cell) -> bool | None:
    if isinstance(value, bool):
        return value
    text = cell_text(value).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def parse_declarations(name: str, grid: Grid, resolve: Resolver) -> DeclarationList:
    """Declarations and rejections from one grid (the header row is searched in the first rows)."""
    header = _find_header(grid)
    if header is None:
        raise QuarantineError(
            f"liste '{name}': fant ingen overskriftsrad med kolonnene 'Kommune' og 'Signert' "
            f"i de {_HEADER_SCAN} første radene – legg inn overskriftene og send listen på nytt",
            "invalid",
        )
    head_row, muni_col, signed_col, date_col = header
    accepted: list[IntentDeclaration] = []
    rejected: list[Rejection] = []
    for i in range(head_row + 1, len(grid.rows)):
        raw_muni = cell_text(grid.cell(i, muni_col))
        raw_signed = grid.cell(i, signed_col)
        raw_date = grid.cell(i, date_col) if date_col is not None else None
        if not raw_muni and not cell_text(raw_signed) and not cell_text(raw_date):
            continue  # blank line
        where = _where(name, grid, i)
        if not raw_muni:
            rejected.append(
                Rejection(
                    _locator(name, grid, i, muni_col),
                    f"{where}: kolonnen 'Kommune' er tom – fyll inn kommunenavn eller kommunenummer",
                    "empty",
                )
            )
            continue
        resolution = resolve(raw_muni)
        if not resolution.is_municipality or resolution.kommunenummer is None:
            hint = f" (mulige: {', '.join(resolution.candidates)})" if resolution.candidates else ""
            rejected.append(
                Rejection(
                    _locator(name, grid, i, muni_col),
                    f"{where}: '{raw_muni}' er ikke en kjent kommune{hint} – skriv kommunenavnet "
                    "slik SSB skriver det eller bruk det firesifrede kommunenummeret",
                    "unresolved",
                )
            )
            continue
        signed = _signed(raw_signed)
        if signed is None:
            rejected.append(
                Rejection(
                    _locator(name, grid, i, signed_col),
                    f"{where}: kolonnen 'Signert' har verdien '{cell_text(raw_signed)}' – skriv 'ja' eller 'nei'",
                    "invalid",
                )
            )
            continue
        signed_on = parse_norwegian_date(raw_date) if cell_text(raw_date) else None
        if cell_text(raw_date) and signed_on is None:
            rejected.append(
                Rejection(
                    _locator(name, grid, i, date_col),
                    f"{where}: datoen '{cell_text(raw_date)}' kan ikke leses – skriv den som dd.mm.åååå",
                    "invalid",
                )
            )
            continue
        accepted.append(
            IntentDeclaration(resolution.kommunenummer, signed, signed_on, _locator(name, grid, i))
        )
    return DeclarationList(tuple(accepted), tuple(rejected))


def read_declarations(
    source: Path | str | BinaryIO,
    registry: Any = None,
    *,
    name: str | None = None,
    limits: Limits | None = None,
) -> DeclarationList:
    """Read a declaration list (CSV or workbook, detected from content); QuarantineError if unreadable.

    ``source`` is a path or an open binary stream (then ``name`` is its display name).
    ``registry`` is anything with ``.resolve(name) -> Resolution`` or such a callable;
    default: ``processing.registry.default_registry()``.
    """
    limits = limits or Limits()
    if isinstance(source, str | Path):
        path = Path(source)
        name = name or path.name
        try:
            with path.open("rb") as fp:
                data = fp.read(limits.max_file_bytes + 1)
        except OSError as exc:
            raise QuarantineError(
                f"liste '{name}': kan ikke åpne filen ({exc.strerror})", "unreadable"
            ) from exc
    else:
        name = name or "erklæringsliste"
        data = source.read(limits.max_file_bytes + 1)
    if registry is None:
        resolve = _default_resolver()
    elif callable(registry):
        resolve = registry
    else:
        resolve = registry.resolve
    return _parse_bytes(name, data, limits, resolve)


def _parse_bytes(name: str, data: bytes, limits: Limits, resolve: Resolver) -> DeclarationList:
    if len(data) > limits.max_file_bytes:
        raise QuarantineError(
            f"liste '{name}': filen er større enn {limits.max_file_bytes} byte – del den opp", "too_large"
        )
    kind = detect_kind(name, io.BytesIO(data))
    if kind in ("csv", "tsv", "txt"):
        grid, _ = read_csv_grid(name, data, limits, kind)
    elif kind in ("xlsx", "xlsm", "xlsb", "xls", "ods"):
        sheets = [s for s in read_workbook(name, data, kind, limits).sheets if not s.hidden]
        if not sheets:
            raise QuarantineError(f"liste '{name}': arbeidsboken har ingen synlige ark", "empty")
        grid = sheets[0]
    elif kind == "empty":
        raise QuarantineError(f"liste '{name}': filen er tom – send listen på nytt med innhold", "empty")
    else:
        raise QuarantineError(
            f"liste '{name}': filtypen ({kind}) støttes ikke – send listen som CSV eller Excel (xlsx)",
            "unsupported",
        )
    return parse_declarations(name, grid, resolve)
