"""Content sniffing decides the kind of a file from its bytes, not its name."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from connectors.sniff import detect_kind


def _xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Kommune"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


MAIL = b"From: Kari <kari@bergen.kommune.no>\r\nTo: ks@ks.no\r\nSubject: Innspill\r\n\r\nHei\r\n"

CASES = [
    ("innspill.xlsx", _xlsx_bytes(), "xlsx"),
    ("innspill.csv", _xlsx_bytes(), "xlsx"),  # renamed workbook: content wins
    ("makro.xlsm", _xlsx_bytes(), "xlsm"),
    ("arkiv.zip", _zip_bytes({"a.txt": b"hei"}), "zip"),
    ("forkledd.csv", _zip_bytes({"a.txt": b"hei"}), "zip"),
    ("brev.docx", _zip_bytes({"[Content_Types].xml": b"x", "word/document.xml": b"<w/>"}), "docx"),
    ("regneark.ods", _zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "ods"),
    ("skann.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", "pdf"),
    ("melding.eml", MAIL, "eml"),
    ("uten-endelse", MAIL, "eml"),
    ("eksport.mbox", b"From kari@bergen.kommune.no Mon Jan  1 00:00:00 2024\n" + MAIL, "mbox"),
    ("svar.csv", "Kommune;Svar\nBærum;Helt enig\n".encode("cp1252"), "csv"),
    ("svar.tsv", b"Kommune\tSvar\nAsker\tJa\n", "tsv"),
    ("notat.txt", "Vi støtter Akson.".encode(), "txt"),
    ("tom.csv", b"", "empty"),
    ("data.csv.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
    ("bilde.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "unknown"),
    ("utf16.csv", "Kommune,Svar\n".encode("utf-16"), "csv"),
]


@pytest.mark.parametrize(("name", "data", "kind"), CASES, ids=[c[0] for c in CASES])
def test_detect_kind(name: str, data: bytes, kind: str) -> None:
    """The detected kind follows the bytes; the extension only separates text formats."""
    fp = io.BytesIO(data)
    fp.seek(0)
    assert detect_kind(name, fp) == kind
    assert fp.tell() == 0


def test_attachment_display_name_uses_last_segment() -> None:
    """For 'mail.eml!/2/x.csv' the attachment's own extension counts, not the mail's."""
    assert detect_kind("post/mail.eml!/2/svar.csv", io.BytesIO(b"a;b\n1;2\n")) == "csv"
