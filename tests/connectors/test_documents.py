"""DocumentConnector on golden PDF/docx/txt fixtures and hostile variants."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from connectors.base import Limits, QuarantineError
from connectors.documents import DocumentConnector
from models.records import Channel, Locator, ReadResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def read_bytes(data: bytes, name: str, limits: Limits | None = None) -> ReadResult:
    return DocumentConnector().read(name, io.BytesIO(data), limits or Limits())


def read(name: str) -> ReadResult:
    return read_bytes((FIXTURES / name).read_bytes(), name)


@pytest.mark.parametrize(
    ("name", "passages", "context_tail"),
    [
        (
            "brev.pdf",
            [
                (
                    "Trondheim kommune\nInnspill til Akson\nKommunen ønsker en felles journal for hele helsetjenesten.",
                    Locator(file="brev.pdf", part="page 1"),
                ),
                ("Vi ber om at innføringen skjer trinnvis.", Locator(file="brev.pdf", part="page 2")),
            ],
            ("Med vennlig hilsen", "Ingrid Dahl"),
        ),
        (
            "brev.docx",
            [
                ("Helse og velferd", Locator(file="brev.docx", line=2)),
                ("Innspill til Akson journal", Locator(file="brev.docx", line=3)),
                ("Trondheim kommune støtter en felles kommunal journal.", Locator(file="brev.docx", line=4)),
                ("- Vi trenger opplæring for alle ansatte før innføring.", Locator(file="brev.docx", line=5)),
                (
                    "- Finansieringen må være avklart før kommunene binder seg.",
                    Locator(file="brev.docx", line=6),
                ),
                ("Tema | Behov", Locator(file="brev.docx", line=7)),
                ("Opplæring | Kurs for helsesekretærer", Locator(file="brev.docx", line=8)),
            ],
            ("Med vennlig hilsen", "Ingrid Dahl", "Kommunaldirektør, Trondheim kommune"),
        ),
        (
            "brev.txt",
            [
                ("Trondheim kommune\nHelse og velferd", Locator(file="brev.txt", line=1)),
                ("Vi støtter Akson.\nOpplæring må prioriteres.", Locator(file="brev.txt", line=4)),
            ],
            ("Med vennlig hilsen", "Ingrid Dahl"),
        ),
    ],
)
def test_documents(name: str, passages: list[tuple[str, Locator]], context_tail: tuple[str, ...]) -> None:
    """One submission per document: passages with page/line, letterhead respondent, signature in context."""
    result = read(name)
    assert len(result.submissions) == 1
    sub = result.submissions[0]
    assert (sub.respondent, sub.channel) == ("Trondheim kommune", Channel.DOCUMENT)  # a letter, not a mail
    assert [(p.text, p.locator) for p in sub.passages] == passages
    assert sub.context[0] == "Trondheim kommune"
    assert sub.context[-len(context_tail) :] == context_tail


def test_scanned_pdf_is_quarantined() -> None:
    """A PDF without a text layer is quarantined as scanned_pdf with a bokmål reason."""
    with pytest.raises(QuarantineError) as info:
        read("skannet.pdf")
    assert info.value.category == "scanned_pdf"
    assert info.value.reason == (
        "PDF 'skannet.pdf': er en skannet PDF uten tekstlag (2 sider uten tekst) – be avsenderen sende "
        "dokumentet som Word eller som PDF med tekst, eller skriv det inn"
    )


def test_encrypted_pdf_is_quarantined() -> None:
    """A password-protected PDF is quarantined as encrypted."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(FIXTURES / "brev.pdf").pages:
        writer.add_page(page)
    writer.encrypt(user_password="hemmelig", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(QuarantineError) as info:
        read_bytes(buf.getvalue(), "låst.pdf")
    assert info.value.category == "encrypted"
    assert info.value.reason.startswith("PDF 'låst.pdf': er passordbeskyttet")


@pytest.mark.parametrize(
    ("data", "category"),
    [
        (b"%PDF-1.4\n garbage without xref", "corrupt"),
        (b"PK\x03\x04 not really a zip", "corrupt"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported"),
        (b"   \n\n  ", "empty"),
        (b"Med vennlig hilsen\nKari", "empty"),
    ],
)
def test_broken_documents_are_quarantined(data: bytes, category: str) -> None:
    """Broken, legacy or empty documents are quarantined with a category, never crash."""
    with pytest.raises(QuarantineError) as info:
        read_bytes(data, "dok")
    assert info.value.category == category
    assert "'dok'" in info.value.reason


def test_docx_zip_bomb_is_refused_before_opening() -> None:
    """A docx whose declared expansion exceeds the ratio limit is refused as zip_bomb."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document>" + b" " * 5_000_000 + b"</w:document>")
    with pytest.raises(QuarantineError) as info:
        read_bytes(buf.getvalue(), "bombe.docx")
    assert info.value.category == "zip_bomb"
    assert info.value.reason.startswith("Word-dokument 'bombe.docx': pakker ut til 5 000 025 byte")


def test_docx_entity_expansion_is_not_resolved() -> None:
    """An XML entity in document.xml is not expanded (python-docx parses with resolve_entities=False)."""
    data = (FIXTURES / "brev.docx").read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info)
            if info.filename == "word/document.xml":
                payload = payload.replace(
                    b"<w:document",
                    b'<!DOCTYPE w:document [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document',
                    1,
                ).replace(b"Helse og velferd", b"&b;")
            dst.writestr(info, payload)
    sub = read_bytes(out.getvalue(), "entitet.docx").submissions[0]
    assert "AAAAAAAAAA" not in sub.text


@pytest.mark.parametrize(
    ("data", "note"),
    [
        ("Æøå tekst.".encode(), "tekstfil 't.txt': lest som utf-8"),
        ("\ufeffÆøå tekst.".encode(), "tekstfil 't.txt': lest som utf-8"),
        ("Æøå tekst.".encode("cp1252"), "tekstfil 't.txt': lest som cp1252"),
    ],
)
def test_txt_decoding(data: bytes, note: str) -> None:
    """Text files are read as UTF-8 (BOM allowed), else cp1252."""
    result = read_bytes(data, "t.txt")
    assert result.submissions[0].text == "Æøå tekst."
    assert result.notes == (note,)
