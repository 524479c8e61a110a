"""The analysts' Excel workbook (bokmål): figures, positions, needs, dissent, coverage, statements.

Everything is read from ``Consolidation.to_dict()`` (the same data as
``consolidated.json``) plus the statement rows, so the workbook and the delivery
cannot disagree. Text cells that Excel would take for a formula are written as
text with a quote prefix (see ``reports.xlsx_style``).

The statements stream: ``write_workbook`` reads them once, in the order given, and writes
each row to a temporary file as it comes (``StreamedSheet``), so memory does not grow with
their number. Past ``ROWS_PER_SHEET`` they continue on "Utsagn (2)", "Utsagn (3)", ...
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from models.records import StatementRow
from reports.charts import STANCE_COLOURS, STANCE_LABELS
from reports.xlsx_style import PERCENT, THOUSANDS, SheetWriter, StreamedSheet, Styles

SHEETS = (
    "Sammendrag",
    "Posisjoner per tema",
    "Behov",
    "Dissens",
    "Dekning",
    "Intensjonserklæringer",
    "Utsagn",
    "Datakvalitet",
)
STANCE_COLUMNS = ("support", "oppose", "conditional", "neutral", "mixed", "none")
TYPE_LABELS = {"need": "Behov", "position": "Posisjon", "other": "Annet"}
KIND_LABELS = {"municipality": "kommune", "county": "fylkeskommune", "organisation": "organisasjon"}
# Data rows per statements sheet; Excel's limit is 1,048,576 rows including the header.
ROWS_PER_SHEET = 1_000_000
STATEMENT_HEADERS = (
    "Utsagn-id",
    "Kommunenummer",
    "Respondent (oppgitt)",
    "Respondent (avklart)",
    "Respondenttype",
    "Type",
    "Tema",
    "Standpunkt",
    "Sikkerhet",
    "Til vurdering",
    "Overstyrt",
    "Kanal",
    "Kildefil",
    "Plassering",
    "Tekst",
)
STATEMENT_WIDTHS = (10, 14, 24, 22, 14, 10, 16, 12, 10, 12, 10, 13, 30, 40, 90)
CM = 37.8  # pixels per centimetre in XlsxWriter chart sizes
CHANNEL_LABELS = {
    "survey": "spørreskjema",
    "spreadsheet": "regneark",
    "email": "e-post",
    "document": "dokument",
    "list": "liste",
    "memory": "minne",
}


def as_dict(consolidation: Any) -> dict[str, Any]:
    """The JSON dict of a ``Consolidation`` (or the dict itself)."""
    if isinstance(consolidation, Mapping):
        return dict(consolidation)
    data: dict[str, Any] = consolidation.to_dict()
    return data


def _yes(value: bool) -> str:
    return "ja" if value else "nei"


def _summary(ws: SheetWriter, data: dict[str, Any], statement_sheets: Sequence[str]) -> None:
    ws.title("Samordnet sektorinnspill om Akson – sammendrag")
    totals, cov, unresolved = data["totals"], data["coverage"], data["unresolved"]
    facts: list[tuple[str, Any, str | None]] = [
        ("Kommuner i alt (2024-struktur)", totals["municipalities"], THOUSANDS),
        ("Innbyggere i alt (1.1.2024)", totals["national_population"], THOUSANDS),
        ("Kommuner som har svart", cov["responded"]["count"], THOUSANDS),
        ("Innbyggere i kommuner som har svart", cov["responded"]["population"], THOUSANDS),
        ("Andel av befolkningen", cov["responded"]["share_national"], PERCENT),
        ("Andel av befolkningen utenfor Midt-Norge", cov["responded"]["share_outside_midt"], PERCENT),
        ("Kommuner som ikke har svart", cov["not_responded"]["count"], THOUSANDS),
        ("Utsagn i alt", totals["statements"], THOUSANDS),
        ("Uavklarte respondenter", unresolved["respondents"], THOUSANDS),
        ("Utsagn fra uavklarte respondenter", unresolved["statements"], THOUSANDS),
        ("Fylkeskommuner og organisasjoner", len(data["other_respondents"]), THOUSANDS),
    ]
    for i, (label, value, fmt) in enumerate(facts, start=3):
        ws.put(i, 1, label)
        ws.put(i, 2, value, fmt)
    top = len(facts) + 5
    ws.put(top - 1, 1, "Konsensus per tema (én kommune, én stemme)")
    ws.table(
        top,
        ("Tema", "Kommuner som tar opp temaet", "Med standpunkt", "Andel for", "Andel imot", "Konsensus"),
        (
            (
                t["label"],
                t["raised"]["count"],
                t["with_position"]["count"],
                t["for_share"],
                t["against_share"],
                t["consensus"],
            )
            for t in data["themes"]
        ),
        formats={1: THOUSANDS, 2: THOUSANDS, 3: PERCENT, 4: PERCENT},
        widths=(44, 16, 16, 12, 12, 20),
        filter_and_freeze=False,
    )
    ws.sheet.freeze_panes(2, 0)
    for key, value in sorted(data.get("generated_from", {}).items()):
        top = ws.last_row + 1
        ws.put(top + 1, 1, f"Grunnlag: {key}")
        ws.put(top + 1, 2, str(value))
    if len(statement_sheets) > 1:
        ws.put(ws.last_row + 2, 1, statements_note(statement_sheets))


def statements_note(statement_sheets: Sequence[str]) -> str:
    """The overview's note when the statements did not fit on one sheet."""
    names = ", ".join(f"«{name}»" for name in statement_sheets)
    return (
        f"Utsagnene er fordelt på {len(statement_sheets)} ark ({names}) fordi Excel har plass til "
        "drøyt én million rader per ark. Alle arkene har samme kolonner."
    )


def _positions(ws: SheetWriter, data: dict[str, Any]) -> None:
    headers = [
        "Tema",
        "Tema (nøkkel)",
        "Kommuner som tar opp temaet",
        "Innbyggere",
        "Andel av befolkningen",
        "Andel utenfor Midt-Norge",
        "Med standpunkt",
        *(STANCE_LABELS[s] for s in STANCE_COLUMNS),
        *(f"{STANCE_LABELS[s]} (innbyggere)" for s in STANCE_COLUMNS),
        "Andel for",
        "Andel imot",
        "Konsensus",
        "Kommunenummer",
    ]
    rows = []
    for t in data["themes"]:
        rows.append(
            [
                t["label"],
                t["theme"],
                t["raised"]["count"],
                t["raised"]["population"],
                t["raised"]["share_national"],
                t["raised"]["share_outside_midt"],
                t["with_position"]["count"],
                *(t["stances"][s]["count"] for s in STANCE_COLUMNS),
                *(t["stances"][s]["population"] for s in STANCE_COLUMNS),
                t["for_share"],
                t["against_share"],
                t["consensus"],
                ", ".join(t["raised"]["kommunenummer"]),
            ]
        )
    n = len(STANCE_COLUMNS)
    formats = {2: THOUSANDS, 3: THOUSANDS, 4: PERCENT, 5: PERCENT, 6: THOUSANDS}
    formats.update({7 + i: THOUSANDS for i in range(2 * n)})
    formats.update({7 + 2 * n: PERCENT, 8 + 2 * n: PERCENT})
    last = ws.table(
        1, headers, rows, formats, widths=(34, 14, 14, 13, 12, 12, 12, *([11] * (2 * n)), 11, 11, 18, 40)
    )
    if rows:
        chart = ws.add_chart({"type": "bar", "subtype": "stacked"})
        # The counts of every stance but "none": columns H.. (0-based 7..), one series each.
        for j, stance in enumerate(STANCE_COLUMNS[:-1], start=7):
            chart.add_series(
                {
                    "name": [ws.name, 0, j],
                    "categories": [ws.name, 1, 0, last - 1, 0],
                    "values": [ws.name, 1, j, last - 1, j],
                    "fill": {"color": STANCE_COLOURS[stance]},
                    "gap": 50,
                    "overlap": 100,
                }
            )
        chart.set_title({"name": "Standpunkt per tema (antall kommuner)"})
        chart.set_x_axis({"name": "Kommuner"})  # the value axis: bar charts lie on their side
        chart.set_size({"width": 18 * CM, "height": (9 + 0.4 * len(rows)) * CM})
        ws.sheet.insert_chart(last + 2, 0, chart)


def _needs(ws: SheetWriter, data: dict[str, Any]) -> None:
    ws.wrap_column(3, 2)
    ws.table(
        1,
        (
            "Rang",
            "Tema",
            "Behov",
            "Kommuner",
            "Innbyggere",
            "Andel av befolkningen",
            "Andre aktører",
            "Antall utsagn",
            "Utsagn-id",
            "Kommunenummer",
        ),
        (
            (
                n["rank"],
                n["theme"],
                n["text"],
                n["municipalities"]["count"],
                n["municipalities"]["population"],
                n["municipalities"]["share_national"],
                ", ".join(n["other_respondents"]),
                n["members"],
                ", ".join(str(i) for i in n["statement_ids"]),
                ", ".join(n["municipalities"]["kommunenummer"]),
            )
            for n in data["needs"]
        ),
        {0: THOUSANDS, 3: THOUSANDS, 4: THOUSANDS, 5: PERCENT, 7: THOUSANDS},
        widths=(7, 16, 70, 11, 13, 12, 28, 10, 20, 30),
    )


def _dissent(ws: SheetWriter, data: dict[str, Any]) -> None:
    rows = []
    for t in data["themes"]:
        majority = {"for": "for", "imot": "imot"}.get(t["majority"] or "", "")
        for d in t["dissent"]:
            q = d["quote"] or {}
            rows.append(
                (
                    t["label"],
                    d["kommunenummer"],
                    d["name"],
                    d["population"],
                    STANCE_LABELS[d["stance"]],
                    majority,
                    q.get("text", ""),
                    q.get("statement_id"),
                    q.get("locator", ""),
                )
            )
    ws.wrap_column(7, 2)
    ws.table(
        1,
        (
            "Tema",
            "Kommunenummer",
            "Kommune",
            "Innbyggere",
            "Standpunkt",
            "Flertallet er",
            "Sitat",
            "Utsagn-id",
            "Kilde",
        ),
        rows,
        {3: THOUSANDS},
        widths=(30, 14, 20, 12, 14, 12, 70, 10, 50),
    )


def _coverage(ws: SheetWriter, data: dict[str, Any]) -> None:
    cov = data["coverage"]
    ws.table(
        1,
        (
            "Kommunenummer",
            "Kommune",
            "Fylke",
            "Helseregion",
            "Innbyggere",
            "Har svart",
            "Kanaler",
            "Styringsgruppen",
            "Utsagn",
        ),
        (
            (
                m["kommunenummer"],
                m["name"],
                m["fylke"],
                m["health_region"],
                m["population"],
                _yes(m["responded"]),
                ", ".join(CHANNEL_LABELS.get(c, c) for c in m["channels"]),
                _yes(m["steering_group"]),
                m["statements"],
            )
            for m in cov["municipalities"]
        ),
        {4: THOUSANDS, 8: THOUSANDS},
        widths=(14, 22, 18, 18, 12, 10, 24, 14, 9),
    )
    left = 11
    ws.put(1, left, "Dekning per fylke")
    top = 2
    last = _area_table(ws, top, left, "Fylke", cov["by_county"], widths=(20, 10, 10, 14, 14, 12))
    region_top = last + 3
    ws.put(region_top - 1, left, "Dekning per helseregion")
    _area_table(ws, region_top, left, "Helseregion", cov["by_health_region"])
    if cov["by_county"]:
        chart = ws.add_chart({"type": "bar"})
        share = left + 4  # 0-based column of "Andel av innbyggerne"
        chart.add_series(
            {
                "name": [ws.name, top - 1, share],
                "categories": [ws.name, top, left - 1, last - 1, left - 1],
                "values": [ws.name, top, share, last - 1, share],
                "fill": {"color": "#1565C0"},
            }
        )
        chart.set_title({"name": "Andel av innbyggerne i kommuner som har svart, per fylke"})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_legend({"none": True})
        chart.set_size({"width": 18 * CM, "height": 10 * CM})
        ws.sheet.insert_chart(top - 1, 17, chart)


def _declarations(ws: SheetWriter, data: dict[str, Any]) -> None:
    decl = data["declarations"]
    ws.title("Intensjonserklæringer")
    if not decl["provided"]:
        ws.put(2, 1, "Ingen liste over intensjonserklæringer ble lest inn i denne kjøringen.")
    facts: list[tuple[str, Any, str | None]] = [
        ("Kommuner som har signert", decl["signed"]["count"], THOUSANDS),
        ("Kommuner utenfor Midt-Norge som har signert", decl["signed_outside_midt"]["count"], THOUSANDS),
        ("Andel av kommunene utenfor Midt-Norge", decl["municipality_share_outside_midt"], PERCENT),
        (
            "Innbyggere utenfor Midt-Norge i kommuner som har signert",
            decl["signed_outside_midt"]["population_outside_midt"],
            THOUSANDS,
        ),
        ("Andel av innbyggerne utenfor Midt-Norge", decl["population_share_outside_midt"], PERCENT),
    ]
    for i, (label, value, fmt) in enumerate(facts, start=3):
        ws.put(i, 1, label)
        ws.put(i, 2, value, fmt)
    top = len(facts) + 4
    last = ws.table(
        top,
        ("Mål", "Måltall", "Oppnådd", "Nådd"),
        ((t["label"], t["value"], t["actual"], _yes(t["met"])) for t in decl["targets"]),
        {1: PERCENT, 2: PERCENT},
        filter_and_freeze=False,
    )
    top = last + 3
    ws.put(top - 1, 1, "Kommuner utenfor Midt-Norge som ikke har signert (størst først)")
    ws.table(
        top,
        ("Kommunenummer", "Kommune", "Innbyggere"),
        ((n["kommunenummer"], n["name"], n["population"]) for n in decl["non_signers_outside_midt"]),
        {2: THOUSANDS},
        widths=(58, 22, 14, 10),
    )


def statement_cells(r: StatementRow) -> tuple[Any, ...]:
    """One statement as the cells of its row on the statements sheet (``STATEMENT_HEADERS``)."""
    return (
        r.statement_id,
        r.kommunenummer or "",
        r.respondent,
        r.respondent_name or "",
        KIND_LABELS.get(r.respondent_kind.value, "uavklart"),
        TYPE_LABELS.get(r.type.value, r.type.value),
        r.theme,
        STANCE_LABELS.get(r.stance.value, "") if r.stance else "",
        r.confidence,
        _yes(r.needs_review),
        _yes(r.overridden),
        CHANNEL_LABELS.get(r.channel.value, r.channel.value),
        r.source_file,
        str(r.locator),
        r.text,
    )


def statement_sheet_name(number: int) -> str:
    """ "Utsagn", then "Utsagn (2)", "Utsagn (3)", ... for the sheets the statements continue on."""
    return "Utsagn" if number == 1 else f"Utsagn ({number})"


def _statements(book: Any, styles: Styles, rows: Iterable[StatementRow], rows_per_sheet: int) -> list[str]:
    """Stream the statements onto as many sheets as they need; returns the sheet names."""
    if rows_per_sheet < 1:
        raise ValueError(f"rows_per_sheet must be at least 1, got {rows_per_sheet}")
    sheets: list[StreamedSheet] = []

    def new_sheet() -> StreamedSheet:
        sheet: StreamedSheet = book.add_worksheet(statement_sheet_name(len(sheets) + 1), StreamedSheet)
        sheet.start(STATEMENT_HEADERS, styles, {8: "0.00"})
        sheets.append(sheet)
        return sheet

    sheet = new_sheet()
    left = rows_per_sheet
    for row in rows:
        if not left:
            sheet.finish(STATEMENT_WIDTHS)
            sheet, left = new_sheet(), rows_per_sheet
        sheet.append(statement_cells(row))
        left -= 1
    sheet.finish(STATEMENT_WIDTHS)
    return [s.name for s in sheets]


def _quality(ws: SheetWriter, quality: Mapping[str, Any] | None, manifest: Mapping[str, Any] | None) -> None:
    """From ``reports.quality.quality_summary``: suites (with failed expectations), blocking failures and
    quarantined rows; quarantined files from the run manifest's ``files``."""
    ws.title("Datakvalitet")
    ws.wrap_column(5, 3)
    quality = quality or {}
    suites = list(quality.get("suites", []))
    last = ws.table(
        3,
        ("Kontroll", "Bestått", "Kontroller kjørt", "Feilet"),
        (
            (
                s.get("name", ""),
                _yes(bool(s.get("success"))),
                s.get("evaluated", ""),
                len(s["failed"]) if isinstance(s.get("failed"), list) else s.get("failed", ""),
            )
            for s in suites
        ),
        filter_and_freeze=False,
        widths=(40, 28, 20, 16, 80),
    )
    sections: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        (
            "Kontroller som feilet",
            ("Kontroll", "Forventning", "Kolonne", "Antall avvik", "Årsak"),
            [
                (
                    s.get("name", ""),
                    f.get("expectation", ""),
                    f.get("column", ""),
                    f.get("unexpected_count", ""),
                    f.get("reason", ""),
                )
                for s in suites
                for f in (s.get("failed") if isinstance(s.get("failed"), list) else [])
            ],
        ),
        (
            "Feil som stopper leveransen",
            ("Årsak",),
            [(line,) for line in quality.get("blocking_failures", [])],
        ),
        (
            "Rader satt i karantene",
            ("Tabell", "Id", "Årsak"),
            [
                (q.get("table", ""), q.get("id", ""), q.get("reason", ""))
                for q in quality.get("quarantined_rows", quality.get("quarantined", []))
            ],
        ),
        (
            "Filer i karantene",
            ("Fil", "Kategori", "Årsak"),
            [
                (f.get("path", ""), f.get("category") or "", f.get("reason") or "")
                for f in (manifest or {}).get("files", [])
                if f.get("status") == "quarantined"
            ],
        ),
    ]
    for heading, headers, rows in sections:
        top = last + 3
        ws.put(top - 1, 1, heading)
        if not rows:
            ws.put(top, 1, "Ingen.")
            last = top
            continue
        last = ws.table(top, headers, rows, filter_and_freeze=False)


def write_workbook(
    path: Path | IO[bytes],
    consolidation: Any,
    rows: Iterable[StatementRow],
    quality: Mapping[str, Any] | None = None,
    manifest: Mapping[str, Any] | None = None,
    rows_per_sheet: int = ROWS_PER_SHEET,
) -> None:
    """Write the analysts' workbook to ``path`` (a file name or a binary file).

    ``rows`` is read once, in the order given (give them sorted by statement id, e.g. a
    database query with ``ORDER BY``), and is never held in memory as a whole. If reading
    them fails, the error propagates and no file is written.
    """
    data = as_dict(consolidation)
    target = str(path) if isinstance(path, Path) else path
    book = xlsxwriter.Workbook(
        target,
        {
            # Text stays text: no formulas, numbers or links made from strings.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    # No try/finally: XlsxWriter writes the file only on close, so when the rows fail half-way
    # no truncated workbook is left behind.
    styles = Styles(book)
    pages = {name: SheetWriter(book.add_worksheet(name), styles) for name in SHEETS[:6]}
    _positions(pages["Posisjoner per tema"], data)
    _needs(pages["Behov"], data)
    _dissent(pages["Dissens"], data)
    _coverage(pages["Dekning"], data)
    _declarations(pages["Intensjonserklæringer"], data)
    statement_sheets = _statements(book, styles, rows, rows_per_sheet)
    _summary(pages["Sammendrag"], data, statement_sheets)
    _quality(SheetWriter(book.add_worksheet("Datakvalitet"), styles), quality, manifest)
    book.set_properties({"author": "samordne"})
    book.close()


def render_workbook(
    consolidation: Any,
    rows: Iterable[StatementRow],
    quality: Mapping[str, Any] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> bytes:
    """The analysts' workbook as xlsx bytes (sheet names in ``SHEETS``), statements sorted by id."""
    buf = io.BytesIO()
    write_workbook(buf, consolidation, sorted(rows, key=_statement_id), quality, manifest)
    return buf.getvalue()


def _statement_id(row: StatementRow) -> int:
    return row.statement_id


def _area_table(
    ws: SheetWriter,
    top: int,
    left: int,
    heading: str,
    areas: Iterable[dict[str, Any]],
    widths: Sequence[int] | None = None,
) -> int:
    """Coverage of one kind of area (county or health region); returns the last row written."""
    return ws.table(
        top,
        (
            heading,
            "Har svart",
            "Kommuner",
            "Innbyggere som har svart",
            "Innbyggere i alt",
            "Andel av innbyggerne",
        ),
        (
            (
                c["name"],
                c["responded"],
                c["total"],
                c["population_responded"],
                c["population_total"],
                c["share_population"],
            )
            for c in areas
        ),
        {1: THOUSANDS, 2: THOUSANDS, 3: THOUSANDS, 4: THOUSANDS, 5: PERCENT},
        widths=widths,
        left=left,
        filter_and_freeze=False,
    )
