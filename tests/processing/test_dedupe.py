"""Cross-channel duplicates and the supersession rule: tables of hand-made rows plus invariants."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.records import (
    Channel,
    Locator,
    MatchStatus,
    RespondentKind,
    StatementRow,
    StatementType,
)
from processing.dedupe import (
    NEAR_DUPLICATE_THRESHOLD,
    DedupeResult,
    dedupe_statements,
    normalise_statement,
)

EMAIL, SHEET, SURVEY = Channel.EMAIL, Channel.SPREADSHEET, Channel.SURVEY
NEED, POS, OTHER = StatementType.NEED, StatementType.POSITION, StatementType.OTHER
JAN, MAR, MAY = date(2024, 1, 10), date(2024, 3, 1), date(2024, 5, 2)

TEXT = "Vi støtter en felles kommunal journal, men finansieringen må avklares før innføringen."
TEXT_TYPO = "Vi støtter en felles kommunal journal, men finansieringen må avklares før innføringa."
TEXT_NOT = "Vi støtter ikke en felles kommunal journal, men finansieringen må avklares før innføringen."
OTHER_TEXT = "Kommunen trenger opplæring av helsepersonell i god tid før Akson tas i bruk."

MUNICIPALITIES = {"4601": "Bergen", "0301": "Oslo"}


def row(
    sid: int,
    sub: int | None = None,
    *,
    text: str = TEXT,
    channel: Channel = EMAIL,
    knr: str | None = "4601",
    on: date | None = MAR,
    type: StatementType = NEED,
    theme: str = "journal",
    respondent: str | None = None,
    org: str | None = None,
    question: str | None = None,
) -> StatementRow:
    """A stored statement; ``knr=None`` with ``org`` is a resolved organisation, without it unresolved."""
    if knr is not None:
        kind, name, status = RespondentKind.MUNICIPALITY, MUNICIPALITIES[knr], MatchStatus.MATCHED
    elif org is not None:
        kind, name, status = RespondentKind.ORGANISATION, org, MatchStatus.NON_MUNICIPAL
    else:
        kind, name, status = RespondentKind.UNKNOWN, None, MatchStatus.NOT_FOUND
    file = f"innboks/{channel.value}_{sub if sub is not None else sid}.txt"
    return StatementRow(
        statement_id=sid,
        submission_id=sub if sub is not None else sid,
        source_file=file,
        source_sha256="0" * 64,
        locator=Locator(file=file, row=sid, question=question),
        channel=channel,
        respondent=respondent if respondent is not None else (f"{name} kommune" if knr else (org or "")),
        respondent_kind=kind,
        kommunenummer=knr,
        respondent_name=name,
        match_status=status,
        submitted_on=on,
        order=0,
        start=0,
        end=len(text),
        text=text,
        submission_text=text,
        type=type,
        theme=theme,
        stance=None,
        confidence=1.0,
        needs_review=False,
        model_version="test",
    )


def summary(result: DedupeResult) -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int, str]]]:
    return (
        [r.statement_id for r in result.rows],
        [(link.kept_id, link.dropped_id) for link in result.links],
        [(s.old_statement_id, s.new_submission_id, s.theme) for s in result.superseded],
    )


CASES = [
    ("exact duplicate e-mail and spreadsheet, same date: spreadsheet kept",
     [row(1, channel=EMAIL), row(2, channel=SHEET)], [2], [(2, 1)], []),
    ("case, punctuation and spacing do not matter",
     [row(1), row(2, text="  VI STØTTER en felles kommunal journal men finansieringen -- må avklares før innføringen")],
     [1], [(1, 2)], []),
    ("survey ranks before e-mail", [row(1, channel=EMAIL), row(2, channel=SURVEY)], [2], [(2, 1)], []),
    ("earliest date kept before channel order",
     [row(1, channel=EMAIL, on=JAN), row(2, channel=SHEET, on=MAR)], [1], [(1, 2)], []),
    ("dated copy kept before an undated one",
     [row(1, channel=SHEET, on=None), row(2, channel=EMAIL, on=MAR)], [2], [(2, 1)], []),
    ("same channel and date: lowest statement id kept", [row(7), row(3)], [3], [(3, 7)], []),
    ("near duplicate (one word inflected) is linked", [row(1), row(2, text=TEXT_TYPO)], [1], [(1, 2)], []),
    ("a near pair differing by a negation is two statements", [row(1), row(2, text=TEXT_NOT)], [1, 2], [], []),
    ("a sentence inside a longer one is not a near duplicate",
     [row(1), row(2, text=TEXT + " " + OTHER_TEXT)], [1, 2], [], []),
    ("different municipalities with the same text are both kept",
     [row(1, knr="4601"), row(2, knr="0301", channel=SHEET)], [1, 2], [], []),
    ("a sentence repeated within one submission is kept twice", [row(1, 5), row(2, 5)], [1, 2], [], []),
    ("three copies: one kept, two links",
     [row(1, channel=EMAIL), row(2, channel=SHEET), row(3, channel=SURVEY)], [2], [(2, 1), (2, 3)], []),
    ("short answers on different themes are not duplicates",
     [row(1, text="Enig.", theme="journal"), row(2, text="enig", theme="styring")], [1, 2], [], []),
    ("short answers on the same theme are duplicates",
     [row(1, text="Enig.", theme="journal"), row(2, text="enig", theme="journal")], [1], [(1, 2)], []),
    ("answers to different survey questions are not duplicates",
     [row(1, question="Q1"), row(2, question="Q2")], [1, 2], [], []),
    ("same resolved organisation across channels is linked",
     [row(1, knr=None, org="KS", respondent="KS"), row(2, knr=None, org="KS", respondent="Kommunesektorens org.")],
     [1], [(1, 2)], []),
    ("unresolved respondents with the same raw name are linked",
     [row(1, knr=None, respondent="Helsehuset Vest"), row(2, knr=None, respondent="helsehuset vest")],
     [1], [(1, 2)], []),
    ("unresolved respondents with different raw names are both kept",
     [row(1, knr=None, respondent="Helsehuset Vest"), row(2, knr=None, respondent="Helsehuset Øst")],
     [1, 2], [], []),
    ("anonymous rows are never linked", [row(1, knr=None, respondent=""), row(2, knr=None, respondent="")],
     [1, 2], [], []),
    ("newer position supersedes an older one on the same theme",
     [row(1, on=JAN, type=POS), row(2, on=MAR, type=POS, text=OTHER_TEXT)], [2], [], [(1, 2, "journal")]),
    ("newer position on another theme does not supersede",
     [row(1, on=JAN, type=POS), row(2, on=MAR, type=POS, text=OTHER_TEXT, theme="styring")], [1, 2], [], []),
    ("needs accumulate across submissions",
     [row(1, on=JAN, type=NEED), row(2, on=MAR, type=NEED, text=OTHER_TEXT)], [1, 2], [], []),
    ("other statements accumulate across submissions",
     [row(1, on=JAN, type=OTHER), row(2, on=MAR, type=OTHER, text=OTHER_TEXT)], [1, 2], [], []),
    ("a newer need does not supersede an older position",
     [row(1, on=JAN, type=POS), row(2, on=MAR, type=NEED, text=OTHER_TEXT)], [1, 2], [], []),
    ("undated positions are the oldest",
     [row(1, on=None, type=POS), row(2, on=JAN, type=POS, text=OTHER_TEXT)], [2], [], [(1, 2, "journal")]),
    ("all undated: positions complement",
     [row(1, on=None, type=POS), row(2, on=None, type=POS, text=OTHER_TEXT)], [1, 2], [], []),
    ("same date: positions complement",
     [row(1, on=MAR, type=POS), row(2, on=MAR, type=POS, text=OTHER_TEXT)], [1, 2], [], []),
    ("all older positions go, the newest submission is named",
     [row(1, 10, on=JAN, type=POS), row(2, 11, on=MAR, type=POS, text=TEXT_NOT),
      row(3, 12, on=MAY, type=POS, text=OTHER_TEXT)], [3], [], [(1, 12, "journal"), (2, 12, "journal")]),
    ("a position restated in a newer submission is linked to the newer copy",
     [row(1, 10, on=JAN, type=POS, channel=SHEET), row(2, 11, on=MAR, type=POS, channel=EMAIL),
      row(3, 11, on=MAR, type=POS, text=OTHER_TEXT)], [2, 3], [(2, 1)], []),
    ("restated copy that is itself a duplicate: the link follows to the copy kept",
     [row(1, 10, on=JAN, type=POS), row(2, 11, on=MAR, type=POS, channel=EMAIL),
      row(3, 12, on=MAR, type=POS, channel=SHEET)], [3], [(3, 1), (3, 2)], []),
    ("unresolved respondents never supersede",
     [row(1, knr=None, respondent="Helsehuset Vest", on=JAN, type=POS),
      row(2, knr=None, respondent="Helsehuset Vest", on=MAR, type=POS, text=OTHER_TEXT)], [1, 2], [], []),
    ("resolved organisations take part in supersession",
     [row(1, knr=None, org="KS", on=JAN, type=POS), row(2, knr=None, org="KS", on=MAR, type=POS, text=OTHER_TEXT)],
     [2], [], [(1, 2, "journal")]),
    ("positions on the catch-all theme never supersede",
     [row(1, on=JAN, type=POS, theme="annet"), row(2, on=MAR, type=POS, text=OTHER_TEXT, theme="annet")],
     [1, 2], [], []),
    ("another municipality's newer position does not supersede",
     [row(1, on=JAN, type=POS, knr="4601"), row(2, on=MAR, type=POS, text=OTHER_TEXT, knr="0301")],
     [1, 2], [], []),
    ("kept rows stay in input order",
     [row(5, text=OTHER_TEXT), row(2), row(9, channel=SHEET), row(1, text=TEXT_NOT)], [5, 9, 1], [(9, 2)], []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "kept", "links", "superseded"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_dedupe_table(
    rows: list[StatementRow],
    kept: list[int],
    links: list[tuple[int, int]],
    superseded: list[tuple[int, int, str]],
) -> None:
    """Each case keeps exactly these rows and records exactly these links and supersessions."""
    assert summary(dedupe_statements(rows)) == (kept, links, superseded)


def test_link_reason_names_both_places() -> None:
    """A duplicate link says where the dropped copy is, which statement counts and how to separate them."""
    result = dedupe_statements([row(1, channel=EMAIL), row(2, channel=SHEET)])
    assert result.links[0].reason == (
        "innboks/email_1.txt | row=1: samme tekst som utsagn 2 i innboks/spreadsheet_2.txt | row=2 fra "
        "Bergen (4601) (spreadsheet, 2024-03-01); telles én gang. Er dette to ulike utsagn, skriv dem ulikt i kilden."
    )


def test_near_link_reason_gives_score() -> None:
    """A near-duplicate link states the similarity score."""
    result = dedupe_statements([row(1), row(2, text=TEXT_TYPO)])
    assert "nesten lik tekst (likhet 9" in result.links[0].reason
    assert result.links[0].reason.startswith("innboks/email_2.txt | row=2: nesten lik tekst")


def test_supersession_reason() -> None:
    """A supersession says which position, from whom, on which theme, replaced by what, and how to undo it."""
    result = dedupe_statements([row(1, on=None, type=POS), row(2, on=MAY, type=POS, text=OTHER_TEXT)])
    assert result.superseded[0].reason == (
        "innboks/email_1.txt | row=1: standpunktet fra Bergen (4601) om tema «journal» (udatert) er erstattet "
        "av det nyere innspillet 2 i innboks/email_2.txt | row=2 (2024-05-02). Det er lagret, men telles ikke "
        "i sammenstillingen. Skal begge gjelde, rett datoen på innspillene eller temaet på utsagnet."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Vi STØTTER   forslaget!!", "vi støtter forslaget"),
        ("Innføring – fase 1; «pilot»", "innføring fase 1 pilot"),
        ("Cafe\u0301 ﬁnansiering", "café finansiering"),
        ("snake_case/tekst", "snake case tekst"),
        ("", ""),
    ],
)
def test_normalise_statement(text: str, expected: str) -> None:
    """Normalisation folds case, punctuation and whitespace, unifies ligatures and keeps diacritics."""
    assert normalise_statement(text) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"near_threshold": 0}, "near_threshold must be in (0, 100], got 0"),
        ({"near_threshold": 101.0}, "near_threshold must be in (0, 100], got 101.0"),
    ],
)
def test_bad_threshold(kwargs: dict[str, float], message: str) -> None:
    """A threshold outside (0, 100] is refused with the value named."""
    with pytest.raises(ValueError, match=re.escape(message)):
        dedupe_statements([row(1)], **kwargs)


def test_duplicate_ids_refused() -> None:
    """Two rows with one statement_id are refused: links would be ambiguous."""
    with pytest.raises(ValueError, match="statement_id must be unique"):
        dedupe_statements([row(1), row(1, channel=SHEET)])


def test_threshold_is_documented_default() -> None:
    """The near-duplicate threshold is the documented 95."""
    assert NEAR_DUPLICATE_THRESHOLD == 95.0


_TEXTS = [TEXT, TEXT_TYPO, TEXT_NOT, OTHER_TEXT, "Enig.", "enig"]


def _random_rows(
    draw: st.DrawFn,
    *,
    most: int,
    submissions: int,
    texts: list[str],
    who: list[str],
    dates: list[Any],
    types: list[Any],
    questions: list[str | None],
) -> list[StatementRow]:
    """Rows of a few respondents over the given texts, in random order (shared by the strategies)."""
    rows = []
    for sid in range(1, draw(st.integers(min_value=0, max_value=most)) + 1):
        someone = draw(st.sampled_from(who))
        rows.append(
            row(
                sid,
                draw(st.integers(min_value=1, max_value=submissions)),
                text=draw(st.sampled_from(texts)),
                channel=draw(st.sampled_from([EMAIL, SHEET, SURVEY])),
                knr=someone if someone.isdigit() else None,
                org="KS" if someone == "KS" else None,
                respondent={"raw": "Helsehuset Vest", "anon": ""}.get(someone),
                on=draw(st.sampled_from(dates)),
                type=draw(st.sampled_from(types)),
                theme=draw(st.sampled_from(["journal", "styring", "annet"])),
                question=draw(st.sampled_from(questions)),
            )
        )
    return draw(st.permutations(rows))


@st.composite
def statement_rows(draw: st.DrawFn) -> list[StatementRow]:
    return _random_rows(
        draw,
        most=14,
        submissions=5,
        texts=_TEXTS,
        who=["4601", "0301", "KS", "raw", "anon"],
        dates=[None, JAN, MAR, MAY],
        types=[NEED, POS, OTHER],
        questions=[None, None, "Q1", "Q2"],
    )


@settings(max_examples=120, deadline=None)
@given(statement_rows())
def test_invariants(rows: list[StatementRow]) -> None:
    """Output is an ordered subset; each dropped id has exactly one link or supersession; a rerun changes nothing."""
    result = dedupe_statements(rows)
    ids = [r.statement_id for r in rows]
    kept = [r.statement_id for r in result.rows]
    assert kept == [i for i in ids if i in set(kept)]
    accounted = Counter(
        [link.dropped_id for link in result.links] + [s.old_statement_id for s in result.superseded]
    )
    assert set(accounted) == set(ids) - set(kept)
    assert all(count == 1 for count in accounted.values())
    assert result.dropped_ids == set(ids) - set(kept)
    assert {link.kept_id for link in result.links} <= set(kept)
    again = dedupe_statements(result.rows)
    assert again == DedupeResult(result.rows, (), ())


# -- the indexed search against the plain pairwise rule it replaced ----------------------------

_VARIANT_TEXTS = [
    *_TEXTS,
    TEXT.replace("felles ", ""),  # near, within the length window
    TEXT.replace(", men finansieringen må avklares før innføringen", ""),  # subset, too short
    TEXT + " Ja.",
    "Vi støtter en felles journal nå.",  # 30-odd characters: the near-duplicate floor
    "Vi støtter en felles journal nu.",
    "Vi støtter ikke en felles journal.",
    OTHER_TEXT.replace("i god tid ", ""),
    OTHER_TEXT.replace("opplæring", "opplaering"),
]


def described(result: DedupeResult) -> tuple[object, ...]:
    """A result as compared: kept rows, and each link and supersession with its reason as written."""
    return (
        result.rows,
        [link.to_json() for link in result.links],
        [item.to_json() for item in result.superseded],
    )


def reference_dedupe(rows: list[StatementRow]) -> DedupeResult:
    """The rule as first written: every kept or current statement of the respondent scored in turn."""
    from processing.dedupe import (
        CATCH_ALL_THEMES,
        DuplicateLink,
        Supersession,
        _identity,
        _Matcher,
        _rank,
    )

    matcher = _Matcher(rows, NEAR_DUPLICATE_THRESHOLD)
    groups: dict[tuple[object, str], list[StatementRow]] = {}
    for r in rows:
        identity = _identity(r, resolved_only=True)
        if r.type is POS and r.theme not in CATCH_ALL_THEMES and identity is not None:
            groups.setdefault((identity, r.theme), []).append(r)
    superseded, early = [], []
    for (_, theme), group in groups.items():
        newest = max((r.submitted_on for r in group if r.submitted_on is not None), default=None)
        if newest is None:
            continue
        current = sorted((r for r in group if r.submitted_on == newest), key=_rank)
        new_sub = min(r.submission_id for r in current)
        for r in group:
            if r.submitted_on == newest:
                continue
            same = next((c for c in current if matcher.score(r, c) > 0), None)
            if same is not None:
                early.append(
                    DuplicateLink(same.statement_id, r.statement_id, r, same, matcher.score(r, same))
                )
            else:
                new = next(c for c in current if c.submission_id == new_sub)
                superseded.append(Supersession(r.statement_id, new_sub, theme, r, new))
    gone = {s.old_statement_id for s in superseded} | {link.dropped_id for link in early}
    kept: dict[object, list[StatementRow]] = {}
    late = []
    for r in sorted((r for r in rows if r.statement_id not in gone), key=_rank):
        identity = _identity(r, resolved_only=False)
        if identity is None:
            continue
        mine = kept.setdefault(identity, [])
        norm = matcher.norms[r.statement_id]
        exact = [c for c in mine if matcher.norms[c.statement_id] == norm]
        same = next((c for c in [*exact, *mine] if matcher.score(r, c) > 0), None)
        if same is not None:
            late.append(DuplicateLink(same.statement_id, r.statement_id, r, same, matcher.score(r, same)))
        else:
            mine.append(r)
    final = {link.dropped_id: link.kept_id for link in late}
    links = [
        DuplicateLink(final[link.kept_id], link.dropped_id, link.dropped, link.kept, link.score, link.kept_id)
        if link.kept_id in final
        else link
        for link in early
    ] + late
    dropped = gone | set(final)
    return DedupeResult(
        rows=tuple(r for r in rows if r.statement_id not in dropped),
        links=tuple(sorted(links, key=lambda link: link.dropped_id)),
        superseded=tuple(sorted(superseded, key=lambda s: s.old_statement_id)),
    )


@st.composite
def crowded_rows(draw: st.DrawFn) -> list[StatementRow]:
    """Many statements of few respondents over near-identical texts: every branch of the search."""
    return _random_rows(
        draw,
        most=40,
        submissions=8,
        texts=_VARIANT_TEXTS,
        who=["4601", "4601", "0301", "KS", "raw"],
        dates=[None, JAN, MAR, MAY, MAY],
        types=[NEED, POS, POS, OTHER],
        questions=[None, None, None, "Q1", "Q2"],
    )


@settings(max_examples=300, deadline=None)
@given(crowded_rows())
def test_same_result_as_pairwise_rule(rows: list[StatementRow]) -> None:
    """The indexed search (exact texts, negation groups, length windows) links and supersedes as pairwise scoring does."""
    assert described(dedupe_statements(rows)) == described(reference_dedupe(rows))


def test_supersession_links_to_the_first_matching_current_statement() -> None:
    """A restated position links to the first current statement in rank order, even when a later one is word for word."""
    old = row(1, 1, text=TEXT, type=POS, on=JAN)
    near_first = row(2, 2, text=TEXT_TYPO, type=POS, on=MAY, channel=SHEET)
    exact_later = row(3, 3, text=TEXT, type=POS, on=MAY, channel=EMAIL)
    rows = [old, near_first, exact_later]
    result = dedupe_statements(rows)
    assert [(link.kept_id, link.dropped_id) for link in result.links] == [(2, 1), (2, 3)]
    assert described(result) == described(reference_dedupe(rows))


# -- edge cases of the near-duplicate search against the pairwise rule ---------------------------


def _typo(word: str, at: int, char: str) -> str:
    at %= len(word) + 1
    return word[:at] + char + word[at + 1 :]


@st.composite
def crowded_variant_rows(draw: st.DrawFn) -> list[StatementRow]:
    """One respondent's statements over variants of a few texts, crowded enough to fill the length window."""
    bases = [TEXT, OTHER_TEXT, TEXT + " " + OTHER_TEXT]
    rows = []
    for sid in range(1, draw(st.integers(min_value=0, max_value=60)) + 1):
        words = draw(st.sampled_from(bases)).split()
        kind = draw(st.sampled_from(["same", "typo", "drop", "repeat", "negate", "typo_all"]))
        if kind == "typo":
            at = draw(st.integers(0, len(words) - 1))
            words[at] = _typo(words[at], draw(st.integers(0, 9)), "e")
        elif kind == "typo_all":
            words = [_typo(w, draw(st.integers(0, 9)), "q") for w in words]
        elif kind == "drop":
            del words[draw(st.integers(0, len(words) - 1))]
        elif kind == "repeat":
            words.append(draw(st.sampled_from(words)))
        elif kind == "negate":
            words.insert(draw(st.integers(0, len(words))), "ikke")
        rows.append(
            row(
                sid,
                draw(st.integers(min_value=1, max_value=12)),
                text=" ".join(words),
                channel=draw(st.sampled_from([EMAIL, SHEET, SURVEY])),
                on=draw(st.sampled_from([None, JAN, MAR, MAY])),
                type=draw(st.sampled_from([NEED, POS, OTHER])),
                theme=draw(st.sampled_from(["journal", "styring"])),
            )
        )
    return draw(st.permutations(rows))


@settings(max_examples=200, deadline=None)
@given(crowded_variant_rows())
def test_same_result_on_variants(rows: list[StatementRow]) -> None:
    """Typos in one or every word, dropped, repeated and negating words: linked and superseded as pairwise scoring does."""
    assert described(dedupe_statements(rows)) == described(reference_dedupe(rows))


def test_same_result_on_a_large_respondent() -> None:
    """A respondent with hundreds of kept statements in one length window links as pairwise scoring does."""
    rng = random.Random(8)
    vocabulary = ["".join(rng.choice("abdeknorst") for _ in range(rng.randint(2, 7))) for _ in range(60)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(12)) for _ in range(400)]
    rows = []
    for sid in range(1, 601):
        text = texts[sid % 400]
        if sid > 400 and sid % 2:
            text = " ".join(_typo(w, sid, "e") if i % 5 == 0 else w for i, w in enumerate(text.split()))
        rows.append(row(sid, sid % 40 + 1, text=text, on=[JAN, MAR, MAY, None][sid % 4], type=NEED))
    assert described(dedupe_statements(rows)) == described(reference_dedupe(rows))
