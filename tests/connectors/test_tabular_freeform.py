"""Free-form sheets: merged titles, header rows above short statements, titles naming the respondent."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from connectors.base import Limits
from connectors.freeform import find_header, find_text_column, read_freeform_sheet
from connectors.grid import Cell, Grid
from connectors.synthetic import generate_inbox, municipalities_from_csv
from connectors.tabular import TabularConnector
from models.records import Locator

REPO = Path(__file__).resolve().parents[2]
TROMSO = "Tromso_kommune_innspill_Akson.xlsx"
LONG = "Kommunen trenger et felles opplæringsprogram for alle ansatte i helse og omsorg."
SHORT = "Vi støtter hovedinnretningen i Akson."
TITLE = "Innspill til Akson fra Modum kommune"
MERGED = (TITLE, TITLE, TITLE)
BLANK: tuple[Cell, ...] = (None, None, None)
HEADER: tuple[Cell, ...] = ("Nr", "Område", "Innspill")


def test_example_file_reads_statements_and_respondent() -> None:
    """The committed Tromsø workbook: its merged title names the respondent and is no statement."""
    with (REPO / "examples" / "inbox" / TROMSO).open("rb") as fp:
        result = TabularConnector().read(TROMSO, fp, Limits())
    got = [(s.respondent, p.locator, p.text, p.hint_theme) for s in result.submissions for p in s.passages]
    assert got == [
        (
            "Tromsø kommune",
            Locator(TROMSO, sheet="Innspill", row=5, column="C"),
            "Kommunen trenger bedre meldingsutveksling med Universitetssykehuset.",
            "samhandling",
        ),
        (
            "Tromsø kommune",
            Locator(TROMSO, sheet="Innspill", row=6, column="C"),
            "Vi er kritiske til den foreslåtte kostnadsfordelingen.",
            "finansiering",
        ),
        (
            "Tromsø kommune",
            Locator(TROMSO, sheet="Innspill", row=7, column="C"),
            "Journalen må fungere uten nett i distriktene.",
            "journal",
        ),
        (
            "Tromsø kommune",
            Locator(TROMSO, sheet="Innspill", row=8, column="C"),
            "Det er behov for støtte til endringsledelse i tjenestene.",
            "innforing",
        ),
        (
            "",
            Locator(TROMSO, sheet="Vurderinger", row=4, column="B"),
            "Tromsø kommune støtter hovedinnretningen, men ønsker sterkere kommunal innflytelse.",
            "styring",
        ),
        (
            "",
            Locator(TROMSO, sheet="Vurderinger", row=5, column="B"),
            "Tidsplanen fremstår som lite realistisk for kommuner i nord.",
            "fremdrift",
        ),
    ]
    assert result.submissions[0].context == (
        TROMSO,
        "Innspill",
        "Tromsø kommune – innspill til Akson",
        "Behandlet i helse- og omsorgskomiteen 11.02.2025",
    )
    assert result.notes[1:] == (
        "ark 'Innspill': fritt format, tekstkolonne C, overskrift i rad 4, ingen respondentkolonne",
        "ark 'Vurderinger': fritt format, tekstkolonne B, overskrift i rad 3, ingen respondentkolonne",
    )


@pytest.mark.parametrize(
    ("seed", "variants"),
    [(1, True), (4, True), (1, False)],
)
def test_synthetic_freeform_files_match_ground_truth(
    tmp_path: Path, shared_dir: Path, seed: int, variants: bool
) -> None:
    """Every synthetic free-form workbook yields exactly its ground-truth statements, at their cells."""
    munis = municipalities_from_csv(shared_dir / "reference" / "kommuner.csv")
    report = generate_inbox(
        tmp_path,
        seed=seed,
        municipalities=munis,
        statements=500,
        channels=("spreadsheet",),
        variants=variants,
    )
    expected: dict[str, list[tuple[str, int, str, str]]] = defaultdict(list)
    with report.ground_truth.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["file_kind"] == "freeform_xlsx":
                expected[row["file"]].append((row["sheet"], int(row["row"]), row["column"], row["text"]))
    assert report.files_by_kind["freeform_xlsx"] == len(expected)
    got: dict[str, list[tuple[str, int, str, str]]] = {}
    for name in expected:
        with (report.inbox_dir / name).open("rb") as fp:
            result = TabularConnector().read(name, fp, Limits())
        got[name] = [
            (str(p.locator.sheet), int(p.locator.row or 0), str(p.locator.column), p.text)
            for s in result.submissions
            for p in s.passages
        ]
    assert sum(map(len, got.values())) == sum(map(len, expected.values()))
    assert got == expected


@pytest.mark.parametrize(
    ("rows", "found", "header"),
    [
        # merged title, header, a short first statement, then long ones (lost to the header slot before)
        ((MERGED, BLANK, BLANK, HEADER, (1, "styring", SHORT), (2, "journal", LONG)), (2, 5), (3, 4)),
        # only short statements: the "Innspill" header names the text column
        ((MERGED, BLANK, HEADER, (1, "annet", SHORT)), (2, 3), (2, 3)),
        # a header whose text cell is a question, a respondent column beside it
        ((("Kommune", None, "Hva mener dere?"), ("Vik", None, SHORT), ("Vik", None, LONG)), (2, 2), (0, 1)),
        # no header at all: the short sentence above the first long one is a statement too
        (((SHORT,), (LONG,)), (0, 1), (None, 0)),
        # a plain label above the text is its header
        ((("Merknader fra rådet",), (LONG,)), (0, 1), (0, 1)),
        # a merged title only, with no header below, is not read as a header or a statement
        ((MERGED, (None, None, LONG)), (2, 1), (None, 1)),
    ],
)
def test_find_header(
    rows: tuple[tuple[Cell, ...], ...], found: tuple[int, int], header: tuple[int | None, int]
) -> None:
    """Text column and first text row, then (header row, first passage row), all 0-based."""
    grid = Grid("Innspill", rows)
    assert find_text_column(grid) == found
    assert find_header(grid, *found) == header


@pytest.mark.parametrize(
    "rows",
    [
        (MERGED, BLANK, ("Ingen flere innspill.", None, None)),
        ((None, 1, 2.5), ("Tall", None, None)),
    ],
)
def test_sheet_without_free_text_is_skipped(rows: tuple[tuple[Cell, ...], ...]) -> None:
    """A sheet with no long text and no text-column header yields nothing, with a note."""
    assert read_freeform_sheet("f.xlsx", Grid("Tillegg", rows)) == (
        [],
        [],
        ["ark 'Tillegg': ingen fritekst funnet – arket er hoppet over"],
    )


@pytest.mark.parametrize(
    ("title", "respondent"),
    [
        ("Tromsø kommune – innspill til Akson", "Tromsø kommune"),
        ("Voss herad: innspel til Akson", "Voss herad"),
        ("Høringssvar fra Hå kommune.", "Hå kommune"),
        ("Bodø kommune - høringssvar", "Bodø kommune"),
        ("Innspill til Akson", ""),
    ],
)
def test_title_names_respondent(title: str, respondent: str) -> None:
    """A title "X – innspill ..." or "... fra X" names the respondent of a sheet without a respondent column."""
    grid = Grid("Innspill", ((title, None, None), BLANK, HEADER, (1, "journal", SHORT)))
    subs, _, _ = read_freeform_sheet("f.xlsx", grid)
    assert [(s.respondent, [p.text for p in s.passages]) for s in subs] == [(respondent, [SHORT])]
