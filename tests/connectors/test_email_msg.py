"""MsgConnector on Outlook .msg files from ../shared/corpora/email (read there, not committed).

No library can write .msg files, so these tests use the shared corpus.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from connectors.base import Limits, QuarantineError
from connectors.msg import MsgConnector
from models.records import ReadResult


def read(shared_dir: Path, name: str) -> ReadResult:
    path = shared_dir / "corpora" / "email" / name
    return MsgConnector().read(name, io.BytesIO(path.read_bytes()), Limits())


@pytest.mark.parametrize(
    ("name", "text", "email", "contact", "submitted"),
    [
        (
            "msgreader-net_EmailWithSpecialCharsInSubject.msg",
            "Testing .msg subject encoding\n\n________________________\n\nJulie Clarebots",
            "Julie.Clarebots@qbere.com",
            "Julie Clarebots",
            date(2024, 3, 27),
        ),
        (
            "outlook-message-parser_nested_simple_mail.msg",
            "Mail in mail.\n\nBR",
            "Emanuel.Reisinger@cargonet.software",
            "REISINGER Emanuel",
            date(2016, 4, 11),
        ),
        ("msgreader-js_msgInMsg.msg", "I have attachments!", None, None, None),
    ],
)
def test_mail_items(
    shared_dir: Path, name: str, text: str, email: str | None, contact: str | None, submitted: date | None
) -> None:
    """A mail item gives one submission with body text, sender split into address and name, and date."""
    sub = read(shared_dir, name).submissions[0]
    assert sub.text == text
    assert (sub.email, sub.contact_name, sub.submitted_on) == (email, contact, submitted)
    assert sub.locator.file == name
    assert sub.locator.part == "body"
    assert sub.respondent == ""


@pytest.mark.parametrize(
    ("name", "children"),
    [
        (
            "msgreader-js_msgInMsg.msg",
            [
                ("msgreader-js_msgInMsg.msg!/1/Microsoft Outlook テスト メッセージ.msg", b"\xd0\xcf\x11\xe0"),
                ("msgreader-js_msgInMsg.msg!/2/green.png", b"\x89PNG"),
            ],
        ),
        (
            "outlook-message-parser_nested_simple_mail.msg",
            [
                (
                    "outlook-message-parser_nested_simple_mail.msg!/1/outlookmsg2html Testmail.msg",
                    b"\xd0\xcf\x11\xe0",
                )
            ],
        ),
    ],
)
def test_attachments_and_embedded_messages_become_children(
    shared_dir: Path, name: str, children: list[tuple[str, bytes]]
) -> None:
    """Attachments keep their bytes; embedded messages are exported as .msg children that read again."""
    result = read(shared_dir, name)
    assert [(c.name, c.data[:4]) for c in result.children] == children
    embedded = result.children[0]
    inner = MsgConnector().read(embedded.name, io.BytesIO(embedded.data), Limits())
    assert inner.submissions or inner.children


@pytest.mark.parametrize(
    ("name", "category", "reason"),
    [
        (
            "msgreader-js_A_weekly_1.msg",
            "unsupported",
            "Outlook-fil 'msgreader-js_A_weekly_1.msg': er en kalenderavtale, ikke en e-post "
            "– send innspillet som e-post eller dokument",
        ),
        (
            "msgreader-js_contactUnicode.msg",
            "unsupported",
            "Outlook-fil 'msgreader-js_contactUnicode.msg': er et kontaktkort, ikke en e-post "
            "– send innspillet som e-post eller dokument",
        ),
        (
            "ruby-msg_note.msg",
            "unsupported",
            "Outlook-fil 'ruby-msg_note.msg': er en notatlapp, ikke en e-post – send innspillet som e-post eller dokument",
        ),
        (
            "outlook-message-parser_SMIME_signed_and_encrypted.msg",
            "encrypted",
            "Outlook-fil 'outlook-message-parser_SMIME_signed_and_encrypted.msg': e-posten er kryptert (S/MIME) "
            "og kan ikke leses – be avsenderen sende innspillet ukryptert",
        ),
        (
            "mime4j_rfc822-text-named-dot-msg.msg",
            "corrupt",
            "Outlook-fil 'mime4j_rfc822-text-named-dot-msg.msg': kunne ikke leses som .msg (InvalidFileFormatError) "
            "– lagre e-posten på nytt fra Outlook eller send den som .eml",
        ),
    ],
)
def test_non_mail_items_are_quarantined(shared_dir: Path, name: str, category: str, reason: str) -> None:
    """Contacts, appointments, notes, encrypted and non-OLE files are quarantined with a bokmål reason."""
    with pytest.raises(QuarantineError) as info:
        read(shared_dir, name)
    assert (info.value.category, info.value.reason) == (category, reason)


def test_garbage_bytes_are_corrupt() -> None:
    """Random bytes are quarantined as corrupt."""
    with pytest.raises(QuarantineError) as info:
        MsgConnector().read("x.msg", io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 600), Limits())
    assert info.value.category == "corrupt"


@pytest.mark.parametrize(
    ("rtf", "expected"),
    [
        (rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}Hei p\'e5 deg\par Ny linje}", "Hei på deg\nNy linje"),
        (rb"{\rtf1\uc1 \u229?r og \u-3913?x}", "år og \uf0b7x"),
        (rb"{\rtf1{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Tekst\htmlrtf\par}\htmlrtf0}", "Tekst"),
        (rb"{\rtf1{\pict\pngblip 89504e47}Etter bilde\tab x\~y\{z\}}", "Etter bilde\tx y{z}"),
        (rb"{\rtf1 uavsluttet {{{", "uavsluttet "),
        (b"", ""),
    ],
)
def test_rtf_to_text(rtf: bytes, expected: str) -> None:
    """RTF bodies are reduced to their visible text in one pass; tables, pictures and HTML tags are skipped."""
    from connectors.msg import rtf_to_text

    assert rtf_to_text(rtf) == expected
