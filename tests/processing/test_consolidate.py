"""Consolidation: a hand-computed scenario, rule tables, invariants (hypothesis) and determinism."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from models.records import Channel, Municipality, RespondentKind, Stance, StatementRow, StatementType
from processing.consolidate import (
    ConsolidationConfigError,
    combine_stances,
    consolidate,
    load_config,
    parse_config,
)
from processing.consolidation.sample import (
    STEERING_GROUP,
    municipalities_from_csv,
    sample_declarations,
    sample_rows,
    statement_row,
)
from reports.delivery import consolidated_json
from reports.workbook import render_workbook

THEMES = ("finansiering", "personvern", "styring")


@pytest.fixture(scope="module")
def municipalities(shared_dir: Path) -> dict[str, Municipality]:
    return municipalities_from_csv((shared_dir / "reference" / "kommuner.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(municipalities: dict[str, Municipality]) -> dict[str, Any]:
    return consolidate(
        sample_rows(municipalities),
        municipalities,
        STEERING_GROUP,
        load_config(),
        declarations=sample_declarations(),
        taxonomy_keys=THEMES,
        generated_from={"run_id": 7},
    ).to_dict()


def theme(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in data["themes"] if t["theme"] == key)


# --- rule table -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        ({"support", "oppose"}, "mixed"),
        ({"support", "oppose", "conditional"}, "mixed"),
        ({"oppose", "conditional"}, "oppose"),
        ({"oppose", "neutral"}, "oppose"),
        ({"support", "conditional"}, "conditional"),
        ({"support", "neutral"}, "support"),
        ({"support"}, "support"),
        ({"conditional"}, "conditional"),
        ({"conditional", "neutral"}, "conditional"),
        ({"neutral"}, "neutral"),
        (set(), "none"),
    ],
)
def test_combine_stances_rule_table(stated: set[str], expected: str) -> None:
    """A municipality's stances on a theme combine per the documented table; support+oppose is mixed."""
    assert combine_stances(stated) == expected


# --- the hand-computed scenario -----------------------------------------------------------------
# Populations 1.1.2024 (reference/kommuner.csv): Oslo 0301 717 710, Bergen 4601 291 940,
# Stavanger 1103 149 048, Kristiansand 4204 116 986, Bodø 1804 53 712, Trondheim 5001 214 565 (Midt-Norge).
# National 5 550 203; outside Midt-Norge 5 550 203 - 270 624 (Møre og Romsdal) - 482 956 (Trøndelag)
# - 1 399 (Bindal) = 4 795 224 in 357 - 27 - 38 - 1 = 291 municipalities.


def test_totals(result: dict[str, Any]) -> None:
    """Totals come from the municipality list: 357 municipalities, national and outside-Midt population."""
    assert result["totals"] == {
        "municipalities": 357,
        "national_population": 5_550_203,
        "municipalities_outside_midt": 291,
        "outside_midt_population": 4_795_224,
        "statements": 16,
        "population_reference_date": "2024-01-01",
    }
    assert result["generated_from"] == {"run_id": 7}


def test_theme_finansiering(result: dict[str, Any]) -> None:
    """Finansiering: six municipalities, Oslo mixed, 4 of 6 for -> 'flertall for', Bodø dissents."""
    t = theme(result, "finansiering")
    assert t["label"] == "Finansiering"
    # 717 710 + 291 940 + 149 048 + 116 986 + 53 712 + 214 565 = 1 543 961; / 5 550 203 = 0.278181
    assert t["raised"]["count"] == 6
    assert t["raised"]["population"] == 1_543_961
    assert t["raised"]["share_national"] == 0.278181
    # without Trondheim: 1 543 961 - 214 565 = 1 329 396; / 4 795 224 = 0.277233
    assert t["raised"]["population_outside_midt"] == 1_329_396
    assert t["raised"]["share_outside_midt"] == 0.277233
    assert t["raised"]["kommunenummer"] == ["0301", "1103", "1804", "4204", "4601", "5001"]
    counts = {s: f["count"] for s, f in t["stances"].items()}
    assert counts == {"support": 3, "oppose": 1, "conditional": 1, "neutral": 0, "mixed": 1, "none": 0}
    # support = Bergen + Stavanger + Trondheim = 291 940 + 149 048 + 214 565 = 655 553
    assert t["stances"]["support"]["population"] == 655_553
    assert t["stances"]["support"]["kommunenummer"] == ["1103", "4601", "5001"]
    assert t["stances"]["mixed"]["kommunenummer"] == ["0301"]
    # for = support 3 + conditional 1 = 4 of 6 = 0.666667 (< 0.75, > 0.5); against 1/6
    assert (t["for_share"], t["against_share"]) == (0.666667, 0.166667)
    assert t["consensus"] == "flertall for"
    assert t["majority"] == "for"
    assert [(d["kommunenummer"], d["name"], d["population"], d["stance"]) for d in t["dissent"]] == [
        ("1804", "Bodø", 53_712, "oppose")
    ]
    quote = t["dissent"][0]["quote"]
    assert (quote["statement_id"], quote["text"]) == (7, "Bodø kommune går imot finansieringsmodellen.")
    assert quote["locator"] == "innboks/Bodø.eml | part=1 | line=7"
    oslo = next(m for m in t["municipalities"] if m["kommunenummer"] == "0301")
    assert (oslo["stance"], oslo["stated"], oslo["statement_ids"]) == ("mixed", ["oppose", "support"], [1, 2])


def test_theme_personvern(result: dict[str, Any]) -> None:
    """Personvern: needs-only municipalities count as 'none'; 2 of 3 with a position oppose."""
    t = theme(result, "personvern")
    # Oslo, Stavanger, Kristiansand, Bergen, Bodø = 1 329 396
    assert (t["raised"]["count"], t["raised"]["population"]) == (5, 1_329_396)
    counts = {s: f["count"] for s, f in t["stances"].items()}
    assert counts == {"support": 0, "oppose": 2, "conditional": 0, "neutral": 1, "mixed": 0, "none": 2}
    assert t["stances"]["oppose"]["population"] == 717_710 + 149_048
    assert t["stances"]["none"]["kommunenummer"] == ["1804", "4601"]
    assert t["with_position"]["count"] == 3
    # against 2/3 = 0.666667: > 0.5 but < 0.75
    assert (t["for_share"], t["against_share"], t["consensus"], t["majority"]) == (
        0.0,
        0.666667,
        "flertall imot",
        "imot",
    )
    assert t["dissent"] == []


def test_theme_nobody_raised(result: dict[str, Any]) -> None:
    """A taxonomy theme nobody raised is listed with zero figures and 'for lite grunnlag'."""
    t = theme(result, "styring")
    assert (t["raised"]["count"], t["consensus"], t["majority"], t["dissent"]) == (
        0,
        "for lite grunnlag",
        None,
        [],
    )


def test_quotes_are_chosen_deterministically_and_redacted(result: dict[str, Any]) -> None:
    """Quotes: highest confidence, then population, then id; one per respondent; personal data removed."""
    support = theme(result, "finansiering")["quotes"]["support"]
    # id 4 (confidence 0.95) first, then Oslo (717 710) and Bergen (291 940) at 0.9
    assert [q["statement_id"] for q in support] == [4, 1, 3]
    assert support[0]["text"] == "Vi støtter modellen. Kontakt rådgiver [navn fjernet] på [telefon fjernet]."
    oppose = theme(result, "finansiering")["quotes"]["oppose"]
    assert [(q["statement_id"], q["respondent"]) for q in oppose] == [
        (2, "Oslo"),
        (7, "Bodø"),
        (10, "Den norske legeforening"),
    ]


def test_needs_grouped_and_ranked(result: dict[str, Any]) -> None:
    """Near-identical needs (ids 12, 13) form one group ranked first: 2 municipalities, 345 652 people."""
    needs = [
        (
            n["rank"],
            n["theme"],
            n["statement_ids"],
            n["municipalities"]["kommunenummer"],
            n["municipalities"]["population"],
        )
        for n in result["needs"]
    ]
    assert needs == [
        (1, "personvern", [12, 13], ["1804", "4601"], 291_940 + 53_712),
        (2, "finansiering", [5], ["1103"], 149_048),
    ]
    assert result["needs"][0]["text"] == "Kommunene trenger en felles databehandleravtale for Akson."


def test_coverage(result: dict[str, Any]) -> None:
    """Coverage: 6 responded, 351 silent; channels, Rogaland and the steering group are exact."""
    cov = result["coverage"]
    assert (cov["responded"]["count"], cov["responded"]["population"]) == (6, 1_543_961)
    # 5 550 203 - 1 543 961 = 4 006 242
    assert (cov["not_responded"]["count"], cov["not_responded"]["population"]) == (351, 4_006_242)
    channels = {c: (f["kommunenummer"], f["population"]) for c, f in cov["by_channel"].items()}
    assert channels == {
        "email": (["0301", "4204"], 717_710 + 116_986),
        "spreadsheet": (["1804", "4601"], 53_712 + 291_940),
        "survey": (["1103", "5001"], 149_048 + 214_565),
    }
    rogaland = next(c for c in cov["by_county"] if c["key"] == "11")
    # 149 048 / 499 417 = 0.298444
    assert (rogaland["responded"], rogaland["total"], rogaland["share_population"]) == (1, 23, 0.298444)
    steering = {m["kommunenummer"]: m["responded"] for m in cov["steering_group"]}
    assert steering == {
        "0301": True,
        "1103": True,
        "1804": True,
        "3201": False,
        "4036": False,
        "4204": True,
        "4601": True,
    }


def test_counties_organisations_and_unresolved_are_separate(result: dict[str, Any]) -> None:
    """Counties and organisations get their own section; the unresolved respondent is only counted."""
    assert result["other_respondents"] == [
        {
            "kind": "county",
            "name": "Vestland fylkeskommune",
            "statement_ids": [9],
            "themes": {"finansiering": "support"},
        },
        {
            "kind": "organisation",
            "name": "Den norske legeforening",
            "statement_ids": [10],
            "themes": {"finansiering": "oppose"},
        },
    ]
    assert result["unresolved"] == {
        "respondents": 1,
        "statements": 1,
        "statement_ids": [11],
        "by_channel": {"email": 1},
    }
    assert "Ola" not in json.dumps(result, ensure_ascii=False)


def test_declarations(result: dict[str, Any]) -> None:
    """Signed outside Midt-Norge: Oslo, Bergen, Stavanger = 1 158 698 / 4 795 224 = 24.2 %: targets missed."""
    d = result["declarations"]
    assert d["provided"] is True
    assert d["signed"]["kommunenummer"] == ["0301", "1103", "4601", "5001"]
    assert d["signed_outside_midt"]["population"] == 1_158_698
    assert d["population_share_outside_midt"] == 0.241636
    assert d["municipality_share_outside_midt"] == 0.010309  # 3 / 291
    assert [(t["value"], t["actual"], t["met"]) for t in d["targets"]] == [
        (0.5, 0.241636, False),
        (0.55, 0.241636, False),
    ]
    assert [n["name"] for n in d["non_signers_outside_midt"][:3]] == ["Bærum", "Kristiansand", "Drammen"]
    assert len(d["non_signers_outside_midt"]) == 288


def test_workbook_shows_the_same_figures(
    municipalities: dict[str, Municipality], result: dict[str, Any]
) -> None:
    """The workbook's cells carry the hand-computed figures with percent and thousands formats."""
    rows = sample_rows(municipalities)
    wb = load_workbook(io.BytesIO(render_workbook(result, rows, None, None)))
    ws = wb["Posisjoner per tema"]
    assert [c.value for c in ws[2]][:13] == [
        "Finansiering",
        "finansiering",
        6,
        1_543_961,
        0.278181,
        0.277233,
        6,
        3,
        1,
        1,
        0,
        1,
        0,
    ]
    assert ws["E2"].number_format == "0.0%"
    assert ws["D2"].number_format == "#,##0"
    assert ws.cell(row=2, column=22).value == "flertall for"
    dissent = wb["Dissens"]
    assert [c.value for c in dissent[2]][:5] == ["Finansiering", "1804", "Bodø", 53_712, "Imot"]
    decl = wb["Intensjonserklæringer"]
    assert (decl["A7"].value, decl["B7"].value) == ("Andel av innbyggerne utenfor Midt-Norge", 0.241636)


# --- changes since the previous delivery -------------------------------------------------------


def test_changes_since_previous(municipalities: dict[str, Municipality], result: dict[str, Any]) -> None:
    """New, changed and withdrawn positions and moved figures are listed against the previous JSON."""
    rows = [r for r in sample_rows(municipalities) if r.statement_id not in (2, 7, 13)]
    rows.append(
        statement_row(
            17,
            "Trondheim støtter tilgangsmodellen.",
            kommunenummer="5001",
            name="Trondheim",
            theme="personvern",
            stance=Stance.SUPPORT,
        )
    )
    previous = consolidate(rows, municipalities, STEERING_GROUP, taxonomy_keys=THEMES).to_dict()
    changes = consolidate(
        sample_rows(municipalities), municipalities, STEERING_GROUP, previous=previous, taxonomy_keys=THEMES
    ).to_dict()["changes"]
    assert changes["previous_available"] is True
    assert [(c["kommunenummer"], c["theme"], c["before"], c["after"]) for c in changes["new"]] == [
        ("1804", "finansiering", None, "oppose")
    ]
    assert [(c["kommunenummer"], c["theme"], c["before"], c["after"]) for c in changes["changed"]] == [
        ("0301", "finansiering", "support", "mixed")
    ]
    assert [(c["kommunenummer"], c["theme"], c["before"], c["after"]) for c in changes["withdrawn"]] == [
        ("5001", "personvern", "support", None)
    ]
    moved = {(f["theme"], f["figure"]): (f["before"], f["after"]) for f in changes["figures"]}
    assert moved[("finansiering", "raised.count")] == (5, 6)
    # before: 1 for, 2 against of 4 with a position -> "delt"; now 0 for, 2 of 3 against
    assert moved[("personvern", "consensus")] == ("delt", "flertall imot")
    assert ("styring", "consensus") not in moved
    assert result["changes"] == {
        "previous_available": False,
        "new": [],
        "changed": [],
        "withdrawn": [],
        "figures": [],
    }


# --- config -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[consensus]\nbroad_support = 1.5",
            "consolidation.toml: 'broad_support' must be a share between 0 and 1, got 1.5",
        ),
        ("[needs]\nsimilarity = 0", "consolidation.toml: needs.similarity must be in (0, 100], got 0"),
        (
            '[[declarations.targets]]\nmetric = "x"\nvalue = 0.5',
            "consolidation.toml: declarations.targets #1: metric must be one of "
            "population_share_outside_midt, municipality_share_outside_midt, got 'x'",
        ),
    ],
)
def test_config_errors_name_the_key(text: str, message: str) -> None:
    """Invalid config values raise with the file and key named."""
    with pytest.raises(ConsolidationConfigError) as info:
        parse_config(text)
    assert str(info.value) == message


def test_shipped_config_values() -> None:
    """The shipped toml sets the documented thresholds and the 50 % / 55 % targets."""
    config = load_config()
    assert (config.min_municipalities, config.broad_support, config.majority, config.broad_opposition) == (
        3,
        0.75,
        0.5,
        0.75,
    )
    assert [t.value for t in config.targets] == [0.5, 0.55]


# --- determinism and invariants ----------------------------------------------------------------


def test_same_input_gives_identical_json_bytes(municipalities: dict[str, Municipality]) -> None:
    """Two runs on the same rows, in any order, give byte-identical consolidated.json."""
    rows = sample_rows(municipalities)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    first = consolidated_json(consolidate(rows, municipalities, STEERING_GROUP, taxonomy_keys=THEMES))
    second = consolidated_json(consolidate(shuffled, municipalities, STEERING_GROUP, taxonomy_keys=THEMES))
    assert first == second


KNRS = ("0301", "4601", "1103", "4204", "1804", "5001", "5007", "1507", "4036", "3201")


@st.composite
def rows_strategy(draw: st.DrawFn) -> list[StatementRow]:
    n = draw(st.integers(min_value=0, max_value=40))
    rows = []
    for i in range(1, n + 1):
        kind = draw(st.sampled_from(list(RespondentKind)))
        rows.append(
            statement_row(
                i,
                draw(
                    st.sampled_from(
                        ["Vi trenger opplæring.", "Vi trenger mer opplæring!", "Vi støtter Akson."]
                    )
                ),
                kommunenummer=draw(st.sampled_from(KNRS)),
                kind=kind,
                name=None if kind is RespondentKind.UNKNOWN else draw(st.sampled_from(["A", "B"])),
                theme=draw(st.sampled_from(THEMES)),
                type=draw(st.sampled_from(list(StatementType))),
                stance=draw(st.sampled_from([None, *Stance])),
                channel=draw(st.sampled_from([Channel.EMAIL, Channel.SURVEY])),
                confidence=draw(st.floats(min_value=0, max_value=1)),
            )
        )
    return rows


@settings(max_examples=30, deadline=None)
@given(rows=rows_strategy())
def test_invariants(municipalities: dict[str, Municipality], rows: list[StatementRow]) -> None:
    """Shares stay in 0..1, no municipality counts twice per theme, stance counts add up, sums recompute."""
    data = consolidate(rows, municipalities, STEERING_GROUP, taxonomy_keys=THEMES).to_dict()
    figures = []
    for t in data["themes"]:
        knrs = [m["kommunenummer"] for m in t["municipalities"]]
        assert len(knrs) == len(set(knrs))
        assert sum(f["count"] for f in t["stances"].values()) == t["raised"]["count"]
        bucket_members = sorted(k for f in t["stances"].values() for k in f["kommunenummer"])
        assert bucket_members == sorted(t["raised"]["kommunenummer"])
        assert 0.0 <= t["for_share"] <= 1.0 and 0.0 <= t["against_share"] <= 1.0
        figures += [t["raised"], t["with_position"], *t["stances"].values()]
    figures += [n["municipalities"] for n in data["needs"]]
    figures += [data["coverage"]["responded"], data["coverage"]["not_responded"]]
    for f in figures:
        assert f["count"] == len(f["kommunenummer"]) == len(set(f["kommunenummer"]))
        assert f["population"] == sum(municipalities[k].population for k in f["kommunenummer"])
        assert 0.0 <= f["share_national"] <= 1.0 and 0.0 <= f["share_outside_midt"] <= 1.0
    assert data["coverage"]["responded"]["count"] + data["coverage"]["not_responded"]["count"] == 357


@pytest.mark.parametrize(
    ("kind", "kommunenummer"),
    [
        (RespondentKind.MUNICIPALITY, "9999"),
        (RespondentKind.MUNICIPALITY, None),
        (RespondentKind.UNKNOWN, "0301"),
    ],
)
def test_unknown_municipalities_are_unresolved_not_guessed(
    municipalities: dict[str, Municipality], kind: RespondentKind, kommunenummer: str | None
) -> None:
    """A row without a known kommunenummer (or of unknown kind) is counted as uavklart, never as a municipality."""
    row = statement_row(
        1, "Vi støtter.", kommunenummer=kommunenummer, kind=kind, name="X", stance=Stance.SUPPORT
    )
    data = consolidate([row], municipalities, STEERING_GROUP).to_dict()
    assert data["unresolved"]["statement_ids"] == [1]
    assert data["coverage"]["responded"]["count"] == 0
    assert [(t["theme"], t["raised"]["count"]) for t in data["themes"]] == [("finansiering", 0)]
