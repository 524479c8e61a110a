"""File writers for the synthetic inbox: minimal xlsx, openpyxl workbooks, a one-page PDF, MIME.

Everything here is reproducible byte for byte: xlsx core properties and zip member dates are
fixed (``FIXED_TIMESTAMP``), MIME boundaries are passed in by the caller. The KS template and
``examples/make_examples.py`` use the same writers.
"""

from __future__ import annotations

import base64
import html
import io
import quopri
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime, formataddr
from typing import IO

from openpyxl import Workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.writer.excel import ExcelWriter

__all__ = [
    "DOCX_TYPE",
    "FIXED_TIMESTAMP",
    "KS_TEMPLATE_GUIDE",
    "MACRO_WORKBOOK_TYPE",
    "XLSX_TYPE",
    "CellValue",
    "Sheet",
    "attachment_part",
    "build_ks_template",
    "docx_bytes",
    "encode_header",
    "mail_bytes",
    "mail_html",
    "multipart",
    "pdf_bytes",
    "sheets_ods",
    "sheets_workbook",
    "sheets_xlsx",
    "slugify",
    "text_part",
    "write_mbox_message",
    "xlsx_bytes",
    "zip_bytes",
]

FIXED_TIMESTAMP = datetime(2025, 1, 1, 0, 0, 0)  # naive: xlsx core properties are naive UTC

CellValue = str | int | float | date | datetime | None


@dataclass
class Sheet:
    """A worksheet as plain cells, written either fast (``sheets_xlsx``) or through openpyxl."""

    title: str
    cells: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    max_row: int = 0

    def cell(self, row: int, column: int, value: CellValue) -> None:
        if value is not None and value != "":
            self.cells[(row, column)] = value
        self.max_row = max(self.max_row, row)

    def append(self, values: Sequence[CellValue]) -> None:
        row = self.max_row + 1
        for column, value in enumerate(values, start=1):
            self.cell(row, column, value)
        self.max_row = row


def sheets_xlsx(sheets: Sequence[Sheet], *, macro: bool = False) -> bytes:
    """A minimal, valid xlsx (inline strings, one date style) with fixed zip dates: fast and reproducible.

    openpyxl needs ~50 ms per small workbook, which made spreadsheets most of the run time at
    scale; this writer needs ~2 ms. Excel, openpyxl and calamine read the result. ``macro``
    declares the workbook macro-enabled (``.xlsm``) in ``[Content_Types].xml``, as Excel does
    when a workbook is saved as ``.xlsm`` (the VBA project itself is left out: nothing runs).
    """
    content_types = _content_types(len(sheets))
    if macro:
        content_types = content_types.replace(_SHEET_MAIN_TYPE, MACRO_WORKBOOK_TYPE)
    members = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _workbook_xml(sheets),
        "xl/_rels/workbook.xml.rels": _workbook_rels(len(sheets)),
        "xl/styles.xml": _STYLES,
    }
    for i, sheet in enumerate(sheets, start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, text.encode("utf-8"), compresslevel=6)
    return out.getvalue()


def sheets_workbook(sheets: Sequence[Sheet]) -> Workbook:
    """The same sheets as an openpyxl workbook (shared strings, styles: as Excel writes them)."""
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for (row, column), value in sorted(sheet.cells.items()):
            cell = ws.cell(row=row, column=column, value=value)
            if isinstance(value, datetime):
                cell.number_format = "dd.mm.yyyy hh:mm"
            elif isinstance(value, date):
                cell.number_format = "dd.mm.yyyy"
        for ref in sheet.merged:
            ws.merge_cells(ref)
        for letter, width in sheet.widths.items():
            ws.column_dimensions[letter].width = width
    return wb


def xlsx_bytes(wb: Workbook) -> bytes:
    """Serialise an openpyxl workbook reproducibly: fixed core properties and fixed zip member dates.

    ``openpyxl.save_workbook`` stamps ``modified`` with the current time and ``ZipFile.writestr``
    stamps every member with the local time, so the writer is driven directly and the archive
    rebuilt with a fixed date.
    """
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    wb.properties.creator = "samordne"
    wb.properties.lastModifiedBy = "samordne"
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
    f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd.mm.yyyy hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # naive: Excel serial dates have no zone


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    items = "".join(
        f'<sheet name="{html.escape(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    return f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{items}</sheets></workbook>'


def _workbook_rels(n: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    styles = f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}{styles}</Relationships>'


def _cell_xml(ref: str, value: CellValue) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{serial:.10g}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    text = html.escape(str(value), quote=False)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(sheet: Sheet) -> str:
    rows: dict[int, list[tuple[int, CellValue]]] = {}
    for (row, column), value in sheet.cells.items():
        rows.setdefault(row, []).append((column, value))
    parts = [f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}">']
    if sheet.widths:
        parts.append("<cols>")
        for letter, width in sorted(sheet.widths.items(), key=lambda lw: column_index_from_string(lw[0])):
            i = column_index_from_string(letter)
            parts.append(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>')
        parts.append("</cols>")
    parts.append("<sheetData>")
    for row in sorted(rows):
        cells = "".join(_cell_xml(f"{get_column_letter(c)}{row}", v) for c, v in sorted(rows[row]))
        parts.append(f'<row r="{row}">{cells}</row>')
    parts.append("</sheetData>")
    if sheet.merged:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
        parts.append(f'<mergeCells count="{len(sheet.merged)}">{refs}</mergeCells>')
    parts.append("</worksheet>")
    return "".join(parts)


KS_TEMPLATE_GUIDE = (
    "Slik fyller du ut malen",
    "Skriv kommunens navn, kontaktperson, e-post og dato øverst på arket 'Innspill'.",
    "Skriv ett innspill per rad fra rad 9.",
    "Tema: finansiering, styring, samhandling, journal, teknologi, personvern, innforing, "
    "fremdrift, marked eller annet.",
    "Behov eller posisjon: skriv 'Behov', 'Posisjon' eller 'Annet'.",
    "Prioritet: skriv 'Høy', 'Middels' eller 'Lav'.",
    "Send utfylt mal til KS som vedlegg i e-post.",
)


def build_ks_template(
    kommune: str,
    contact: str,
    email: str,
    dato: date | None,
    rows: Sequence[tuple[str, str, str, str]],
) -> list[Sheet]:
    """The KS input template filled in: ``rows`` are (Tema, Innspill, Behov eller posisjon, Prioritet)."""
    ws = Sheet("Innspill", widths={"A": 16, "B": 80, "C": 22, "D": 12})
    ws.cell(1, 1, "Innspill til Akson – KS")
    for row, (label, value) in enumerate(
        (("Kommune", kommune), ("Kontaktperson", contact), ("E-post", email), ("Dato", dato)), start=3
    ):
        ws.cell(row, 1, label)
        ws.cell(row, 2, value)
    for column, header in enumerate(("Tema", "Innspill", "Behov eller posisjon", "Prioritet"), start=1):
        ws.cell(8, column, header)
    for r, values in enumerate(rows, start=9):
        for column, value in enumerate(values, start=1):
            ws.cell(r, column, value)
    guide = Sheet("Veiledning", widths={"A": 100})
    for line in KS_TEMPLATE_GUIDE:
        guide.append([line])
    return [ws, guide]


def pdf_bytes(paragraphs: Sequence[str], *, width: int = 90) -> bytes:
    """A one-page PDF with a text layer (Helvetica, WinAnsi); paragraphs wrap at ``width`` characters."""
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(_wrap(para, width))
        lines.append("")
    lines = lines[:56]
    ops = ["BT", "/F1 11 Tf", "14 TL", "50 800 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe6\xf8\xe5\xc5\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def slugify(text: str) -> str:
    """ASCII file-name part: ``Ålesund`` -> ``alesund``, ``Nord-Fron`` -> ``nord-fron``."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "_", text).strip("_") or "x"


# MIME is assembled by hand: the ``email`` package's header registry made mail generation
# the slowest part (16 s of 55 s for 20,000 statements), and its boundaries are random.
_FROM_LINE = re.compile(rb"(?m)^(>*From )")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_mbox_message(fh: IO[bytes], msg: bytes, sender: str) -> None:
    """One mboxo entry: envelope line, the message with ``From `` lines escaped, a blank line."""
    fh.write(f"From {sender} Mon Jan  6 08:00:00 2025\n".encode("ascii"))
    fh.write(_FROM_LINE.sub(rb">\1", msg))
    if not msg.endswith(b"\n"):
        fh.write(b"\n")
    fh.write(b"\n")


def encode_header(value: str) -> str:
    """RFC 2047 base64 words of at most 20 characters each, folded onto continuation lines."""
    if value.isascii():
        return value
    words = [value[i : i + 20] for i in range(0, len(value), 20)]
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)


def mail_bytes(
    *,
    sender: tuple[str, str],
    subject: str,
    sent: datetime,
    message_id: str,
    boundary: str,
    text_body: str | None,
    html_body: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> bytes:
    """One message with LF line ends: text/plain, text/html or both bodies as multipart/alternative.

    ``attachment`` is (content type, file name, bytes); it makes the message multipart/mixed.
    Boundaries derive from ``boundary`` so the same arguments give the same bytes.
    """
    if text_body is not None and html_body is not None:
        alternatives = [text_part("plain", text_body), text_part("html", html_body)]
        body = multipart("alternative", boundary + "-alt==", alternatives)
    elif html_body is not None:
        body = text_part("html", html_body)
    else:
        body = text_part("plain", text_body or "")
    if attachment is not None:
        content_type, filename, data = attachment
        body = multipart("mixed", boundary + "==", [body, attachment_part(content_type, filename, data)])
    headers = (
        f"From: {formataddr(sender, charset='utf-8')}\n"
        "To: KS <post@ks.no>\n"
        f"Subject: {encode_header(subject)}\n"
        f"Date: {format_datetime(sent)}\n"
        f"Message-ID: {message_id}\n"
        "MIME-Version: 1.0\n"
    )
    return headers.encode("ascii") + body


def mail_html(greeting: str, paragraphs: Sequence[str], signature: Sequence[str]) -> str:
    """The text/html body of a mail: one ``<p>`` per paragraph, the signature lines joined by ``<br>``."""
    return (
        '<html><head><meta charset="utf-8"></head><body>'
        + f"<p>{html.escape(greeting)}</p>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        + "<p>"
        + "<br>".join(html.escape(s) for s in signature)
        + "</p></body></html>\n"
    )


def text_part(subtype: str, text: str) -> bytes:
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
    return head.encode("ascii") + quopri.encodestring(text.encode("utf-8"))


def attachment_part(content_type: str, filename: str, data: bytes) -> bytes:
    head = (
        f'Content-Type: {content_type}; name="{filename}"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment; filename="{filename}"\n\n'
    )
    return head.encode("ascii") + base64.encodebytes(data)


def multipart(subtype: str, boundary: str, parts: Sequence[bytes]) -> bytes:
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode("ascii")]
    for part in parts:
        out.append(f"--{boundary}\n".encode("ascii") + part + (b"" if part.endswith(b"\n") else b"\n"))
    out.append(f"--{boundary}--\n".encode("ascii"))
    return b"".join(out)


# ---------------------------------------------------------------------------------------------
# ODS, docx and zip, built by hand like the xlsx above: no ODS writer is installed, and
# python-docx needs ~90 ms per letter (its template carries a thumbnail and a theme), this ~1 ms.

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)


def zip_bytes(members: Sequence[tuple[str, bytes]], *, stored: Sequence[str] = ()) -> bytes:
    """A zip of ``(name, bytes)`` members in order, with fixed dates; names in ``stored`` are not compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data, compresslevel=6)
    return out.getvalue()


def _ods_cell(value: CellValue, span: int) -> str:
    spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    covered = "<table:covered-table-cell/>" * (span - 1)
    if value is None:
        return f"<table:table-cell{spanned}/>{covered}"
    if isinstance(value, bool | int | float):
        return (
            f'<table:table-cell{spanned} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>{covered}"
        )
    if isinstance(value, datetime | date):
        iso = value.replace(tzinfo=None).isoformat() if isinstance(value, datetime) else value.isoformat()
        return (
            f'<table:table-cell{spanned} office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{iso}</text:p></table:table-cell>{covered}"
        )
    text = html.escape(str(value), quote=False)
    return f'<table:table-cell{spanned} office:value-type="string"><text:p>{text}</text:p></table:table-cell>{covered}'


def sheets_ods(sheets: Sequence[Sheet]) -> bytes:
    """An OpenDocument spreadsheet (``.ods``, as LibreOffice saves it) of the same sheets.

    Merged ranges within one row become ``number-columns-spanned`` with covered cells; every
    row up to the last is written, so row numbers match the ``Sheet``.
    """
    tables: list[str] = []
    for sheet in sheets:
        spans: dict[tuple[int, int], int] = {}
        for ref in sheet.merged:
            first, last = ref.split(":")
            row = int(re.sub(r"[A-Z]", "", first))
            c1 = column_index_from_string(re.sub(r"\d", "", first))
            c2 = column_index_from_string(re.sub(r"\d", "", last))
            spans[(row, c1)] = c2 - c1 + 1
        width = max([c for _, c in sheet.cells] + [c + s - 1 for (_, c), s in spans.items()] + [1])
        rows: list[str] = []
        for r in range(1, sheet.max_row + 1):
            cells: list[str] = []
            c = 1
            while c <= width:
                span = spans.get((r, c), 1)
                cells.append(_ods_cell(sheet.cells.get((r, c)), span))
                c += span
            rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(
            f'<table:table table:name="{html.escape(sheet.title)}">'
            f'<table:table-column table:number-columns-repeated="{width}"/>{"".join(rows)}</table:table>'
        )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {_ODS_NS} manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return zip_bytes(
        [
            ("mimetype", _ODS_MIME.encode("ascii")),
            ("META-INF/manifest.xml", manifest.encode("utf-8")),
            ("content.xml", content.encode("utf-8")),
        ],
        stored=("mimetype",),
    )


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _w_paragraph(text: str) -> str:
    runs = "<w:br/>".join(
        f'<w:t xml:space="preserve">{html.escape(line, quote=False)}</w:t>' for line in text.split("\n")
    )
    return f"<w:p><w:r>{runs}</w:r></w:p>"


def docx_bytes(paragraphs: Sequence[str], *, letterhead: str = "") -> bytes:
    """A Word document: one paragraph per item (``\\n`` becomes a line break), ``letterhead`` in the page header.

    The page header is where municipalities put their name and logo; it is not body text.
    """
    header_ref = '<w:headerReference w:type="default" r:id="rId1"/>' if letterhead else ""
    document = (
        f'{_XML_HEAD}<w:document xmlns:w="{_W_NS}" xmlns:r="{_DOC_REL}"><w:body>'
        + "".join(_w_paragraph(p) for p in paragraphs)
        + f'<w:sectPr>{header_ref}<w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    overrides = (
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
    )
    members = [("word/document.xml", document)]
    if letterhead:
        overrides += (
            '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.header+xml"/>'
        )
        members += [
            (
                "word/header1.xml",
                f'{_XML_HEAD}<w:hdr xmlns:w="{_W_NS}">{_w_paragraph(letterhead)}</w:hdr>',
            ),
            (
                "word/_rels/document.xml.rels",
                f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
                f'Type="{_REL_NS}/header" Target="header1.xml"/></Relationships>',
            ),
        ]
    content_types = (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )
    root_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{_REL_NS}/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    return zip_bytes(
        [
            (n, t.encode("utf-8"))
            for n, t in [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), *members]
        ]
    )
