"""Redaction of personal data before delivery: names, phones, e-mail, checksum-valid fødselsnummer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.records import Locator
from processing.redact import is_fodselsnummer, redact, redact_locator


def with_control_digits(nine: str) -> str:
    """Append the two mod-11 control digits to nine digits (test helper; raises if none exist)."""
    d = [int(c) for c in nine]
    k1 = 11 - sum(a * b for a, b in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    d.append(k1)
    k2 = 11 - sum(a * b for a, b in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d, strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    assert k1 != 10 and k2 != 10, nine
    return nine + str(k1) + str(k2)


FNR = with_control_digits("150765005")  # 15.07.65
DNR = with_control_digits("550765005")  # D-number: day 15 + 40
BAD = FNR[:-1] + str((int(FNR[-1]) + 1) % 10)  # last control digit wrong


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (FNR, True),
        (DNR, True),
        (BAD, False),
        ("01010112345", False),
        ("1234567890", False),
        ("00000000000", False),
    ],
)
def test_fodselsnummer_checksum(number: str, valid: bool) -> None:
    """Only numbers with valid mod-11 control digits and a plausible date count as fødselsnummer."""
    assert is_fodselsnummer(number) is valid


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("Send til kari.nordmann@bergen.kommune.no i dag.", (), "Send til [e-post fjernet] i dag."),
        ("Ring 912 34 567 eller 22 33 44 55.", (), "Ring [telefon fjernet] eller [telefon fjernet]."),
        ("Tlf +47 91234567, 0047 41234567.", (), "Tlf [telefon fjernet], [telefon fjernet]."),
        (f"Pasient {FNR} ble nevnt.", (), "Pasient [fødselsnummer fjernet] ble nevnt."),
        (f"D-nummer {DNR[:6]} {DNR[6:]}.", (), "D-nummer [fødselsnummer fjernet]."),
        (f"Saksnummer {BAD} beholdes.", (), f"Saksnummer {BAD} beholdes."),
        ("Kontakt rådgiver Kari Nordmann for mer.", (), "Kontakt rådgiver [navn fjernet] for mer."),
        ("Ordfører Hansen har signert.", (), "Ordfører [navn fjernet] har signert."),
        ("Ola Nordmann mener noe.", (), "[navn fjernet] mener noe."),
        ("Spør Guri Nilsdatter.", ("Guri Nilsdatter",), "Spør [navn fjernet]."),
        ("Hilsen guri nilsdatter", ("guri.nilsdatter@vinje.kommune.no",), "Hilsen [navn fjernet]"),
        ("Bergen kommune og Helse Midt-Norge støtter.", (), "Bergen kommune og Helse Midt-Norge støtter."),
        ("Per innbygger koster det 20 kroner.", (), "Per innbygger koster det 20 kroner."),
        ("Org.nr. 974600951 og år 2024 beholdes.", (), "Org.nr. 974600951 og år 2024 beholdes."),
        ("Oslo Kommune og KS mener dette.", (), "Oslo Kommune og KS mener dette."),
    ],
)
def test_redact(text: str, known: tuple[str, ...], expected: str) -> None:
    """Personal data is replaced by bracketed markers; municipalities, organisations and numbers stay."""
    assert redact(text, known) == expected


def test_redact_is_idempotent() -> None:
    """Redacting twice changes nothing more."""
    once = redact(f"Kari Nordmann, 912 34 567, kari@x.no, {FNR}")
    assert (
        redact(once) == once == "[navn fjernet], [telefon fjernet], [e-post fjernet], [fødselsnummer fjernet]"
    )


_NAME_WORDS = st.sampled_from(
    ["Guri", "guri", "GURI", "Ivar", "ıvar", "İvar", "Øystein", "Ánde", "Straße", "o'neil"]
)
_FILLER = st.sampled_from([" ", "  ", "-", ".", ",", "\n", "xx", "Guriå", "nilsdatter", "Nils", "ss"])


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.lists(_NAME_WORDS, min_size=1, max_size=2).map(" ".join), min_size=1, max_size=4),
    parts=st.lists(st.one_of(_NAME_WORDS, _FILLER), max_size=12),
)
def test_known_names_prefilter_never_skips_a_match(names: list[str], parts: list[str]) -> None:
    """Skipping quotes without a name's first word gives what the full pattern gives, case and script aside."""
    from processing.redact import _known_pattern

    known = _known_pattern(tuple(names))
    assert known is not None
    text = "".join(parts)
    assert known.sub("[x]", text) == known.pattern.sub("[x]", text)


def test_known_names_prefilter_skips_quotes_without_those_words() -> None:
    """A quote with none of the names' first words is not searched; one with them is redacted."""
    from processing.redact import _known_pattern

    known = _known_pattern(("Guri Nilsdatter", "o'Neil"))
    assert known is not None and known.first_words == frozenset({"guri", "o"})
    assert known.sub("[x]", "Kommunen støtter forslaget.") == "Kommunen støtter forslaget."
    assert known.sub("[x]", "Spør GURI  nilsdatter.") == "Spør [x]."
    assert _known_pattern(("(Guri)",)).first_words is None  # type: ignore[union-attr]  # starts with no word


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        # a role mailbox is not a name: "post" stays a word in every quote
        (
            "Svar på e-post til post@vinje.kommune.no.",
            ("post@vinje.kommune.no",),
            "Svar på e-post til [e-post fjernet].",
        ),
        ("Postmottak tar imot.", ("postmottak@vinje.kommune.no",), "Postmottak tar imot."),
        # a personal address still gives its name
        ("Hilsen Guri Nilsdatter", ("guri_nilsdatter@vinje.kommune.no",), "Hilsen [navn fjernet]"),
        # markers already written are never redacted again, whatever the names
        ("Skriv til kari@x.no.", ("Post",), "Skriv til [e-post fjernet]."),
        ("Ring 912 34 567.", ("telefon", "Fjernet"), "Ring [telefon fjernet]."),
    ],
)
def test_known_names_leave_words_and_markers_alone(text: str, known: tuple[str, ...], expected: str) -> None:
    """Role mailboxes are not names, and a known name never rewrites a marker."""
    assert redact(text, known) == expected


@pytest.mark.parametrize(
    ("locator", "known", "expected"),
    [
        (
            Locator(file="postkasse.mbox", message_id="<synt-1-00002932@samordne.invalid>", part="1"),
            ("post@vinje.kommune.no",),
            "postkasse.mbox | message_id=<synt-1-00002932@samordne.invalid> | part=1",
        ),
        (
            Locator(file="svar.eml", message_id="<19960722000255.AAA26598@navstar1.mcom.com>"),
            ("Kari Nordmann",),
            "svar.eml | message_id=<19960722000255.AAA26598@navstar1.mcom.com>",
        ),
        # an id spelling a person's address, or with no machine part, is redacted like an address
        (
            Locator(file="svar.eml", message_id="<kari.nordmann.77@bergen.kommune.no>"),
            (),
            "svar.eml | message_id=<[e-post fjernet]>",
        ),
        (
            Locator(file="svar.eml", message_id="<guri.9@x.no>", part="2"),
            ("guri.nilsdatter@x.no",),
            "svar.eml | message_id=<[e-post fjernet]> | part=2",
        ),
        (Locator(file="svar.eml", message_id="<abc@x.no>"), (), "svar.eml | message_id=<[e-post fjernet]>"),
        # every other part is redacted as text
        (
            Locator(file="Kari Nordmann.xlsx", sheet="Ola Nordmann", row=4, column="C"),
            (),
            "[navn fjernet].xlsx | sheet=[navn fjernet] | row=4 | column=C",
        ),
    ],
)
def test_delivered_locator_keeps_machine_message_ids(
    locator: Locator, known: tuple[str, ...], expected: str
) -> None:
    """A quote from a mailbox stays traceable to its message; personal data in a locator does not survive."""
    assert redact_locator(locator, known) == expected


def test_delivered_locator_equals_redacted_text_without_a_message_id() -> None:
    """Without a message-id the delivered locator is what redacting the whole locator gives."""
    locator = Locator(file="innspill/svar 912 34 567.csv", row=12, question="Hva mener Kari Nordmann?")
    assert redact_locator(locator) == redact(str(locator))
