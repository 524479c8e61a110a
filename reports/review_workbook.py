"""The review workbook analysts correct labels in (bytes only; the CLI saves it).

Sheet ``Gjennomgang`` lists statements (those needing attention first) with the
model's prediction beside empty columns for the analyst's corrections; dropdowns
come from the taxonomy's bokmål labels (keys are accepted on import too). Sheet
``Veiledning`` explains the workbook; the hidden sheet ``Lister`` feeds the dropdowns.
``connectors.review_import`` reads the edited file back by header name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from models.records import Stance, StatementType
from reports.xlsx_style import put, title, write_table

REVIEW_SHEET = "Gjennomgang"
GUIDE_SHEET = "Veiledning"
LISTS_SHEET = "Lister"

# Header -> width. The import finds columns by these names, so analysts may reorder or add columns.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Utsagn-id", 10),
    ("Kontrollsum", 18),
    ("Hvorfor se på den", 30),
    ("Utsagn", 60),
    ("Kilde", 28),
    ("Plassering", 30),
    ("Avsender (skrevet)", 24),
    ("Kommunenummer (tolket)", 12),
    ("Avsender (tolket)", 20),
    ("Treff", 14),
    ("Foreslått type", 14),
    ("Foreslått tema", 22),
    ("Foreslått holdning", 16),
    ("Sikkerhet", 10),
    ("Modellens merknader", 26),
    ("Rettet tidligere", 26),
    ("Riktig type", 14),
    ("Riktig tema", 22),
    ("Riktig holdning", 16),
    ("Riktig kommunenummer", 22),
    ("Kommentar", 30),
)
HEADERS = tuple(name for name, _ in COLUMNS)
CORRECTION_FILL = PatternFill("solid", fgColor="FFF2CC")
MATCH_LABELS = {
    "matched": "funnet",
    "ambiguous": "flertydig",
    "below_threshold": "usikkert",
    "not_found": "ikke funnet",
    "non_municipal": "ikke kommune",
}


class ReviewItem(Protocol):
    """What one workbook row shows (``connectors.review.ReviewRow`` has these fields)."""

    @property
    def statement_id(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def source_file(self) -> str: ...
    @property
    def locator(self) -> str: ...
    @property
    def respondent(self) -> str: ...
    @property
    def kommunenummer(self) -> str | None: ...
    @property
    def respondent_name(self) -> str | None: ...
    @property
    def match_status(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def stance(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def review_reasons(self) -> tuple[str, ...]: ...
    @property
    def attention(self) -> tuple[str, ...]: ...
    @property
    def override_type(self) -> str | None: ...
    @property
    def override_theme(self) -> str | None: ...
    @property
    def override_stance(self) -> str | None: ...
    @property
    def override_kommunenummer(self) -> str | None: ...
    @property
    def override_comment(self) -> str | None: ...


class LabelSource(Protocol):
    """The taxonomy's bokmål labels (``processing.taxonomy.Taxonomy`` satisfies this)."""

    @property
    def keys(self) -> tuple[str, ...]: ...
    def label(self, key: str) -> str: ...
    def type_label(self, key: str) -> str: ...
    def stance_label(self, key: str) -> str: ...


GUIDE = (
    "Slik bruker du gjennomgangsarbeidsboken",
    "",
    "Arket 'Gjennomgang' har én rad per utsagn. Utsagn som bør sjekkes står øverst; kolonnen "
    "'Hvorfor se på den' sier hvorfor (lav sikkerhet, blandede standpunkt i samme innspill, avsender "
    "ikke knyttet til en kommune, eller rad i karantene). Deretter følger resten i kilderekkefølge.",
    "",
    "Kolonnene 'Foreslått type', 'Foreslått tema' og 'Foreslått holdning' er det modellen (eller "
    "kilden selv) sa. 'Sikkerhet' er modellens laveste sikkerhet for utsagnet (0–1).",
    "",
    "Rett bare det som er feil: fyll inn de gule kolonnene 'Riktig type', 'Riktig tema', "
    "'Riktig holdning' og/eller 'Riktig kommunenummer'. Velg fra nedtrekkslisten. Tom celle betyr "
    "'behold som det er'. Skriv gjerne hvorfor i 'Kommentar' – kommentaren lagres i revisjonsloggen.",
    "",
    "Riktig kommunenummer gjelder hele innspillet (alle utsagn fra samme avsender på samme sted). "
    "Skriv kommunenummeret (f.eks. 4601), '4601 Bergen' eller kommunenavnet.",
    "",
    "En posisjon (type 'Posisjon') må ha en holdning. Endrer du type til posisjon for et utsagn "
    "uten holdning, fyll også inn 'Riktig holdning'.",
    "",
    "Ikke endre kolonnene 'Utsagn-id' og 'Kontrollsum': de knytter raden til utsagnet i databasen. "
    "Er utsagnet endret siden eksporten, avvises raden – eksporter da en ny arbeidsbok.",
    "",
    "Les inn arbeidsboken med: samordne review import <fil>.xlsx --by <navnet ditt>. "
    "Har én rad en feil, avvises hele arbeidsboken og ingenting lagres; meldingen sier ark og rad "
    "for hver feil. Rett feilene og les inn på nytt. Samme fil lest inn to ganger endrer ingenting.",
    "",
    "Rettelsene vinner over modellen i den sammenstilte posisjonen, og de består når data kjøres "
    "på nytt eller modellen trenes om. Modellens eget forslag beholdes ved siden av rettelsen.",
)


def _lists(wb: Workbook, taxonomy: LabelSource, municipalities: Mapping[str, str]) -> dict[str, str]:
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    columns = {
        "type": [taxonomy.type_label(t.value) for t in StatementType],
        "theme": [taxonomy.label(k) for k in taxonomy.keys],
        "stance": [taxonomy.stance_label(s.value) for s in Stance],
        "kommune": [f"{number} {name}" for number, name in sorted(municipalities.items())],
    }
    refs: dict[str, str] = {}
    for col, (name, values) in enumerate(columns.items(), start=1):
        put(ws, 1, col, name)
        for row, value in enumerate(values, start=2):
            put(ws, row, col, value)
        letter = get_column_letter(col)
        refs[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    return refs


def _previous(row: ReviewItem, taxonomy: LabelSource) -> str:
    parts = []
    if row.override_type:
        parts.append(f"type: {taxonomy.type_label(row.override_type)}")
    if row.override_theme:
        parts.append(f"tema: {taxonomy.label(row.override_theme)}")
    if row.override_stance:
        parts.append(f"holdning: {taxonomy.stance_label(row.override_stance)}")
    if row.override_kommunenummer:
        parts.append(f"kommunenummer: {row.override_kommunenummer}")
    if row.override_comment:
        parts.append(f"kommentar: {row.override_comment}")
    return "; ".join(parts)


def _values(row: ReviewItem, taxonomy: LabelSource) -> list[object]:
    return [
        row.statement_id,
        row.fingerprint,
        "; ".join(row.attention),
        row.text,
        row.source_file,
        row.locator,
        row.respondent,
        row.kommunenummer or "",
        row.respondent_name or "",
        MATCH_LABELS.get(row.match_status, row.match_status),
        taxonomy.type_label(row.type),
        taxonomy.label(row.theme) if row.theme in taxonomy.keys else row.theme,
        taxonomy.stance_label(row.stance) if row.stance else "",
        round(row.confidence, 2),
        ", ".join(row.review_reasons),
        _previous(row, taxonomy),
        None,
        None,
        None,
        None,
        None,
    ]


def _validation(ws_ref: str, prompt: str, *, strict: bool) -> DataValidation:
    dv = DataValidation(type="list", formula1=f"={ws_ref}", allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "warning"
    dv.errorTitle = "Ukjent verdi"
    dv.error = "Velg en verdi fra listen (eller la cellen stå tom)."
    dv.promptTitle = "Rettelse"
    dv.prompt = prompt
    dv.showInputMessage = True
    return dv


def render_review_workbook(
    rows: Sequence[ReviewItem], taxonomy: LabelSource, municipalities: Mapping[str, str] | None = None
) -> bytes:
    """The review workbook as .xlsx bytes; ``municipalities`` (kommunenummer -> name) feeds a dropdown."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = REVIEW_SHEET
    last = write_table(ws, 1, HEADERS, (_values(r, taxonomy) for r in rows), widths=[w for _, w in COLUMNS])
    refs = _lists(wb, taxonomy, municipalities or {})
    first_correction = HEADERS.index("Riktig type") + 1
    end = max(last, 2)
    for offset, (key, prompt, strict) in enumerate(
        (
            ("type", "Velg riktig type, eller la stå tom.", True),
            ("theme", "Velg riktig tema, eller la stå tom.", True),
            ("stance", "Velg riktig holdning, eller la stå tom.", True),
            ("kommune", "Velg eller skriv kommunenummer/kommunenavn; gjelder hele innspillet.", False),
        )
    ):
        letter = get_column_letter(first_correction + offset)
        dv = _validation(refs[key], prompt, strict=strict)
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{end}")
    for col in range(first_correction, len(HEADERS) + 1):
        for r in range(2, last + 1):
            ws.cell(row=r, column=col).fill = CORRECTION_FILL
    text_col = HEADERS.index("Utsagn") + 1
    for r in range(2, last + 1):
        ws.cell(row=r, column=text_col).alignment = Alignment(wrap_text=True, vertical="top")
    guide = wb.create_sheet(GUIDE_SHEET, 1)
    title(guide, GUIDE[0])
    for r, line in enumerate(GUIDE[1:], start=2):
        put(guide, r, 1, line)
        guide.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 110
    guide.cell(row=1, column=1).font = Font(bold=True, size=14)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
