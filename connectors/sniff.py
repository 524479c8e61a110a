"""Decide what a file is from its bytes, not its name.

Municipalities rename files freely (a CSV saved as ``.xls``, a zip called
``.csv``), so the content decides; the extension only breaks ties between text
formats. Containers are inspected without extracting anything.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
SEVENZ_MAGIC = b"7z\xbc\xaf\x27\x1c"
RAR_MAGIC = b"Rar!"

TEXT_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".eml": "eml", ".mbox": "mbox"}
BINARY_EXTENSIONS = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsm",
    ".xlsb": "xlsb",
    ".xls": "xls",
    ".ods": "ods",
    ".msg": "msg",
    ".pdf": "pdf",
    ".docx": "docx",
    ".zip": "zip",
}
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,40}:[ \t]?")
MAIL_HEADERS = re.compile(
    rb"^(received|return-path|from|to|subject|date|message-id|mime-version|content-type|delivered-to|"
    rb"reply-to|cc|x-[a-z0-9-]+|dkim-signature|sender|in-reply-to|references|thread-topic|"
    rb"content-transfer-encoding)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
HEAD_BYTES = 8192


def detect_kind(name: str, fp: BinaryIO) -> str:
    """Kind of the file behind ``fp`` (seekable; position is restored).

    Returns one of: csv, tsv, txt, xlsx, xlsm, xlsb, xls, ods, docx, zip, pdf, eml, mbox, msg,
    encrypted_office, gzip, archive_other, empty, unknown.
    """
    start = fp.tell()
    try:
        head = fp.read(HEAD_BYTES)
        fp.seek(start)
        ext = PurePosixPath(name.rsplit("!/", 1)[-1]).suffix.lower()
        if not head:
            return "empty"
        if head.startswith(ZIP_MAGICS):
            return _zip_kind(fp, ext)
        if head.startswith(OLE_MAGIC):
            return _ole_kind(fp, ext)
        if head.startswith(b"%PDF-") or head[:1024].lstrip().startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(GZIP_MAGIC):
            return "gzip"
        if head.startswith((BZIP2_MAGIC + b"9", SEVENZ_MAGIC, RAR_MAGIC)):
            return "archive_other"
        if ext in {".xls", ".xlsb"} and not _looks_textual(head):
            return BINARY_EXTENSIONS[ext]  # old BIFF2-5 streams without an OLE container
        return _text_kind(head, ext)
    finally:
        fp.seek(start)


def _zip_kind(fp: BinaryIO, ext: str) -> str:
    try:
        with zipfile.ZipFile(fp) as zf:
            names = {n.lower() for n in zf.namelist()[:5000]}
            mimetype = b""
            if "mimetype" in names:
                info = zf.getinfo(next(n for n in zf.namelist() if n.lower() == "mimetype"))
                if info.file_size < 200:
                    mimetype = zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        # A damaged container: let the connector its extension names explain the damage.
        return (
            BINARY_EXTENSIONS.get(ext, "zip")
            if ext in {".xlsx", ".xlsm", ".xlsb", ".ods", ".docx"}
            else "zip"
        )
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if b"opendocument" in mimetype:
        return "zip"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsm" if ("xl/vbaproject.bin" in names or ext == ".xlsm") else "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "[content_types].xml" in names and ext in {".xlsx", ".xlsm"}:
        return ext[1:]
    return "zip"


def _ole_kind(fp: BinaryIO, ext: str) -> str:
    import olefile  # dependency of extract-msg

    try:
        ole = olefile.OleFileIO(fp)
    except Exception:  # olefile raises bare OSError/struct errors on damaged files
        return BINARY_EXTENSIONS.get(ext, "unknown") if ext in {".xls", ".msg"} else "unknown"
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
    finally:
        ole.close()
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        return "encrypted_office"
    if any(s.startswith("__substg1.0_") or s == "__properties_version1.0" for s in streams):
        return "msg"
    if "workbook" in streams or "book" in streams:
        return "xls"
    if "worddocument" in streams:
        return "unknown"  # legacy .doc: no maintained reader here
    return BINARY_EXTENSIONS.get(ext, "unknown") if ext in {".xls", ".msg"} else "unknown"


def _looks_textual(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    sample = head[:4096]
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls <= max(2, len(sample) // 100)


def _text_kind(head: bytes, ext: str) -> str:
    if not _looks_textual(head):
        return BINARY_EXTENSIONS.get(ext, "unknown") if ext in {".xls", ".xlsb"} else "unknown"
    stripped = head.lstrip(b"\xef\xbb\xbf")
    if stripped.startswith(b"From ") and ext != ".csv":
        return "mbox"
    lines = stripped.splitlines()[:30]
    first = lines[0] if lines else b""
    header_hits = len(MAIL_HEADERS.findall(stripped[:4096]))
    if ext == ".eml" or (HEADER_LINE.match(first) and header_hits >= 2 and ext not in {".csv", ".tsv"}):
        return "eml"
    if ext in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[ext]
    if ext in {".html", ".htm"}:
        return "txt"
    return "txt" if ext in {"", ".text", ".md"} else "unknown"
