"""Layout files, the KS template file, free-form grouping and the fixture generator."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.base import Limits
from connectors.freeform import read_freeform_sheet
from connectors.grid import Grid
from connectors.survey import load_layout
from connectors.tabular import TabularConnector
from connectors.templates.make_template import build_template
from models.records import Locator, Stance

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "tabular"

SURVEY = (
    "Svar;Fra;Skala 1 = helt enig, 5 = helt uenig;Staten bør betale;Fritekst;Intern\n"
    "a1;Bodø;;1;Vi trenger mer tid før innføringen starter;x\n"
    "a2;Tromsø;;5;;y\n"
)
LAYOUT = """
[columns]
"Svar" = "response_id"
"Fra" = "respondent"
"Fritekst" = "free_text"
"Intern" = "ignore"
[themes]
"Staten bør betale" = "finansiering"
"""


def test_layout_file_maps_roles(tmp_path: Path) -> None:
    """A layout file names the respondent column, themes a Likert question, and a legend flips the scale."""
    path = tmp_path / "svar.csv.layout.toml"
    path.write_text(LAYOUT, encoding="utf-8")
    layout = load_layout(path)
    result = TabularConnector().read("svar.csv", io.BytesIO(SURVEY.encode()), Limits(), layout=layout)
    got = [
        (s.respondent, p.text, p.hint_theme, p.hint_stance, p.locator)
        for s in result.submissions
        for p in s.passages
    ]
    assert got == [
        (
            "Bodø",
            "Staten bør betale: 1",
            "finansiering",
            Stance.SUPPORT,
            Locator("svar.csv", row=2, column="D", response_id="a1", question="Staten bør betale", line=2),
        ),
        (
            "Bodø",
            "Vi trenger mer tid før innføringen starter",
            None,
            None,
            Locator("svar.csv", row=2, column="E", response_id="a1", question="Fritekst", line=2),
        ),
        (
            "Tromsø",
            "Staten bør betale: 5",
            "finansiering",
            Stance.OPPOSE,
            Locator("svar.csv", row=3, column="D", response_id="a2", question="Staten bør betale", line=3),
        ),
    ]
    assert "skala: 1 = helt enig" in result.notes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\n"Fra" = "kommune"\n', "column 'Fra' has unknown role 'kommune'"),
        ('[survey]\nscale = "10=enig"\n', "survey.scale must be '5=enig' or '1=enig', not '10=enig'"),
    ],
)
def test_layout_file_errors(tmp_path: Path, text: str, message: str) -> None:
    """A bad layout file raises ValueError naming the file and the problem."""
    path = tmp_path / "x.layout.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.layout\.toml: ") as info:
        load_layout(path)
    assert message in str(info.value)


def test_freeform_groups_by_respondent() -> None:
    """Free-form rows are grouped per respondent value, located by sheet/row/column, '=' text kept as text."""
    long_a = "Kommunen trenger et felles opplæringsprogram for alle ansatte i helse og omsorg."
    long_b = "=Vi mener fremdriften må tilpasses kommunenes økonomi og kapasitet."
    grid = Grid(
        "Ark1",
        (
            ("Oppsummering fra møtet", None, None),
            (None, None, None),
            ("Kommune", None, "Hva mener dere?"),
            ("Vik", None, long_a),
            ("Vik", None, long_b),
            ("Sola", None, "Enig i det over."),
        ),
    )
    subs, rejections, notes = read_freeform_sheet("møte.xlsx", grid)
    assert [(s.respondent, [(p.text, p.locator) for p in s.passages]) for s in subs] == [
        (
            "Vik",
            [
                (long_a, Locator("møte.xlsx", sheet="Ark1", row=4, column="C")),
                (long_b, Locator("møte.xlsx", sheet="Ark1", row=5, column="C")),
            ],
        ),
        ("Sola", [("Enig i det over.", Locator("møte.xlsx", sheet="Ark1", row=6, column="C"))]),
    ]
    assert rejections == []
    assert notes == ["ark 'Ark1': fritt format, tekstkolonne C, overskrift i rad 3, respondentkolonne A"]


def test_template_file_layout() -> None:
    """The committed template has the agreed layout, a hidden Lister sheet and dropdowns."""
    wb = load_workbook(REPO / "connectors" / "templates" / "ks_innspillsmal.xlsx")
    assert wb.sheetnames == ["Innspill", "Lister", "Veiledning"]
    ws = wb["Innspill"]
    assert ws["A1"].value == "Innspill til Akson – KS"
    assert [ws.cell(row=r, column=1).value for r in range(3, 7)] == [
        "Kommune",
        "Kontaktperson",
        "E-post",
        "Dato",
    ]
    assert [c.value for c in ws[8]][:4] == ["Tema", "Innspill", "Behov eller posisjon", "Prioritet"]
    assert wb["Lister"].sheet_state == "hidden"
    assert [c.value for c in wb["Lister"]["A"]][1:] == [
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
    ]
    assert sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation) == [
        "A9:A208",
        "C9:C208",
        "D9:D208",
    ]
    built = build_template()
    for sheet in ("Innspill", "Lister", "Veiledning"):
        assert [[c.value for c in row] for row in built[sheet].iter_rows()] == [
            [c.value for c in row] for row in wb[sheet].iter_rows()
        ]


def test_fixture_script_is_deterministic(tmp_path: Path) -> None:
    """Regenerating the golden fixtures gives byte-identical files to the committed ones."""
    subprocess.run(
        [sys.executable, str(REPO / "tests" / "fixtures" / "make_tabular_fixtures.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    committed = sorted(p.name for p in FIXTURES.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


LONG = "Kommunen trenger bedre opplæring og mer tid før innføringen."


@pytest.mark.parametrize(
    ("header", "row", "flavour"),
    [
        (("Svar-ID", "Innsendt", "Kommune", "Spørsmål"), ("1", "12.03.2025", "Vik", LONG), "nettskjema"),
        (
            ("ID", "Start time", "Completion time", "Kommune", "Q"),
            ("1", None, None, "Vik", "Helt enig"),
            "forms",
        ),
        (("Respondentnummer", "Kommunenavn", "Q"), ("1", "Vik", LONG), "questback"),
        (("Virksomhet", "Påstand"), ("Vik", "Delvis uenig"), "generic"),
        (("Kva kommune representerer du?", "Påstand"), ("Vik", 3), "generic"),
        (("Kommunen bør betale?", "Påstand"), ("Ja", "Delvis uenig"), None),
        (("Navn", "Notat"), ("Vik", LONG), None),
    ],
)
def test_detect_survey_flavour(
    header: tuple[object, ...], row: tuple[object, ...], flavour: str | None
) -> None:
    """Flavour comes from header signatures; a table needs a respondent column and an answer column."""
    from connectors.survey import detect_survey

    layout = detect_survey(Grid("Ark1", (header, row)))
    assert (layout.flavour if layout else None) == flavour


def test_unknown_likert_answer_is_noted() -> None:
    """An answer in a Likert column that is no scale answer is skipped with a note naming file and line."""
    data = "Kommune;Påstand\nVik;Helt enig\nSola;Helt enig\nLom;Kanskje\n".encode()
    result = TabularConnector().read("p.csv", io.BytesIO(data), Limits())
    assert [s.respondent for s in result.submissions] == ["Vik", "Sola"]
    assert (
        "fil 'p.csv', rad 4, linje 4: svaret 'Kanskje' på 'Påstand' er ikke et skalasvar – hoppet over"
        in result.notes
    )
    assert [r.reason for r in result.rejections] == [
        "fil 'p.csv', rad 4, linje 4: svaret har ingen utfylte spørsmål – ingenting å ta med"
    ]


@pytest.mark.parametrize(
    ("title", "respondent"),
    [
        ("Innspill til Akson fra Bergen kommune", "Bergen kommune"),
        ("Innspel til Akson frå 4621 Voss.", "4621 Voss"),
        ("Oppsummering", ""),
    ],
)
def test_freeform_title_names_respondent(title: str, respondent: str) -> None:
    """Without a respondent column a title "... fra X" names the respondent; an Område column gives the theme."""
    grid = Grid(
        "Innspill",
        ((title, None, None), (None, None, None), ("Nr", "Område", "Innspill"), (1, "journal", LONG)),
    )
    subs, _, _ = read_freeform_sheet("f.xlsx", grid)
    assert [(s.respondent, s.context, [p.hint_theme for p in s.passages]) for s in subs] == [
        (respondent, ("f.xlsx", "Innspill", title), ["journal"])
    ]
