"""The KS input template (``templates/ks_innspillsmal.xlsx``) read from a cell grid.

Layout (written by ``templates/make_template.py``; the synthetic generator
writes the same): sheet ``Innspill``; a metadata block of label/value pairs
(``Kommune``, ``Kontaktperson``, ``E-post``, ``Dato``) in columns A/B; a header
row ``Tema | Innspill | Behov eller posisjon | Prioritet``; one input per row
below it. The header may sit anywhere in the first 15 rows, labels are matched
without regard to case, spacing or punctuation, and the nynorsk labels
(``Innspel``, ``Behov eller standpunkt``, ``Kontaktperson``, ``Dato``) work too.

Per row: ``Tema`` gives ``hint_theme`` when it is a taxonomy key or label;
an unknown ``Tema`` is ingested without the hint and mentioned in the notes.
A row with ``Innspill`` empty but other columns filled is rejected with its row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.grid import Cell, Grid, cell_text, column_letter
from models.records import Channel, Locator, Passage, Rejection, StatementType, Submission
from processing.dates import parse_norwegian_date

__all__ = [
    "PRIORITIES",
    "TEMPLATE_TITLE",
    "THEME_KEYS",
    "TYPE_VALUES",
    "TemplateHeader",
    "find_template_header",
    "read_template_sheet",
    "theme_key",
]

TEMPLATE_TITLE = "Innspill til Akson – KS"
THEME_KEYS = (
    "finansiering",
    "styring",
    "samhandling",
    "journal",
    "teknologi",
    "personvern",
    "innforing",
    "fremdrift",
    "marked",
    "annet",
)
# Labels as the template's dropdown shows them (bokmål) -> taxonomy key.
THEME_LABELS = {
    "finansiering": "finansiering",
    "styring": "styring",
    "styring og eierskap": "styring",
    "samhandling": "samhandling",
    "journal": "journal",
    "journal og dokumentasjon": "journal",
    "teknologi": "teknologi",
    "personvern": "personvern",
    "personvern og informasjonssikkerhet": "personvern",
    "innforing": "innforing",
    "innføring": "innforing",
    "fremdrift": "fremdrift",
    "framdrift": "fremdrift",
    "marked": "marked",
    "annet": "annet",
    "anna": "annet",
}
TYPE_VALUES = {
    "behov": StatementType.NEED,
    "posisjon": StatementType.POSITION,
    "standpunkt": StatementType.POSITION,
    "annet": StatementType.OTHER,
    "anna": StatementType.OTHER,
}
PRIORITIES = {"høy": "Høy", "hoy": "Høy", "høg": "Høy", "middels": "Middels", "lav": "Lav", "låg": "Lav"}

_HEADER_SCAN_ROWS = 15
_COLUMN_LABELS = {
    "tema": "tema",
    "innspill": "innspill",
    "innspel": "innspill",
    "behov eller posisjon": "type",
    "behov eller standpunkt": "type",
    "type": "type",
    "prioritet": "prioritet",
}
_META_LABELS = {
    "kommune": "kommune",
    "kommunenavn": "kommune",
    "kommunenamn": "kommune",
    "kontaktperson": "kontakt",
    "e-post": "epost",
    "epost": "epost",
    "e-postadresse": "epost",
    "dato": "dato",
}


def _label(value: Cell) -> str:
    text = cell_text(value).lower().rstrip(":").strip()
    return re.sub(r"\s+", " ", text)


def theme_key(value: Cell) -> str | None:
    """Taxonomy key for a ``Tema`` cell, or None when it names no known theme."""
    return THEME_LABELS.get(_label(value))


@dataclass(frozen=True, slots=True)
class TemplateHeader:
    row: int  # 0-based index of the header row
    columns: dict[str, int]  # tema/innspill/type/prioritet -> 0-based column


def find_template_header(grid: Grid) -> TemplateHeader | None:
    """The header row of a KS template sheet, or None when the sheet is not one."""
    for r in range(min(_HEADER_SCAN_ROWS, len(grid.rows))):
        columns: dict[str, int] = {}
        for c, value in enumerate(grid.rows[r]):
            role = _COLUMN_LABELS.get(_label(value))
            if role and role not in columns:
                columns[role] = c
        if {"tema", "innspill"} <= columns.keys() and len(columns) >= 3:
            return TemplateHeader(r, columns)
    return None


def _metadata(grid: Grid, header_row: int) -> dict[str, tuple[Cell, int, int]]:
    found: dict[str, tuple[Cell, int, int]] = {}
    for r in range(header_row):
        row = grid.rows[r]
        for c, value in enumerate(row):
            key = _META_LABELS.get(_label(value))
            if key is None or key in found:
                continue
            for c2 in range(c + 1, min(c + 4, len(row))):
                if row[c2] is not None:
                    found[key] = (row[c2], r, c2)
                    break
            else:
                found[key] = (None, r, c + 1)
    return found


def read_template_sheet(
    name: str, grid: Grid, header: TemplateHeader
) -> tuple[list[Submission], list[Rejection], list[str]]:
    """Submissions (one per sheet), rejected rows and notes for one KS template sheet."""
    meta = _metadata(grid, header.row)
    notes: list[str] = [f"ark '{grid.name}': KS-innspillsmal (overskrift i rad {header.row + 1})"]
    respondent = cell_text(meta.get("kommune", (None, 0, 0))[0])
    if not respondent:
        notes.append(f"ark '{grid.name}': feltet 'Kommune' er tomt")
    email = cell_text(meta.get("epost", (None, 0, 0))[0]) or None
    contact = cell_text(meta.get("kontakt", (None, 0, 0))[0]) or None
    submitted_on = None
    if "dato" in meta and meta["dato"][0] is not None:
        submitted_on = parse_norwegian_date(meta["dato"][0])
        if submitted_on is None:
            _, r, c = meta["dato"]
            notes.append(
                f"ark '{grid.name}', celle {column_letter(c)}{r + 1}: datoen "
                f"'{cell_text(meta['dato'][0])}' ble ikke forstått"
            )
    cols = header.columns
    sheet = None if grid.is_csv else grid.name
    text_col = cols["innspill"]
    passages: list[Passage] = []
    rejections: list[Rejection] = []
    for r in range(header.row + 1, len(grid.rows)):
        excel_row = r + 1
        tema, text = grid.cell(r, cols["tema"]), cell_text(grid.cell(r, text_col))
        kind = grid.cell(r, cols["type"]) if "type" in cols else None
        prio = grid.cell(r, cols["prioritet"]) if "prioritet" in cols else None
        where = f"regneark '{name}', ark '{grid.name}', rad {excel_row}"
        if not text:
            if any(v is not None for v in (tema, kind, prio)):
                rejections.append(
                    Rejection(
                        Locator(name, sheet=sheet, row=excel_row, column=column_letter(text_col)),
                        f"{where}: kolonnen 'Innspill' er tom, men raden har andre verdier "
                        "– skriv inn innspillet eller slett raden",
                        "empty_row",
                    )
                )
            continue
        theme = theme_key(tema)
        if tema is not None and theme is None:
            notes.append(
                f"{where}: ukjent tema '{cell_text(tema)}' – innspillet er tatt med uten tema "
                f"(bruk en av: {', '.join(THEME_KEYS)})"
            )
        hint_type = TYPE_VALUES.get(_label(kind)) if kind is not None else None
        if kind is not None and hint_type is None:
            notes.append(f"{where}: ukjent verdi '{cell_text(kind)}' i 'Behov eller posisjon' – ignorert")
        priority = PRIORITIES.get(_label(prio)) if prio is not None else None
        if prio is not None and priority is None:
            notes.append(
                f"{where}: ukjent prioritet '{cell_text(prio)}' – ignorert (bruk Høy, Middels eller Lav)"
            )
        passages.append(
            Passage(
                text=text,
                locator=Locator(name, sheet=sheet, row=excel_row, column=column_letter(text_col)),
                hint_type=hint_type,
                hint_theme=theme,
                priority=priority,
            )
        )
    if not passages:
        return [], rejections, notes
    submission = Submission(
        respondent=respondent,
        channel=Channel.SPREADSHEET,
        locator=Locator(name, sheet=sheet),
        passages=tuple(passages),
        email=email,
        contact_name=contact,
        submitted_on=submitted_on,
    )
    return [submission], rejections, notes
