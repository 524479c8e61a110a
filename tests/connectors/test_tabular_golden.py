"""Golden tabular fixtures: every passage, respondent, locator, hint and date they yield."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.base import Limits
from connectors.tabular import TabularConnector
from models.records import Channel, Locator, ReadResult, Stance, StatementType

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tabular"
POS, NEED, OTHER = StatementType.POSITION, StatementType.NEED, StatementType.OTHER
SUP, OPP, CON, NEU = Stance.SUPPORT, Stance.OPPOSE, Stance.CONDITIONAL, Stance.NEUTRAL


def _read(name: str) -> ReadResult:
    with (FIXTURES / name).open("rb") as fp:
        return TabularConnector().read(name, fp, Limits())


def _flat(result: ReadResult) -> list[tuple[object, ...]]:
    """One tuple per passage: respondent, text, locator, type, theme, stance, priority, segment."""
    return [
        (s.respondent, p.text, p.locator, p.hint_type, p.hint_theme, p.hint_stance, p.priority, p.segment)
        for s in result.submissions
        for p in s.passages
    ]


def _submission_meta(result: ReadResult) -> list[tuple[object, ...]]:
    return [
        (s.respondent, s.channel, s.locator, s.email, s.contact_name, s.submitted_on, s.context)
        for s in result.submissions
    ]


NS = "nettskjema_cp1252.csv"
Q1, Q2, Q3 = "Akson bør finansieres av staten", "Kommunene trenger mer opplæring", "Andre innspill"


def _ns(line: int, rid: str, column: str, question: str) -> Locator:
    # CSV locators carry both the record's row (as a spreadsheet program shows it) and its first line
    row = {5: 5, 7: 6, 8: 7, 9: 8}[line]
    return Locator(NS, row=row, column=column, response_id=rid, question=question, line=line)


def test_nettskjema_passages() -> None:
    """Nettskjema CSV: preamble skipped, cp1252 decoded, Likert -> unsegmented positions, multi-line text kept."""
    result = _read(NS)
    assert _flat(result) == [
        ("Bodø kommune", f"{Q1}: Helt enig", _ns(5, "1001", "G", Q1), POS, None, SUP, None, False),
        ("Bodø kommune", f"{Q2}: Delvis enig", _ns(5, "1001", "H", Q2), POS, None, CON, None, False),
        (
            "Bodø kommune",
            "Vi trenger en forutsigbar finansiering før vi forplikter oss.\n"
            "Særlig for små kommuner er dette avgjørende.",
            _ns(5, "1001", "I", Q3),
            None,
            None,
            None,
            None,
            True,
        ),
        ("Ålesund", f"{Q1}: Helt uenig", _ns(7, "1002", "G", Q1), POS, None, OPP, None, False),
        ("Ålesund", f"{Q2}: Vet ikke", _ns(7, "1002", "H", Q2), POS, None, NEU, None, False),
        ("Lørenskog", f"{Q1}: Verken enig eller uenig", _ns(9, "1004", "G", Q1), POS, None, NEU, None, False),
        ("Lørenskog", f"{Q2}: Delvis uenig", _ns(9, "1004", "H", Q2), POS, None, OPP, None, False),
        (
            "Lørenskog",
            "Samhandlingen med fastlegene må være på plass; ellers faller gevinsten bort.",
            _ns(9, "1004", "I", Q3),
            None,
            None,
            None,
            None,
            True,
        ),
    ]
    assert _submission_meta(result)[0] == (
        "Bodø kommune",
        Channel.SURVEY,
        Locator(NS, row=5, response_id="1001", line=5),
        "post@bodo.example.no",
        "Åse Ødegård",
        date(2025, 3, 12),
        (),
    )
    assert [s.submitted_on for s in result.submissions] == [
        date(2025, 3, 12),
        date(2025, 3, 13),
        date(2025, 3, 15),
    ]
    assert [(r.locator, r.reason, r.category) for r in result.rejections] == [
        (
            Locator(NS, row=7, response_id="1003", line=8),
            "fil 'nettskjema_cp1252.csv', rad 7, linje 8: svaret har ingen utfylte spørsmål – ingenting å ta med",
            "empty",
        )
    ]
    assert {"tegnkoding: cp1252", "skilletegn: semikolon"} <= set(result.notes)
    assert any(n.startswith("spørreskjema (nettskjema), overskrift i rad 4") for n in result.notes)


def test_questback_nynorsk() -> None:
    """Questback CSV with BOM: nynorsk Likert words and respondent question."""
    result = _read("questback_bom.csv")
    q = "Akson vil gje betre samhandling"
    rows = [
        (resp, text, loc.response_id, loc.line, stance)
        for resp, text, loc, _, _, stance, _, _ in _flat(result)
    ]
    assert rows == [
        ("Voss herad", f"{q}: Heilt einig", "7", 2, SUP),
        ("Voss herad", "Framdrifta er for rask, og kommunen treng meir tid til å førebu seg.", "7", 2, None),
        ("Stryn", f"{q}: Delvis ueinig", "8", 3, OPP),
        ("Sogndal", f"{q}: Veit ikkje", "9", 4, NEU),
        (
            "Sogndal",
            "Vi ønskjer at KS koordinerer innføringa for heile regionen, ikkje berre dei store.",
            "9",
            4,
            None,
        ),
    ]
    assert "tegnkoding: utf-8-sig" in result.notes
    assert {s.channel for s in result.submissions} == {Channel.SURVEY}


def test_generic_latin1() -> None:
    """Generic ISO-8859-1 table with '|': respondent, dates in three spellings, numeric Likert in a ragged row."""
    result = _read("generic_latin1.csv")
    assert [(s.respondent, s.submitted_on, s.locator.line, s.channel) for s in result.submissions] == [
        ("Molde", date(2025, 3, 10), 2, Channel.SPREADSHEET),
        ("Hå", date(2025, 3, 10), 4, Channel.SPREADSHEET),
        ("Kristiansund", date(2025, 3, 11), 5, Channel.SPREADSHEET),
    ]
    assert [(p.text, p.hint_stance) for s in result.submissions for p in s.passages][-1] == (
        "Vurdering: 4",
        CON,
    )
    assert "skilletegn: loddrett strek" in result.notes


def test_forms_xlsx() -> None:
    """Forms xlsx: numbers 1-5 (5 = helt enig), completion time as date, sheet/row locators."""
    result = _read("forms.xlsx")
    q = "Akson bør innføres i alle kommuner innen 2030"
    loc = Locator("forms.xlsx", sheet="Sheet1", row=2, column="G", response_id="1", question=q)
    assert _flat(result)[0] == ("Drammen", f"{q}: 5", loc, POS, None, SUP, None, False)
    assert _submission_meta(result) == [
        (
            "Drammen",
            Channel.SURVEY,
            Locator("forms.xlsx", sheet="Sheet1", row=2, response_id="1"),
            "ola@drammen.example.no",
            "Ola Nordmann",
            date(2025, 2, 3),
            (),
        ),
        (
            "Lillestrøm",
            Channel.SURVEY,
            Locator("forms.xlsx", sheet="Sheet1", row=3, response_id="2"),
            None,
            None,
            date(2025, 2, 4),
            (),
        ),
    ]
    assert [r.locator.row for r in result.rejections] == [4]


def test_ks_template_bokmal() -> None:
    """KS template: metadata block, hints from columns A/C/D, unknown tema kept without hint, empty text rejected."""
    name = "ks_mal_bokmal.xlsx"
    result = _read(name)

    def loc(row: int) -> Locator:
        return Locator(name, sheet="Innspill", row=row, column="B")

    r = "Bergen kommune"
    assert _flat(result) == [
        (
            r,
            "Staten må dekke etableringskostnadene fullt ut.",
            loc(9),
            POS,
            "finansiering",
            None,
            "Høy",
            True,
        ),
        (
            r,
            "Vi trenger felles journal med fastlegene for å unngå dobbeltregistrering.",
            loc(10),
            NEED,
            "journal",
            None,
            "Middels",
            True,
        ),
        (r, "Møtene bør legges til tirsdager.", loc(11), OTHER, None, None, "Lav", True),
        (
            r,
            "=Tilgangsstyringen må være på plass før oppstart.",
            loc(14),
            POS,
            "personvern",
            None,
            None,
            True,
        ),
    ]
    assert _submission_meta(result) == [
        (
            r,
            Channel.SPREADSHEET,
            Locator(name, sheet="Innspill"),
            "kari.nordmann@bergen.example.no",
            "Kari Nordmann",
            date(2025, 3, 12),
            (),
        )
    ]
    assert [(rj.locator, rj.reason) for rj in result.rejections] == [
        (
            loc(12),
            "regneark 'ks_mal_bokmal.xlsx', ark 'Innspill', rad 12: kolonnen 'Innspill' er tom, "
            "men raden har andre verdier – skriv inn innspillet eller slett raden",
        )
    ]
    assert any("rad 11: ukjent tema 'kaffe'" in n for n in result.notes)
    assert "ark 'Veiledning': hjelpeark i KS-malen, ikke lest som innspill" in result.notes


def test_ks_template_nynorsk() -> None:
    """Nynorsk template: header lower down, nynorsk labels and priorities, date written as text."""
    name = "ks_mal_nynorsk.xlsx"
    result = _read(name)
    assert _flat(result) == [
        (
            "Voss herad",
            "Kommunen treng støtte til opplæring av tilsette før innføringa.",
            Locator(name, sheet="Innspel", row=11, column="B"),
            NEED,
            "innforing",
            None,
            "Høy",
            True,
        ),
        (
            "Voss herad",
            "Tidsplanen er for stram for små kommunar.",
            Locator(name, sheet="Innspel", row=12, column="B"),
            POS,
            "fremdrift",
            None,
            "Middels",
            True,
        ),
    ]
    assert result.submissions[0].submitted_on == date(2025, 3, 3)
    assert result.submissions[0].email == "ingrid@voss.example.no"


@pytest.mark.parametrize("name", ["freeform.xlsx", "freeform.xlsm"])
def test_freeform_workbook(name: str) -> None:
    """Free-form workbook: offset header, merged respondent, cached formula text, '+' text, hidden sheet read."""
    result = _read(name)
    rows = [(s.respondent, s.submitted_on, p.locator, p.text) for s in result.submissions for p in s.passages]
    assert rows == [
        (
            "Hamar",
            date(2025, 3, 1),
            Locator(name, sheet="Oversikt", row=5, column="B", question="Innspill"),
            "Vi ønsker at Akson prioriterer samhandling med sykehusene i første fase.",
        ),
        (
            "Hamar",
            date(2025, 3, 2),
            Locator(name, sheet="Oversikt", row=6, column="B", question="Innspill"),
            "Finansieringsmodellen må ta hensyn til kommuner med spredt bosetting.",
        ),
        (
            "Elverum",
            None,
            Locator(name, sheet="Oversikt", row=8, column="B", question="Innspill"),
            "Kommunen trenger mer tid til forberedelse før innføringen starter.",
        ),
        (
            "Løten",
            None,
            Locator(name, sheet="Oversikt", row=9, column="B", question="Innspill"),
            "+47 er landskoden; brukerstøtten må være tilgjengelig på telefon hele døgnet.",
        ),
        (
            "",
            None,
            Locator(name, sheet="Notater", row=2, column="A"),
            "Dette arket var skjult, men innspillet om personvern skal likevel med i vurderingen.",
        ),
    ]
    assert result.submissions[-1].context == (name, "Notater")
    assert "ark 'Notater' er skjult, men ble lest" in result.notes
    assert "ark 'Tall': ingen fritekst funnet – arket er hoppet over" in result.notes


def test_survey_ods() -> None:
    """Hand-built ODS with LibreOffice's trailing repeated rows: read, not refused."""
    result = _read("survey.ods")
    q = "Felles journal er viktigere enn lokal tilpasning"
    assert [
        (s.respondent, p.text, p.locator.row, p.hint_stance) for s in result.submissions for p in s.passages
    ] == [
        ("Narvik", f"{q}: Helt enig", 2, SUP),
        (
            "Narvik",
            "Felles journal gir bedre pasientsikkerhet når pasienter flytter mellom kommuner.",
            2,
            None,
        ),
        ("Alta", f"{q}: Delvis enig", 3, CON),
    ]
