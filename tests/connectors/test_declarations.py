"""Intent-declaration lists (CSV / xlsx): resolved rows become declarations, the rest rejections."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.base import QuarantineError
from connectors.declarations import read_declarations
from models.records import Locator
from processing.consolidation.records import IntentDeclaration
from processing.registry import default_registry

CSV = (
    "Kommune;Signert;Dato\n"
    "Bergen;ja;01.03.2024\n"
    "0301;Ja;2024-03-02\n"
    "\n"
    "Bodø;nei;\n"
    "Atlantis;ja;01.03.2024\n"
    "Herøy;ja;\n"
    ";ja;\n"
    "Vinje;kanskje;\n"
    "Stavanger;x;32.13.2024\n"
)


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Erklæringer"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_csv_declarations_and_rejections() -> None:
    """Names and numbers resolve; blank lines are skipped; every bad row is rejected with a bokmål reason."""
    result = read_declarations(io.BytesIO(CSV.encode("utf-8")), default_registry(), name="liste.csv")
    assert [(d.kommunenummer, d.signed, d.signed_on) for d in result] == [
        ("4601", True, date(2024, 3, 1)),
        ("0301", True, date(2024, 3, 2)),
        ("1804", False, None),
    ]
    assert result.declarations[0].source == Locator(file="liste.csv", line=2)
    assert [r.reason for r in result.rejections] == [
        "liste 'liste.csv', linje 6: 'Atlantis' er ikke en kjent kommune – skriv kommunenavnet slik SSB skriver "
        "det eller bruk det firesifrede kommunenummeret",
        "liste 'liste.csv', linje 7: 'Herøy' er ikke en kjent kommune (mulige: 1515, 1818) – skriv kommunenavnet "
        "slik SSB skriver det eller bruk det firesifrede kommunenummeret",
        "liste 'liste.csv', linje 8: kolonnen 'Kommune' er tom – fyll inn kommunenavn eller kommunenummer",
        "liste 'liste.csv', linje 9: kolonnen 'Signert' har verdien 'kanskje' – skriv 'ja' eller 'nei'",
        "liste 'liste.csv', linje 10: datoen '32.13.2024' kan ikke leses – skriv den som dd.mm.åååå",
    ]
    assert [r.category for r in result.rejections] == [
        "unresolved",
        "unresolved",
        "empty",
        "invalid",
        "invalid",
    ]


def test_xlsx_with_title_rows(tmp_path: Path) -> None:
    """A workbook whose header sits below a title row is read from a path; dates may be real dates."""
    path = tmp_path / "erklaeringer.xlsx"
    path.write_bytes(
        _xlsx(
            [
                ["Intensjonserklæringer Akson"],
                ["Kommunenummer", "Kommunenavn", "Signert", "Signert dato"],
                ["1103", "Stavanger", "Ja", date(2024, 4, 5)],
                ["Kristiansand", None, "NEI", None],
            ]
        )
    )
    result = read_declarations(path, default_registry())
    assert list(result) == [
        IntentDeclaration(
            "1103", True, date(2024, 4, 5), Locator(file="erklaeringer.xlsx", sheet="Erklæringer", row=3)
        ),
        IntentDeclaration("4204", False, None, Locator(file="erklaeringer.xlsx", sheet="Erklæringer", row=4)),
    ]
    assert result.rejections == ()


@pytest.mark.parametrize(
    ("data", "message", "category"),
    [
        (b"", "liste 'l.csv': filen er tom – send listen på nytt med innhold", "empty"),
        (
            b"Navn,Epost\nKari,kari@x.no\n",
            "liste 'l.csv': fant ingen overskriftsrad med kolonnene 'Kommune' og 'Signert' i de 10 første "
            "radene – legg inn overskriftene og send listen på nytt",
            "invalid",
        ),
        (
            b"%PDF-1.4 not a list",
            "liste 'l.csv': filtypen (pdf) støttes ikke – send listen som CSV eller Excel (xlsx)",
            "unsupported",
        ),
    ],
)
def test_unreadable_lists_are_quarantined(data: bytes, message: str, category: str) -> None:
    """Empty, headerless or non-tabular lists raise QuarantineError with a reason that says what to do."""
    with pytest.raises(QuarantineError) as info:
        read_declarations(io.BytesIO(data), default_registry(), name="l.csv")
    assert (info.value.reason, info.value.category) == (message, category)
