"""Analyst review in storage: rows to review, the workbook round trip, overrides, audit, rejections.

Every test that takes ``database_url`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from connectors.db import Store
from connectors.review import (
    CorrectionError,
    apply_corrections,
    audit_rows,
    corrections,
    review_rows,
)
from connectors.review_import import REQUIRED, read_corrections
from flows.commands.review import municipality_resolver
from models.records import Labels, StatementType
from processing.registry import default_registry
from processing.taxonomy import load_taxonomy
from reports.review_workbook import HEADERS, render_review_workbook


def _load_data() -> Any:
    path = Path(__file__).with_name("review_data.py")
    spec = importlib.util.spec_from_file_location("review_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("review_data", module)
    spec.loader.exec_module(module)
    return module


DATA = _load_data()
TAXONOMY = load_taxonomy()
REGISTRY = default_registry()
RESOLVE = municipality_resolver(REGISTRY)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    DATA.load(opened)
    yield opened
    opened.close()


def export(store: Store) -> bytes:
    names = {n: m.name for n, m in REGISTRY.municipalities.items()}
    return render_review_workbook(review_rows(store), TAXONOMY, names)


def edit(data: bytes, edits: dict[str, dict[str, Any]]) -> bytes:
    """Fill cells as an analyst would: ``{statement text: {header: value}}`` on sheet Gjennomgang."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Gjennomgang"]
    heads = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        text = row[heads["Utsagn"] - 1].value
        for header, value in edits.get(str(text), {}).items():
            ws.cell(row=row[0].row, column=heads[header], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes) -> Any:
    return read_corrections("review.xlsx", data, TAXONOMY, RESOLVE)


def by_text(store: Store) -> dict[str, Any]:
    return {r.text: r for r in store.statement_rows(include_quarantined=True)}


def test_attention_rows_come_first_with_reasons(store: Store) -> None:
    """Low confidence, mixed positions and unresolved respondents are listed first, with bokmål reasons."""
    rows = review_rows(store)
    assert [(r.text, r.attention) for r in rows] == [
        ("Vi støtter en felles journal for hele sektoren.", ("blandede standpunkt i samme innspill",)),
        ("Vi er imot at kommunene betaler alt selv.", ("blandede standpunkt i samme innspill",)),
        ("Vi trenger opplæring før innføring.", ("lav sikkerhet (lav sikkerhet for tema)",)),
        ("Tilgangsstyringen må være streng.", ("avsender er ikke knyttet til en kommune",)),
        ("Dette er bakgrunn for innspillet.", ("avsender er ikke knyttet til en kommune",)),
        ("Felles journal er bra for pasientene.", ()),
    ]


def test_quarantined_rows_are_listed_for_attention(store: Store) -> None:
    """A quarantined statement is still exported, first, with its quarantine reason."""
    target = by_text(store)["Felles journal er bra for pasientene."].statement_id
    store.quarantine_rows("statements", [target], "teksten er tom etter rensing")
    first = review_rows(store)[0]
    assert (first.statement_id, first.attention) == (target, ("i karantene: teksten er tom etter rensing",))


def test_workbook_layout() -> None:
    """The workbook has the review sheet (frozen, filtered, dropdowns), a guide and a hidden list sheet."""
    wb = load_workbook(io.BytesIO(render_review_workbook([], TAXONOMY, {"4601": "Bergen"})))
    assert wb.sheetnames == ["Gjennomgang", "Veiledning", "Lister"]
    ws = wb["Gjennomgang"]
    assert tuple(c.value for c in ws[1]) == HEADERS
    assert (ws.freeze_panes, ws.auto_filter.ref) == ("A2", "A1:U1")
    assert sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation) == ["Q2", "R2", "S2", "T2"]
    assert wb["Lister"].sheet_state == "hidden"
    assert [c.value for c in wb["Lister"]["A"]][:5] == ["type", "Behov", "Posisjon", "Annet", None]
    assert wb["Veiledning"]["A1"].value == "Slik bruker du gjennomgangsarbeidsboken"


def test_import_reads_the_columns_the_export_writes() -> None:
    """Every column the import needs is a header of the exported workbook."""
    assert set(REQUIRED) <= set(HEADERS)


def test_formula_like_text_is_stored_as_text(store: Store) -> None:
    """A statement starting with '=' is written as a text cell, never as a formula."""
    row = review_rows(store)[0]
    evil = type(row)(**{**{f: getattr(row, f) for f in row.__dataclass_fields__}, "text": '=HYPERLINK("x")'})
    ws = load_workbook(io.BytesIO(render_review_workbook([evil], TAXONOMY)))["Gjennomgang"]
    assert (ws["D2"].value, ws["D2"].data_type, ws["D2"].quotePrefix) == ('=HYPERLINK("x")', "s", True)


def test_round_trip_writes_overrides_and_audit(store: Store) -> None:
    """Edited cells become overrides with the model's labels kept, and one audit row per changed field."""
    data = edit(
        export(store),
        {
            "Vi støtter en felles journal for hele sektoren.": {"Riktig tema": "Personvern", "Kommentar": "gjelder tilgang"},
            "Vi trenger opplæring før innføring.": {"Riktig type": "behov", "Riktig tema": "innforing"},
            "Tilgangsstyringen må være streng.": {"Riktig kommunenummer": "4601 Bergen"},
        },
    )  # fmt: skip
    parsed = read(data)
    assert (parsed.errors, parsed.rows, len(parsed.corrections)) == ([], 6, 3)
    report = apply_corrections(store, parsed.corrections, "Kari Analytiker", parsed.sha256)
    assert (report.changes, report.statements, report.already_imported) == (3, 2, False)
    rows = by_text(store)
    journal = rows["Vi støtter en felles journal for hele sektoren."]
    assert (journal.theme, journal.overridden, journal.confidence) == ("personvern", True, 0.92)
    assert rows["Vi trenger opplæring før innføring."].overridden is False  # equal to prediction: no change
    assert rows["Dette er bakgrunn for innspillet."].kommunenummer == "4601"  # the whole submission
    audit = [
        (a["by"], a["entity"], a["field"], a["old_value"], a["new_value"], a["comment"])
        for a in audit_rows(store)
    ]
    assert audit == [
        ("Kari Analytiker", "statement", "theme", "journal", "personvern", "gjelder tilgang"),
        ("Kari Analytiker", "statement", "comment", None, "gjelder tilgang", None),
        ("Kari Analytiker", "submission", "kommunenummer", None, "4601", None),
    ]
    assert [(c.text, c.theme, c.model_theme) for c in corrections(store)] == [
        ("Vi støtter en felles journal for hele sektoren.", "personvern", "journal")
    ]


def test_same_workbook_twice_changes_nothing(store: Store) -> None:
    """Importing the same file again is recognised by its sha256 and writes nothing."""
    data = edit(export(store), {"Dette er bakgrunn for innspillet.": {"Riktig tema": "Styring"}})
    parsed = read(data)
    first = apply_corrections(store, parsed.corrections, "Kari", parsed.sha256)
    again = apply_corrections(store, read(data).corrections, "Kari", parsed.sha256)
    assert (first.changes, again.changes, again.already_imported) == (1, 0, True)
    assert len(audit_rows(store)) == 1


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"Riktig tema": "Økonomi"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: tema 'Økonomi' er ikke i taksonomien – velg en av "
            "Finansiering, Styring, Samhandling, Journal, Teknologi, Personvern, Innføring, Fremdrift, Marked, "
            "Annet",
        ),
        (
            {"Riktig type": "Krav"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: type 'Krav' er ikke i taksonomien – velg en av "
            "Behov, Posisjon, Annet",
        ),
        (
            {"Riktig holdning": "Kanskje"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: holdning 'Kanskje' er ikke i taksonomien – velg en "
            "av Støtter, Imot, Betinget, Nøytral",
        ),
        (
            {"Riktig kommunenummer": "9999"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: kommunen '9999' er ukjent – skriv et "
            "kommunenummer fra 2024-strukturen (f.eks. 4601) eller kommunenavnet slik det står i listen",
        ),
        (
            {"Riktig kommunenummer": "Atlantis"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: kommunen 'Atlantis' er ukjent – skriv et "
            "kommunenummer fra 2024-strukturen (f.eks. 4601) eller kommunenavnet slik det står i listen",
        ),
        (
            {"Utsagn-id": "abc", "Riktig tema": "Styring"},
            "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 2: utsagn-id 'abc' er ikke et tall – ikke endre "
            "kolonnen 'Utsagn-id'",
        ),
    ],
)
def test_bad_values_are_rejected_per_row(store: Store, cells: dict[str, Any], message: str) -> None:
    """Values outside the taxonomy or registry are refused with a message naming sheet and row."""
    first_text = review_rows(store)[0].text
    parsed = read(edit(export(store), {first_text: cells}))
    assert (parsed.errors, parsed.corrections) == ([message], [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4601", "4601"), (301, "0301"), ("0301 Oslo", "0301"), ("Bergen", "4601"), ("bergen kommune", "4601")],
)
def test_municipality_accepted_as_number_or_name(store: Store, value: Any, expected: str) -> None:
    """A kommunenummer (also one Excel stored as a number), 'number name' or a name all resolve."""
    parsed = read(edit(export(store), {"Dette er bakgrunn for innspillet.": {"Riktig kommunenummer": value}}))
    assert [c.kommunenummer for c in parsed.corrections] == [expected]


def test_changed_statement_and_unknown_id_reject_the_whole_workbook(store: Store) -> None:
    """A statement changed since export and an unknown id are refused; nothing of the workbook is applied."""
    data = edit(
        export(store),
        {
            "Felles journal er bra for pasientene.": {"Riktig tema": "Styring"},
            "Vi trenger opplæring før innføring.": {"Riktig tema": "Teknologi"},
            "Dette er bakgrunn for innspillet.": {"Utsagn-id": 999_999, "Riktig tema": "Styring"},
        },
    )
    target = by_text(store)["Vi trenger opplæring før innføring."].statement_id
    from sqlalchemy import update

    from models.tables import DbStatement

    with store.engine.begin() as conn:
        conn.execute(update(DbStatement).where(DbStatement.id == target).values(text="Vi trenger opplæring."))
    parsed = read(data)
    with pytest.raises(CorrectionError) as caught:
        apply_corrections(store, parsed.corrections, "Kari", parsed.sha256)
    assert caught.value.errors == [
        "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 4: utsagnet er endret siden eksport – eksporter "
        "arbeidsboken på nytt (samordne review export) og før inn rettelsen der",
        "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 6: utsagn-id 999999 finnes ikke i databasen – bruk en "
        "arbeidsbok eksportert fra denne databasen, og ikke endre kolonnen 'Utsagn-id'",
    ]
    assert audit_rows(store) == []
    assert by_text(store)["Felles journal er bra for pasientene."].theme == "journal"
    # and the refused workbook is not remembered: after fixing, the same sha256 could not block a re-import
    retry = apply_corrections(
        store,
        [c for c in parsed.corrections if c.statement_id != target and c.statement_id != 999_999],
        "Kari",
        parsed.sha256,
    )
    assert retry.changes == 1


def test_position_without_stance_is_refused(store: Store) -> None:
    """Turning a statement into a position needs a stance in the same row."""
    parsed = read(edit(export(store), {"Dette er bakgrunn for innspillet.": {"Riktig type": "Posisjon"}}))
    with pytest.raises(
        CorrectionError, match=r"rad 6: en posisjon må ha holdning – fyll inn kolonnen 'Riktig holdning'$"
    ):
        apply_corrections(store, parsed.corrections, "Kari", parsed.sha256)


def test_overrides_survive_relabel(store: Store) -> None:
    """Re-classification with a new model replaces model labels; the analyst's theme still wins."""
    parsed = read(
        edit(export(store), {"Felles journal er bra for pasientene.": {"Riktig tema": "Teknologi"}})
    )
    apply_corrections(store, parsed.corrections, "Kari", parsed.sha256)
    new = Labels(StatementType.NEED, "styring", None, 0.7, 0.7, None, "test-model-2")
    store.relabel({r.statement_id: new for r in store.statement_rows()})
    rows = by_text(store)
    assert (
        rows["Felles journal er bra for pasientene."].theme,
        rows["Felles journal er bra for pasientene."].model_version,
    ) == ("teknologi", "test-model-2")
    assert rows["Dette er bakgrunn for innspillet."].theme == "styring"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook", "regneark 'review.xlsx': filen er skadet eller ikke et regneark"),
        (None, "arbeidsbok 'review.xlsx': arket 'Gjennomgang' finnes ikke"),
    ],
)
def test_unreadable_workbooks_are_refused(data: bytes | None, message: str) -> None:
    """A file that is not a review workbook gives one message and no corrections."""
    if data is None:
        from openpyxl import Workbook

        buffer = io.BytesIO()
        Workbook().save(buffer)
        data = buffer.getvalue()
    parsed = read(data)
    assert parsed.corrections == []
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(message)


def test_overrides_survive_a_rerun_of_the_same_input(store: Store) -> None:
    """A later run that meets the same file again stores nothing new, and the override stays in force."""
    parsed = read(
        edit(export(store), {"Felles journal er bra for pasientene.": {"Riktig tema": "Teknologi"}})
    )
    apply_corrections(store, parsed.corrections, "Kari", parsed.sha256)
    DATA.load(store)  # same path and content: recorded as a duplicate
    assert store.counts()["duplicate"] == 1
    assert by_text(store)["Felles journal er bra for pasientene."].theme == "teknologi"
