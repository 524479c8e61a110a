"""Document connector: PDF (pypdf text layer), Word ``.docx`` (python-docx) and plain text.

Each document is one submission (a letter from one respondent). The respondent is
taken only from an explicit name in the letterhead (first lines) or in the
signature block; both go into ``context`` for the resolver. Passages keep their
place: ``part="page 3"`` for PDF pages, ``line`` for docx paragraphs and text lines.
A ``.docx`` is a zip of XML: it is checked against the zip-bomb limits before
python-docx opens it (its lxml parser already has ``resolve_entities=False``).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from connectors.base import Limits, QuarantineError
from models.records import Channel, Locator, Passage, ReadResult, Submission
from processing.mailtext import find_organisation, normalise_newlines, organisation_in_line, signature_start

MAX_PDF_PAGES = 2_000
MIN_TEXT_CHARS_PER_PAGE = 3


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    locator: Locator


def _decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then cp1252, as for CSV files."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _submission(name: str, blocks: list[_Block], first: Locator) -> Submission:
    """One submission: closing and signature removed from passages, letterhead + signature as context."""
    flat = [(i, line) for i, b in enumerate(blocks) for line in b.text.split("\n")]
    cut = signature_start([line for _, line in flat])
    body = list(blocks)
    sig_lines = [line.strip() for _, line in flat[cut:] if line.strip()]
    if cut < len(flat):
        index = flat[cut][0]
        kept = "\n".join(line for i, line in flat[:cut] if i == index).strip()
        body = [*blocks[:index], *([_Block(kept, blocks[index].locator)] if kept else [])]
    letterhead = [line.strip() for b in body[:5] for line in b.text.split("\n") if line.strip()][:5]
    respondent = find_organisation(letterhead) or find_organisation(sig_lines)
    # a bare organisation line at the top is a letterhead, not a statement
    while body and organisation_in_line(body[0].text) and len(body) > 1:
        body = body[1:]
    passages = tuple(Passage(text=b.text, locator=b.locator) for b in body if b.text.strip())
    context = tuple(dict.fromkeys(letterhead + sig_lines))
    return Submission(
        respondent=respondent,
        channel=Channel.DOCUMENT,
        locator=first,
        passages=passages,
        context=context,
    )


def _empty(name: str, what: str) -> QuarantineError:
    return QuarantineError(
        f"dokument '{name}': {what} – send innspillet på nytt med teksten i dokumentet",
        "empty",
        Locator(file=name),
    )


def read_pdf(name: str, data: bytes, limits: Limits) -> ReadResult:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise QuarantineError(
                f"PDF '{name}': er passordbeskyttet og kan ikke leses – be avsenderen sende en PDF uten passord",
                "encrypted",
            )
        n_pages = len(reader.pages)
    except QuarantineError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError) as exc:
        if "crypt" in str(exc).lower():
            raise QuarantineError(
                f"PDF '{name}': er kryptert og kan ikke leses – be avsenderen sende en PDF uten passord",
                "encrypted",
            ) from None
        raise QuarantineError(
            f"PDF '{name}': er ødelagt og kan ikke leses ({type(exc).__name__}) – be avsenderen lagre PDF-en på nytt",
            "corrupt",
        ) from None
    if n_pages > MAX_PDF_PAGES:
        raise QuarantineError(
            f"PDF '{name}': har {n_pages} sider, mer enn grensen på {MAX_PDF_PAGES} – send bare innspillet",
            "too_large",
        )
    blocks: list[_Block] = []
    notes: list[str] = []
    for number in range(1, n_pages + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except Exception as exc:  # pypdf raises many kinds on damaged content streams
            notes.append(f"PDF '{name}', side {number}: tekst kunne ikke hentes ({type(exc).__name__})")
            continue
        text = normalise_newlines(text).replace("\x00", "").strip()
        if len(text) >= MIN_TEXT_CHARS_PER_PAGE:
            for paragraph in re.split(r"\n\s*\n", text):
                if paragraph.strip():
                    blocks.append(_Block(paragraph.strip(), Locator(file=name, part=f"page {number}")))
    if not blocks:
        raise QuarantineError(
            f"PDF '{name}': er en skannet PDF uten tekstlag ({n_pages} sider uten tekst) "
            "– be avsenderen sende dokumentet som Word eller som PDF med tekst, eller skriv det inn",
            "scanned_pdf",
            Locator(file=name),
        )
    sub = _submission(name, blocks, Locator(file=name, part="page 1"))
    if not sub.passages:
        raise _empty(name, "inneholder bare hilsen og signatur")
    return ReadResult((sub,), notes=(f"PDF '{name}': {n_pages} sider", *notes))


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def check_zip_limits(name: str, zf: zipfile.ZipFile, compressed_size: int, limits: Limits) -> None:
    """Refuse an archive whose declared uncompressed size or ratio exceeds the limits, before expanding."""
    total = sum(max(info.file_size, 0) for info in zf.infolist())
    ratio = total / max(compressed_size, 1)
    if total > limits.max_uncompressed_bytes or ratio > limits.max_zip_ratio:
        raise QuarantineError(
            f"{name}: pakker ut til {_thousands(total)} byte ({ratio:.0f} ganger størrelsen), over grensen "
            f"på {_thousands(limits.max_uncompressed_bytes)} byte eller {limits.max_zip_ratio:.0f} ganger "
            "– dette ligner en zip-bombe; be avsenderen sende filene hver for seg",
            "zip_bomb",
            Locator(file=name),
        )


def _docx_blocks(name: str, document: object) -> list[_Block]:
    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    assert isinstance(document, DocxDocument)
    blocks: list[_Block] = []
    number = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            number += 1
            text = item.text.strip()
            style = (item.style.name if item.style is not None else "") or ""
            is_list = "list" in style.lower() or (item._p.pPr is not None and item._p.pPr.numPr is not None)
            if text:
                blocks.append(_Block(f"- {text}" if is_list else text, Locator(file=name, line=number)))
        elif isinstance(item, Table):
            for row in item.rows:
                number += 1
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    blocks.append(_Block(" | ".join(cells), Locator(file=name, line=number)))
    return blocks


def read_docx(name: str, data: bytes, limits: Limits) -> ReadResult:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip_limits(f"Word-dokument '{name}'", zf, len(data), limits)
            if "word/document.xml" not in zf.namelist():
                if "EncryptedPackage" in zf.namelist():
                    raise QuarantineError(f"Word-dokument '{name}': er passordbeskyttet", "encrypted")
                raise QuarantineError(
                    f"Word-dokument '{name}': mangler word/document.xml – lagre dokumentet på nytt som .docx",
                    "corrupt",
                )
    except zipfile.BadZipFile:
        raise QuarantineError(
            f"Word-dokument '{name}': er ikke en gyldig .docx (passordbeskyttet eller ødelagt) "
            "– lagre dokumentet på nytt uten passord",
            "corrupt",
        ) from None
    import docx
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _docx_blocks(name, document)
    except (etree.XMLSyntaxError, KeyError, ValueError, zipfile.BadZipFile, AttributeError, TypeError) as exc:
        raise QuarantineError(
            f"Word-dokument '{name}': kunne ikke leses ({type(exc).__name__}) – lagre dokumentet på nytt som .docx",
            "corrupt",
        ) from None
    if not blocks:
        raise _empty(name, "Word-dokumentet har ingen tekst")
    sub = _submission(name, blocks, blocks[0].locator)
    if not sub.passages:
        raise _empty(name, "inneholder bare hilsen og signatur")
    return ReadResult((sub,), notes=(f"Word-dokument '{name}': {len(blocks)} avsnitt",))


def read_txt(name: str, data: bytes) -> ReadResult:
    text, encoding = _decode_text(data)
    lines = normalise_newlines(text).replace("\x00", "").split("\n")
    blocks: list[_Block] = []
    start: int | None = None
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip() and start is None:
            start = number
        elif not line.strip() and start is not None:
            paragraph = "\n".join(s.strip() for s in lines[start - 1 : number - 1])
            blocks.append(_Block(paragraph, Locator(file=name, line=start)))
            start = None
    if not blocks:
        raise _empty(name, "tekstfilen er tom")
    sub = _submission(name, blocks, blocks[0].locator)
    if not sub.passages:
        raise _empty(name, "inneholder bare hilsen og signatur")
    return ReadResult((sub,), notes=(f"tekstfil '{name}': lest som {encoding}",))


class DocumentConnector:
    """Reads PDF, Word (.docx) and plain-text documents; one submission per document."""

    kinds: tuple[str, ...] = ("pdf", "docx", "txt")

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        data = fp.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise QuarantineError(
                f"dokument '{name}': er større enn grensen for én fil – del det opp", "too_large"
            )
        if data.startswith(b"%PDF") or data[:1024].find(b"%PDF-") >= 0:
            return read_pdf(name, data, limits)
        if data.startswith(b"PK\x03\x04"):
            return read_docx(name, data, limits)
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise QuarantineError(
                f"dokument '{name}': er et gammelt Word-dokument (.doc) eller passordbeskyttet .docx "
                "– lagre det som .docx uten passord eller som PDF",
                "unsupported",
            )
        return read_txt(name, data)
