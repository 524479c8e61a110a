"""A small, hand-checkable scenario for tests, benchmarks and report previews.

Six real municipalities (populations 1.1.2024 from the reference list), one of
them in Helse Midt-Norge, plus a county, an organisation and an unresolved
respondent. The expected figures are worked out in
``tests/processing/test_consolidate.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date

from models.records import (
    Channel,
    Locator,
    MatchStatus,
    Municipality,
    RespondentKind,
    Stance,
    StatementRow,
    StatementType,
)
from processing.consolidation.records import IntentDeclaration

MIDT_NORGE_COUNTIES = ("15", "50")
MIDT_NORGE_EXTRA = ("1811",)  # Bindal (Nordland) belongs to Helse Midt-Norge
STEERING_GROUP = ("1103", "4204", "4036", "1804", "4601", "0301", "3201")


def municipalities_from_csv(text: str) -> dict[str, Municipality]:
    """Municipality records from the text of ``reference/kommuner.csv``."""
    result = {}
    for rec in csv.DictReader(io.StringIO(text)):
        knr = rec["kommunenummer"]
        result[knr] = Municipality(
            kommunenummer=knr,
            name=rec["navn"],
            alt_names=tuple(a for a in rec["alternative_navn"].split("|") if a),
            fylkesnummer=rec["fylkesnummer"],
            fylke=rec["fylke"],
            population=int(rec["innbyggere"]),
            health_region=rec["helseregion"],
            domains=tuple(d for d in rec["epost_domene"].split("|") if d),
            outside_midt_norge=rec["fylkesnummer"] not in MIDT_NORGE_COUNTIES and knr not in MIDT_NORGE_EXTRA,
        )
    return result


def statement_row(
    statement_id: int,
    text: str,
    *,
    kommunenummer: str | None = None,
    kind: RespondentKind = RespondentKind.MUNICIPALITY,
    name: str | None = None,
    theme: str = "finansiering",
    type: StatementType = StatementType.POSITION,
    stance: Stance | None = None,
    channel: Channel = Channel.EMAIL,
    confidence: float = 0.9,
    submission_id: int | None = None,
    respondent: str | None = None,
) -> StatementRow:
    """A ``StatementRow`` whose text is its whole submission text (``start=0``)."""
    matched = kind is not RespondentKind.UNKNOWN
    source = f"innboks/{(name or 'ukjent').replace(' ', '_')}.eml"
    return StatementRow(
        statement_id=statement_id,
        submission_id=submission_id if submission_id is not None else statement_id,
        source_file=source,
        source_sha256="0" * 64,
        locator=Locator(file=source, part="1", line=statement_id),
        channel=channel,
        respondent=respondent if respondent is not None else (name or ""),
        respondent_kind=kind,
        kommunenummer=kommunenummer if kind is RespondentKind.MUNICIPALITY else None,
        respondent_name=name,
        match_status=MatchStatus.MATCHED if matched else MatchStatus.NOT_FOUND,
        submitted_on=date(2024, 3, 1),
        order=0,
        start=0,
        end=len(text),
        text=text,
        submission_text=text,
        type=type,
        theme=theme,
        stance=stance,
        confidence=confidence,
        needs_review=confidence < 0.6,
        model_version="sample",
    )


def sample_rows(municipalities: Mapping[str, Municipality]) -> list[StatementRow]:
    """The scenario's statements (ids 1-16)."""

    def muni(i: int, knr: str, text: str, **kw: object) -> StatementRow:
        return statement_row(i, text, kommunenummer=knr, name=municipalities[knr].name, **kw)  # type: ignore[arg-type]

    pos, need = StatementType.POSITION, StatementType.NEED
    sup, opp, cond, neu = Stance.SUPPORT, Stance.OPPOSE, Stance.CONDITIONAL, Stance.NEUTRAL
    return [
        muni(1, "0301", "Oslo kommune støtter en felles journal for kommunene.", type=pos, stance=sup),
        muni(2, "0301", "Oslo kommune kan ikke støtte dagens kostnadsfordeling.", type=pos, stance=opp),
        muni(
            3,
            "4601",
            "Bergen kommune støtter finansieringsmodellen.",
            type=pos,
            stance=sup,
            channel=Channel.SPREADSHEET,
        ),
        muni(
            4,
            "1103",
            "Vi støtter modellen. Kontakt rådgiver Kari Nordmann på 912 34 567.",
            type=pos,
            stance=sup,
            channel=Channel.SURVEY,
            confidence=0.95,
        ),
        muni(
            5,
            "1103",
            "Kommunene trenger statlig finansiering av innføringen.",
            type=need,
            channel=Channel.SURVEY,
        ),
        muni(
            6,
            "4204",
            "Vi støtter forslaget dersom staten dekker utviklingskostnadene.",
            type=pos,
            stance=cond,
        ),
        muni(
            7,
            "1804",
            "Bodø kommune går imot finansieringsmodellen.",
            type=pos,
            stance=opp,
            channel=Channel.SPREADSHEET,
        ),
        muni(
            8,
            "5001",
            "Trondheim kommune støtter finansieringen.",
            type=pos,
            stance=sup,
            channel=Channel.SURVEY,
        ),
        statement_row(
            9,
            "Vestland fylkeskommune støttar modellen.",
            kind=RespondentKind.COUNTY,
            name="Vestland fylkeskommune",
            type=pos,
            stance=sup,
        ),
        statement_row(
            10,
            "Legeforeningen er imot modellen.",
            kind=RespondentKind.ORGANISATION,
            name="Den norske legeforening",
            type=pos,
            stance=opp,
        ),
        statement_row(
            11,
            "Vi støtter dette.",
            kind=RespondentKind.UNKNOWN,
            respondent="Ola",
            type=pos,
            stance=sup,
            submission_id=99,
        ),
        muni(
            12,
            "4601",
            "Kommunene trenger en felles databehandleravtale for Akson.",
            theme="personvern",
            type=need,
            channel=Channel.SPREADSHEET,
        ),
        muni(
            13,
            "1804",
            "Kommunene trenger felles databehandleravtale for Akson!",
            theme="personvern",
            type=need,
            channel=Channel.SPREADSHEET,
        ),
        muni(
            14,
            "0301",
            "Oslo kommune er imot løsningen for tilgangsstyring.",
            theme="personvern",
            type=pos,
            stance=opp,
        ),
        muni(
            15,
            "1103",
            "Stavanger er imot tilgangsmodellen slik den er beskrevet.",
            theme="personvern",
            type=pos,
            stance=opp,
            channel=Channel.SURVEY,
        ),
        muni(
            16,
            "4204",
            "Kristiansand har ingen merknader til personvern.",
            theme="personvern",
            type=pos,
            stance=neu,
        ),
    ]


def sample_declarations() -> list[IntentDeclaration]:
    """Oslo, Bergen, Stavanger and Trondheim signed; Bodø answered no."""
    src = Locator(file="intensjonserklaeringer.csv")
    return [
        IntentDeclaration("0301", True, date(2024, 3, 1), src),
        IntentDeclaration("4601", True, date(2024, 3, 2), src),
        IntentDeclaration("1103", True, None, src),
        IntentDeclaration("1804", False, None, src),
        IntentDeclaration("5001", True, date(2024, 2, 1), src),
    ]
