"""Reads an edited review workbook back into corrections, with one bokmål message per bad row.

The workbook is untrusted input: it goes through ``connectors.grid.read_workbook``
(size, zip-ratio and cell-count limits; cached values only, formulas are never
evaluated). Columns are found by header name, so analysts may reorder or add
columns. Labels are accepted as bokmål labels or keys in any case; a municipality
as kommunenummer, "4601 Bergen" or a name the registry resolves.

Whole-file policy: ``read_corrections`` returns every row's error, and the caller
(``flows.commands.review``) applies nothing when there is any. A half-applied
workbook would leave analysts unsure which of their corrections count, and
re-importing the fixed file then works on a clean slate (its sha256 differs).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.base import Limits, QuarantineError
from connectors.grid import Cell, Grid, read_workbook
from connectors.review import Correction

if TYPE_CHECKING:
    from processing.taxonomy import Taxonomy

REVIEW_SHEET = "Gjennomgang"
# Must match reports.review_workbook.HEADERS (a test checks it).
ID, FINGERPRINT = "Utsagn-id", "Kontrollsum"
TYPE, THEME, STANCE = "Riktig type", "Riktig tema", "Riktig holdning"
KOMMUNE, COMMENT = "Riktig kommunenummer", "Kommentar"
REQUIRED = (ID, FINGERPRINT, TYPE, THEME, STANCE, KOMMUNE, COMMENT)
MAX_COMMENT = 2000
_NUMBER_FIRST = re.compile(r"^\s*(\d{3,4})\b")

# Resolves what an analyst wrote as municipality to a 2024 kommunenummer, or None.
MunicipalityResolver = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class ReadCorrections:
    """What the workbook holds: corrections for rows with something filled in, and errors per row."""

    sha256: str
    corrections: list[Correction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0  # data rows seen


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _kommune_number(value: Cell, resolve: MunicipalityResolver) -> str | None:
    """``resolve`` decides; a bare number typed into Excel lost its leading zero ("301" -> "0301")."""
    text = _text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = text.zfill(4)
    match = _NUMBER_FIRST.match(text)
    if match:
        return resolve(match.group(1).zfill(4))
    return resolve(text)


def _row_error(name: str, row: int, what: str) -> str:
    return f"arbeidsbok '{name}', ark '{REVIEW_SHEET}', rad {row}: {what}"


def _header(grid: Grid, name: str) -> tuple[dict[str, int], list[str]]:
    heads = {_text(v): i for i, v in enumerate(grid.rows[0])} if grid.rows else {}
    missing = [h for h in REQUIRED if h not in heads]
    if missing:
        return heads, [
            f"arbeidsbok '{name}', ark '{REVIEW_SHEET}', rad 1: kolonnen/kolonnene "
            f"{', '.join(repr(m) for m in missing)} mangler – bruk en arbeidsbok fra 'samordne review export' "
            "og ikke gi kolonnene nye navn"
        ]
    return heads, []


def read_corrections(
    name: str,
    data: bytes,
    taxonomy: Taxonomy,
    resolve: MunicipalityResolver,
    limits: Limits | None = None,
) -> ReadCorrections:
    """Corrections from review workbook bytes; ``name`` is for messages only, never a path."""
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        book = read_workbook(name, data, "xlsx", limits or Limits())
    except QuarantineError as exc:
        return ReadCorrections(sha256, errors=[exc.reason])
    grid = next((g for g in book.sheets if g.name == REVIEW_SHEET), None)
    if grid is None:
        return ReadCorrections(
            sha256,
            errors=[
                f"arbeidsbok '{name}': arket '{REVIEW_SHEET}' finnes ikke – bruk en arbeidsbok fra "
                "'samordne review export' og ikke gi arket nytt navn"
            ],
        )
    heads, errors = _header(grid, name)
    if errors:
        return ReadCorrections(sha256, errors=errors)
    corrections: list[Correction] = []
    seen: dict[int, int] = {}
    rows = 0
    for index in range(1, len(grid.rows)):
        excel_row = index + 1

        def cell(head: str, i: int = index) -> Cell:
            return grid.cell(i, heads[head])

        filled = {h: _text(cell(h)) for h in (TYPE, THEME, STANCE, KOMMUNE, COMMENT)}
        raw_id = cell(ID)
        if raw_id is None and not any(filled.values()):
            continue  # blank row
        rows += 1
        if not any(filled.values()):
            continue  # nothing corrected on this row
        problems: list[str] = []
        id_text = _text(raw_id)
        statement_id = int(id_text) if id_text.isdigit() else None
        if statement_id is None:
            problems.append(f"utsagn-id '{id_text}' er ikke et tall – ikke endre kolonnen '{ID}'")
        elif statement_id in seen:
            problems.append(
                f"utsagn {statement_id} står også på rad {seen[statement_id]} – rett det på én rad"
            )
        else:
            seen[statement_id] = excel_row
        type_key = theme_key = stance_key = kommune = None
        if filled[TYPE] and (type_key := taxonomy.normalise_type(filled[TYPE])) is None:
            allowed = ", ".join(e.label for e in taxonomy.types.values())
            problems.append(f"type '{filled[TYPE]}' er ikke i taksonomien – velg en av {allowed}")
        if filled[THEME] and (theme_key := taxonomy.normalise(filled[THEME])) is None:
            allowed = ", ".join(e.label for e in taxonomy.themes.values())
            problems.append(f"tema '{filled[THEME]}' er ikke i taksonomien – velg en av {allowed}")
        if filled[STANCE] and (stance_key := taxonomy.normalise_stance(filled[STANCE])) is None:
            allowed = ", ".join(e.label for e in taxonomy.stances.values())
            problems.append(f"holdning '{filled[STANCE]}' er ikke i taksonomien – velg en av {allowed}")
        if filled[KOMMUNE] and (kommune := _kommune_number(cell(KOMMUNE), resolve)) is None:
            problems.append(
                f"kommunen '{filled[KOMMUNE]}' er ukjent – skriv et kommunenummer fra 2024-strukturen "
                "(f.eks. 4601) eller kommunenavnet slik det står i listen"
            )
        if len(filled[COMMENT]) > MAX_COMMENT:
            problems.append(f"kommentaren er over {MAX_COMMENT} tegn – kort den ned")
        if stance_key is not None and type_key not in (None, "position"):
            problems.append("holdning kan bare settes på en posisjon – sett 'Riktig type' til Posisjon")
        errors.extend(_row_error(name, excel_row, p) for p in problems)
        if problems or statement_id is None:
            continue
        corrections.append(
            Correction(
                statement_id=statement_id,
                fingerprint=_text(cell(FINGERPRINT)),
                where=f"arbeidsbok '{name}', ark '{REVIEW_SHEET}', rad {excel_row}",
                type=type_key,
                theme=theme_key,
                stance=stance_key,
                kommunenummer=kommune,
                comment=filled[COMMENT] or None,
            )
        )
    return ReadCorrections(sha256, corrections, errors, rows)
