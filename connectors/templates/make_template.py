"""Build ``ks_innspillsmal.xlsx``, the KS input template (run: ``python connectors/templates/make_template.py``).

The layout is a contract with ``connectors.template`` and the synthetic data
generator: sheet ``Innspill`` with the title in A1, label/value pairs in
A3:B6 (Kommune, Kontaktperson, E-post, Dato), headers in row 8 (Tema,
Innspill, Behov eller posisjon, Prioritet) and one input per row from row 9;
dropdowns fed from the hidden sheet ``Lister``; guidance on ``Veiledning``.
Output is deterministic (fixed document timestamps) so the committed file
only changes when the layout does.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

TITLE = "Innspill til Akson – KS"
THEMES = (
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
TYPES = ("Behov", "Posisjon", "Annet")
PRIORITIES = ("Høy", "Middels", "Lav")
META_LABELS = ("Kommune", "Kontaktperson", "E-post", "Dato")
HEADERS = ("Tema", "Innspill", "Behov eller posisjon", "Prioritet")
HEADER_ROW, FIRST_INPUT_ROW, INPUT_ROWS = 8, 9, 200
GUIDANCE = (
    "Slik fyller du ut malen",
    "1. Skriv kommunens navn i feltet Kommune (B3), og navn og e-post til kontaktpersonen i B4 og B5.",
    "2. Skriv dagens dato i B6 (for eksempel 12.03.2025).",
    "3. Skriv ett innspill per rad fra rad 9 på arket Innspill.",
    "4. Velg tema fra nedtrekkslisten i kolonne A. Passer ingen, velg 'annet'.",
    "5. Velg i kolonne C om innspillet er et behov (noe kommunen trenger) eller en posisjon "
    "(kommunens standpunkt), eller 'Annet'.",
    "6. Velg prioritet (Høy, Middels eller Lav) i kolonne D.",
    "Ikke endre overskriftene i rad 8, og ikke legg til nye ark. Lagre som .xlsx uten passord.",
)
FIXED_TIME = datetime(2025, 1, 1)


def build_template() -> Workbook:
    """The template workbook, empty input rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Innspill"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    for offset, label in enumerate(META_LABELS):
        ws.cell(row=3 + offset, column=1, value=label).font = Font(bold=True)
    ws["B6"].number_format = "DD.MM.YYYY"
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill = Font(bold=True), fill
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 12
    for row in range(FIRST_INPUT_ROW, FIRST_INPUT_ROW + INPUT_ROWS):
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")

    lists = wb.create_sheet("Lister")
    lists.sheet_state = "hidden"
    for title, values, col in (("Tema", THEMES, 1), ("Type", TYPES, 2), ("Prioritet", PRIORITIES, 3)):
        lists.cell(row=1, column=col, value=title)
        for i, value in enumerate(values, start=2):
            lists.cell(row=i, column=col, value=value)
    last = FIRST_INPUT_ROW + INPUT_ROWS - 1
    for col_letter, source, count in (
        ("A", "A", len(THEMES)),
        ("C", "B", len(TYPES)),
        ("D", "C", len(PRIORITIES)),
    ):
        validation = DataValidation(
            type="list",
            formula1=f"=Lister!${source}$2:${source}${count + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Ugyldig verdi",
            error="Velg en verdi fra listen.",
        )
        validation.add(f"{col_letter}{FIRST_INPUT_ROW}:{col_letter}{last}")
        ws.add_data_validation(validation)

    guide = wb.create_sheet("Veiledning")
    for i, line in enumerate(GUIDANCE, start=1):
        guide.cell(row=i, column=1, value=line)
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 120
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "KS"
    return wb


def main(argv: list[str]) -> None:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("ks_innspillsmal.xlsx")
    build_template().save(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv)
