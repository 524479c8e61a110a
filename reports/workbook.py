"""The analysts' Excel workbook (bokmål): figures, positions, needs, dissent, coverage, statements.

Everything is read from ``Consolidation.to_dict()`` (the same data as
``consolidated.json``) plus the statement rows, so the workbook and the delivery
cannot disagree. Text cells that Excel would take for a formula are written as
text (see ``reports.xlsx_style.put``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from models.records import StatementRow
from reports.charts import STANCE_LABELS
from reports.xlsx_style import PERCENT, THOUSANDS, put, title, wrap_column, write_table

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
CHANNEL_LABELS = {
    "survey": "spørreskjema",
    "spreadsheet": "regneark",
    "email": "e-post",
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


def _summary(ws: Worksheet, data: dict[str, Any]) -> None:
    title(ws, "Samordnet sektorinnspill om Akson – sammendrag")
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
        put(ws, i, 1, label)
        put(ws, i, 2, value, fmt)
    top = len(facts) + 5
    put(ws, top - 1, 1, "Konsensus per tema (én kommune, én stemme)")
    write_table(
        ws,
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
    ws.freeze_panes = "A3"
    for key, value in sorted(data.get("generated_from", {}).items()):
        top = ws.max_row + 1
        put(ws, top + 1, 1, f"Grunnlag: {key}")
        put(ws, top + 1, 2, str(value))


def _positions(ws: Worksheet, data: dict[str, Any]) -> None:
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
    last = write_table(
        ws, 1, headers, rows, formats, widths=(34, 14, 14, 13, 12, 12, 12, *([11] * (2 * n)), 11, 11, 18, 40)
    )
    if rows:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = "Standpunkt per tema (antall kommuner)"
        chart.y_axis.title = "Kommuner"
        # support, oppose, conditional, neutral, mixed counts: columns H..L
        series = Reference(ws, min_col=8, max_col=12, min_row=1, max_row=last)
        chart.add_data(series, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
        chart.height, chart.width = 9 + 0.4 * len(rows), 18
        ws.add_chart(chart, f"A{last + 3}")


def _needs(ws: Worksheet, data: dict[str, Any]) -> None:
    write_table(
        ws,
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
    wrap_column(ws, 3, 2)


def _dissent(ws: Worksheet, data: dict[str, Any]) -> None:
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
    write_table(
        ws,
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
    wrap_column(ws, 7, 2)


def _coverage(ws: Worksheet, data: dict[str, Any]) -> None:
    cov = data["coverage"]
    write_table(
        ws,
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
    put(ws, 1, left, "Dekning per fylke")
    top = 2
    last = _area_table(ws, top, left, "Fylke", cov["by_county"], widths=(20, 10, 10, 14, 14, 12))
    region_top = last + 3
    put(ws, region_top - 1, left, "Dekning per helseregion")
    _area_table(ws, region_top, left, "Helseregion", cov["by_health_region"])
    if cov["by_county"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Andel av innbyggerne i kommuner som har svart, per fylke"
        chart.add_data(Reference(ws, min_col=left + 5, min_row=top, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=left, min_row=top + 1, max_row=last))
        chart.y_axis.number_format = "0%"
        chart.legend = None
        chart.height, chart.width = 10, 18
        ws.add_chart(chart, f"R{top}")


def _declarations(ws: Worksheet, data: dict[str, Any]) -> None:
    decl = data["declarations"]
    title(ws, "Intensjonserklæringer")
    if not decl["provided"]:
        put(ws, 2, 1, "Ingen liste over intensjonserklæringer ble lest inn i denne kjøringen.")
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
        put(ws, i, 1, label)
        put(ws, i, 2, value, fmt)
    top = len(facts) + 4
    last = write_table(
        ws,
        top,
        ("Mål", "Måltall", "Oppnådd", "Nådd"),
        ((t["label"], t["value"], t["actual"], _yes(t["met"])) for t in decl["targets"]),
        {1: PERCENT, 2: PERCENT},
        filter_and_freeze=False,
    )
    top = last + 3
    put(ws, top - 1, 1, "Kommuner utenfor Midt-Norge som ikke har signert (størst først)")
    write_table(
        ws,
        top,
        ("Kommunenummer", "Kommune", "Innbyggere"),
        ((n["kommunenummer"], n["name"], n["population"]) for n in decl["non_signers_outside_midt"]),
        {2: THOUSANDS},
        widths=(58, 22, 14, 10),
    )


def _statements(ws: Worksheet, rows: Iterable[StatementRow]) -> None:
    write_table(
        ws,
        1,
        (
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
        ),
        (
            (
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
            for r in sorted(rows, key=lambda r: r.statement_id)
        ),
        {8: "0.00"},
        widths=(10, 14, 24, 22, 14, 10, 16, 12, 10, 12, 10, 13, 30, 40, 90),
    )


def _quality(ws: Worksheet, quality: Mapping[str, Any] | None, manifest: Mapping[str, Any] | None) -> None:
    """From ``reports.quality.quality_summary``: suites (with failed expectations), blocking failures and
    quarantined rows; quarantined files from the run manifest's ``files``."""
    title(ws, "Datakvalitet")
    quality = quality or {}
    suites = list(quality.get("suites", []))
    last = write_table(
        ws,
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
        put(ws, top - 1, 1, heading)
        if not rows:
            put(ws, top, 1, "Ingen.")
            last = top
            continue
        last = write_table(ws, top, headers, rows, filter_and_freeze=False)
    wrap_column(ws, 5, 3)


def render_workbook(
    consolidation: Any,
    rows: Sequence[StatementRow],
    quality: Mapping[str, Any] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> bytes:
    """The analysts' workbook as xlsx bytes (sheet names in ``SHEETS``)."""
    data = as_dict(consolidation)
    wb = Workbook()
    sheets = {}
    for i, name in enumerate(SHEETS):
        sheets[name] = wb.active if i == 0 else wb.create_sheet(name)
        sheets[name].title = name
    _summary(sheets["Sammendrag"], data)
    _positions(sheets["Posisjoner per tema"], data)
    _needs(sheets["Behov"], data)
    _dissent(sheets["Dissens"], data)
    _coverage(sheets["Dekning"], data)
    _declarations(sheets["Intensjonserklæringer"], data)
    _statements(sheets["Utsagn"], rows)
    _quality(sheets["Datakvalitet"], quality, manifest)
    wb.properties.creator = "samordne"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _area_table(
    ws: Worksheet,
    top: int,
    left: int,
    heading: str,
    areas: Iterable[dict[str, Any]],
    widths: Sequence[int] | None = None,
) -> int:
    """Coverage of one kind of area (county or health region); returns the last row written."""
    return write_table(
        ws,
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
