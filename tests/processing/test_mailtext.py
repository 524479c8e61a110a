"""Table tests for the pure mail-text logic: history, forwards, signatures, names."""

from __future__ import annotations

import pytest

from processing.mailtext import (
    find_organisation,
    organisation_in_line,
    organisation_in_subject,
    sanitise_name,
    split_mail_text,
    split_signature,
)

REPLY_NB = (
    "Vi støtter forslaget.\n\nDen tir. 3. sep. 2024 kl. 10:12 skrev Ola <ola@example.com>:\n> Hei\n> Svar"
)
REPLY_EN = "Agreed.\n\nOn Tue, Sep 3, 2024 at 10:12 AM Ola <ola@example.com>\nwrote:\n> Hi"
REPLY_GMAIL_NB = "Enig.\n\ntor. 5. sep. 2024 kl. 10:12 skrev Kari Nordmann <kari@example.no>:\n> Tekst"
OUTLOOK = (
    "Her er vårt svar.\n\nFra: Kari Nordmann <kari@example.no>\nSendt: 2. september 2024 09:15\n"
    "Til: post@ks.no\nEmne: Spørsmål\n\nOpprinnelig tekst"
)
QUOTE_ONLY = "Nytt innhold.\n> gammel linje\n> enda en"
FORWARD = (
    "Videresender innspill fra Bodø kommune.\n\n-------- Videresendt melding --------\n"
    "Fra: Postmottak Bodø kommune <post@bodo.kommune.no>\nSendt: 2. september 2024\nTil: ks@ks.no\n"
    "Emne: Innspill\n\nVi ønsker felles journal.\n\nMed vennlig hilsen\nAnne Berg\nBodø kommune"
)
OUTLOOK_FORWARD = (
    "\nFra: Ås kommune <post@as.kommune.no>\nSendt: 2. september 2024\nTil: ks@ks.no\nEmne: Innspill\n\n"
    "Vi trenger opplæring.\n\nMvh\nÅs kommune"
)
QUOTED_FORWARD = (
    "FYI\n\n---------- Forwarded message ---------\n> From: A <a@b.no>\n> Date: 1.9.2024\n>\n> Tekst her."
)


@pytest.mark.parametrize(
    ("text", "subject", "body", "quoted_starts"),
    [
        (REPLY_NB, "SV: Innspill", "Vi støtter forslaget.", "Den tir."),
        (REPLY_EN, "Re: x", "Agreed.", "On Tue"),
        (REPLY_GMAIL_NB, "", "Enig.", "tor. 5. sep."),
        (OUTLOOK, "SV: Spørsmål", "Her er vårt svar.", "Fra: Kari"),
        (QUOTE_ONLY, "", "Nytt innhold.", "> gammel"),
        ("Bare ny tekst.\n", "", "Bare ny tekst.", ""),
    ],
)
def test_split_mail_text_drops_quoted_history(text: str, subject: str, body: str, quoted_starts: str) -> None:
    """Replies keep only the new text; the quoted history is returned separately."""
    result = split_mail_text(text, subject)
    assert result.body == body
    assert result.quoted.startswith(quoted_starts)
    assert result.forwarded_from == ""


@pytest.mark.parametrize(
    ("text", "subject", "body", "sender", "note"),
    [
        (
            FORWARD,
            "VS: Innspill",
            "Vi ønsker felles journal.",
            "Postmottak Bodø kommune <post@bodo.kommune.no>",
            "Videresender innspill fra Bodø kommune.",
        ),
        (OUTLOOK_FORWARD, "VS: Innspill", "Vi trenger opplæring.", "Ås kommune <post@as.kommune.no>", ""),
        (QUOTED_FORWARD, "Fwd: x", "Tekst her.", "A <a@b.no>", "FYI"),
    ],
)
def test_split_mail_text_keeps_forwarded_letter(
    text: str, subject: str, body: str, sender: str, note: str
) -> None:
    """A forward with a short covering note keeps the forwarded letter and its sender."""
    result = split_mail_text(text, subject)
    assert result.body == body
    assert result.forwarded_from == sender
    assert result.forward_note == note


def test_split_mail_text_long_note_above_forward_is_the_submission() -> None:
    """A long own text above a forward is the submission; the forward is history."""
    own = "Vi har mange synspunkter. " * 20
    result = split_mail_text(own + "\n\n" + FORWARD.split("\n\n", 1)[1], "VS: x")
    assert result.body == own.strip()
    assert result.forwarded_from == ""
    assert result.quoted.startswith("-------- Videresendt melding")


@pytest.mark.parametrize(
    ("text", "body", "signature"),
    [
        (
            "Tekst.\n\nMed vennlig hilsen\nKari\nBergen kommune",
            "Tekst.",
            "Med vennlig hilsen\nKari\nBergen kommune",
        ),
        ("Tekst.\nMvh Per", "Tekst.", "Mvh Per"),
        ("Tekst.\n\nBeste helsing\nOla", "Tekst.", "Beste helsing\nOla"),
        ("Tekst.\n\nVenleg helsing,\nOla", "Tekst.", "Venleg helsing,\nOla"),
        ("Tekst.\n-- \nKari Nordmann\nTlf 123", "Tekst.", "--\nKari Nordmann\nTlf 123"),
        ("Tekst uten signatur.", "Tekst uten signatur.", ""),
        (
            "Hilsen fra oss er at dette er en lang setning som fortsetter og fortsetter forbi grensen.",
            None,
            "",
        ),
    ],
)
def test_split_signature(text: str, body: str | None, signature: str) -> None:
    """The closing phrase or "-- " and everything after it is the signature."""
    result_body, result_signature = split_signature(text)
    assert result_body == (text if body is None else body)
    assert result_signature == signature.rstrip()


@pytest.mark.parametrize(
    "disclaimer",
    [
        "Denne e-posten kan inneholde konfidensiell informasjon. Har du fått den ved en feil, slett den.",
        "This e-mail may contain confidential information intended only for the recipient.",
    ],
)
def test_split_mail_text_removes_disclaimers(disclaimer: str) -> None:
    """Confidentiality disclaimers are removed from the body and signature and kept apart."""
    result = split_mail_text(f"Innspill.\n\nMvh\nKari\n\n{disclaimer}")
    assert result.body == "Innspill."
    assert result.signature == "Mvh\nKari"
    assert result.disclaimers == (disclaimer,)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bergen kommune", "Bergen kommune"),
        ("Nord-Aurdal kommune", "Nord-Aurdal kommune"),
        ("Aurskog-Høland kommune, Helse og omsorg", "Aurskog-Høland kommune"),
        ("Trøndelag fylkeskommune", "Trøndelag fylkeskommune"),
        ("Voss herad", "Voss herad"),
        ("KS", "KS"),
        ("Til Bodø kommune", "Bodø kommune"),
        ("Kommunaldirektør, Trondheim kommune", ""),
        ("Vi i Bergen kommune mener at dette er bra", ""),
        ("Kari Nordmann", ""),
        ("kommune", ""),
        ("", ""),
    ],
)
def test_organisation_in_line(line: str, expected: str) -> None:
    """Only a line that is an organisation name (letterhead, signature) yields one."""
    assert organisation_in_line(line) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Innspill fra Vinje kommune", "Vinje kommune"),
        ("Innspel frå Vinje kommune til Akson", "Vinje kommune"),
        ("SV: Høringsinnspill fra Trøndelag fylkeskommune", "Trøndelag fylkeskommune"),
        ("Innspill til Akson", ""),
        ("Innspill fra Kari", ""),
    ],
)
def test_organisation_in_subject(subject: str, expected: str) -> None:
    """A municipality named after "fra/frå" in a subject is explicit evidence."""
    assert organisation_in_subject(subject) == expected


def test_find_organisation_takes_the_first_name_line() -> None:
    """The first line that is a name wins; prose lines are skipped."""
    assert find_organisation(
        ["Med vennlig hilsen", "Kari", "Seksjonsleder", "Bergen kommune", "Oslo kommune"]
    ) == ("Bergen kommune")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\x\\innspill.xlsx", "innspill.xlsx"),
        ("..", "vedlegg"),
        ("navn\x00med\x1fkontroll.txt", "navnmedkontroll.txt"),
        ("a!b.eml", "a_b.eml"),
        (None, "vedlegg"),
        ("x" * 300 + ".xlsx", "x" * 100 + ".xlsx"),
    ],
)
def test_sanitise_name(raw: str | None, expected: str) -> None:
    """Attachment names lose directories, dots, control characters and excess length."""
    assert sanitise_name(raw, "vedlegg") == expected
