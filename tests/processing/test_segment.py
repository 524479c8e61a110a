"""Segmentation: Norwegian abbreviations, lists, headings, salutations, offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.records import PASSAGE_SEPARATOR, Channel, Locator, Passage, Submission
from processing.segment import segment_submission, segment_text, segment_texts


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in segment_text(text)]


@pytest.mark.parametrize(
    "abbr",
    ["f.eks.", "bl.a.", "jf.", "mv.", "kap.", "nr.", "ca.", "o.l.", "m.m.", "dvs.", "pga.", "evt.", "ev.",
     "iht.", "ifm.", "t.d.", "mfl.", "osv.", "Jf.", "Bl.a.", "Pga."],
)  # fmt: skip
def test_abbreviation_does_not_end_sentence(abbr: str) -> None:
    """Each listed abbreviation followed by lower-case text stays inside its sentence."""
    text = f"Kommunen viser {abbr} punkt tre i avtalen. Neste setning følger."
    assert _sentences(text) == [f"Kommunen viser {abbr} punkt tre i avtalen.", "Neste setning følger."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fristen er 3. mars. Vi svarer før det.", ["Fristen er 3. mars.", "Vi svarer før det."]),
        ("Se § 5 i loven. Den er tydelig.", ["Se § 5 i loven.", "Den er tydelig."]),
        ("Det gjelder kap. 4 og nr. 2 i forskriften.", ["Det gjelder kap. 4 og nr. 2 i forskriften."]),
        ("Vi fikk tilbudet i 2026. Det var for dyrt.", ["Vi fikk tilbudet i 2026.", "Det var for dyrt."]),
        (
            "Vi ønsker journal, meldinger osv. Det haster.",
            ["Vi ønsker journal, meldinger osv.", "Det haster."],
        ),
        ("Hvem betaler? Det må avklares!", ["Hvem betaler?", "Det må avklares!"]),
        ("Han sa «Nei.» Så gikk han.", ["Han sa «Nei.»", "Så gikk han."]),
        ("Vi treng t.d. betre opplæring. Det hastar.", ["Vi treng t.d. betre opplæring.", "Det hastar."]),
        ("Kommunen (ca. 5000 innb.) svarer.", ["Kommunen (ca. 5000 innb.) svarer."]),
        (
            "Dette er\nen brutt linje\nsom fortsetter. Ny.",
            ["Dette er\nen brutt linje\nsom fortsetter.", "Ny."],
        ),
        ("Ingen punktum til slutt", ["Ingen punktum til slutt"]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    """Ordinals, paragraphs, years, sentence-final abbreviations, quotes and nynorsk split as written."""
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Innspill:\n- Bedre opplæring\n- Mer midler\n• Felles standard\n* Tidsplan\n– Risiko",
            ["Innspill:", "- Bedre opplæring", "- Mer midler", "• Felles standard", "* Tidsplan", "– Risiko"],
        ),
        (
            "1. Finansiering må avklares\n2. Styring\n3) Opplæring\na) Fastleger\nb) Sykehus",
            ["1. Finansiering må avklares", "2. Styring", "3) Opplæring", "a) Fastleger", "b) Sykehus"],
        ),
        (
            "- Første punkt. Med to setninger.\n- Andre punkt\n  som fortsetter",
            ["- Første punkt.", "Med to setninger.", "- Andre punkt\n  som fortsetter"],
        ),
    ],
)
def test_lists(text: str, expected: list[str]) -> None:
    """Bullet and numbered list items are their own segments; continuation lines stay with the item."""
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Høringssvar fra Bergen kommune\nKommunen støtter forslaget. Vi ber om dialog.",
            ["Høringssvar fra Bergen kommune", "Kommunen støtter forslaget.", "Vi ber om dialog."],
        ),
        ("Finansiering\n\nStaten må betale.", ["Finansiering", "Staten må betale."]),
        (
            "Til Direktoratet for e-helse\n\nHei,\nVi har innspill.\n\nMed vennlig hilsen\nOla Nordmann\nRådmann",
            ["Til Direktoratet for e-helse", "Hei,", "Vi har innspill.", "Med vennlig hilsen", "Ola Nordmann",
             "Rådmann"],
        ),
        ("Hei Kari, vi støtter forslaget.", ["Hei Kari,", "vi støtter forslaget."]),
        (
            "Hei!\n\nKommunen meiner at staten må betale.\n\nMed venleg helsing\nKari",
            ["Hei!", "Kommunen meiner at staten må betale.", "Med venleg helsing", "Kari"],
        ),
        ("Mvh Per", ["Mvh Per"]),
    ],
)  # fmt: skip
def test_headings_and_salutations(text: str, expected: list[str]) -> None:
    """Headings, openings, addressees and closings (bokmål and nynorsk) are separate segments."""
    assert _sentences(text) == expected


def test_segment_texts_matches_single() -> None:
    """Batch segmentation gives the same spans as one text at a time."""
    texts = ["A. B.", "", "Hei,\nTekst her. Mer tekst.", "- a\n- b"]
    assert segment_texts(texts) == [segment_text(t) for t in texts]


def test_segment_submission_offsets() -> None:
    """Offsets point into sub.text across passages; segment=False keeps a passage whole."""
    loc = Locator(file="x.xlsx", sheet="Innspill", row=2)
    sub = Submission(
        respondent="Bergen kommune",
        channel=Channel.SPREADSHEET,
        locator=loc,
        passages=(
            Passage("Vi støtter forslaget. Staten må betale.", loc),
            Passage("  Helt enig. Ingen merknader.  ", loc, segment=False),
            Passage("Tidsplanen er stram.", loc),
        ),
    )
    segments = segment_submission(sub)
    assert [(s.text, s.passage_index) for s in segments] == [
        ("Vi støtter forslaget.", 0),
        ("Staten må betale.", 0),
        ("Helt enig. Ingen merknader.", 1),
        ("Tidsplanen er stram.", 2),
    ]
    assert all(sub.text[s.start : s.end] == s.text for s in segments)
    assert segments[2].start == len(sub.passages[0].text) + len(PASSAGE_SEPARATOR) + 2


ALPHABET = st.sampled_from(
    [*list("ab ÆØÅæøå.!?:,;-•*–)(«»\n\t\r 1234567890§"), "f.eks.", "Hei,", "Mvh", "\xa0"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join) | st.text(max_size=80))
def test_offsets_property(text: str) -> None:
    """Spans are ordered, non-overlapping, stripped, exact, and cover every non-space character."""
    spans = segment_text(text)
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        covered.update(range(start, end))
        previous_end = end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vi støtter forslaget.", ["Vi støtter forslaget."]),  # one sentence: the tokeniser is skipped
        ("Hva koster det?!  ", ["Hva koster det?!"]),
        ("«Vi er imot.»", ["«Vi er imot.»"]),
        ("Vi er imot. Staten må betale", ["Vi er imot.", "Staten må betale"]),
        ("Vi ber om svar, f.eks. innen mai.", ["Vi ber om svar, f.eks. innen mai."]),
        ("Vi er imot!» Neste punkt.", ["Vi er imot!»", "Neste punkt."]),
    ],
)
def test_single_sentence_shortcut(text: str, expected: list[str]) -> None:
    """Blocks with or without an inner terminal give the same sentences as the full token pass."""
    assert [text[a:b] for a, b in segment_text(text)] == expected
