"""Hostile and broken tabular input: refused with the right category and a bokmål reason, never a crash."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.base import Limits, QuarantineError
from connectors.csvtext import decode_text, read_csv_grid, sniff_delimiter
from connectors.tabular import TabularConnector

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tabular"
CORPUS = "corpora/spreadsheet"


def _refusal(name: str, data: bytes, limits: Limits | None = None) -> QuarantineError:
    with pytest.raises(QuarantineError) as info:
        TabularConnector().read(name, io.BytesIO(data), limits or Limits())
    return info.value


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * 30_000_000 + b"</worksheet>")
    return out.getvalue()


def _far_cell_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Kommune"
    ws["XFD1048576"] = "langt unna"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ods_repeat(rows: int) -> bytes:
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f"<office:document-content {ns}><office:body><office:spreadsheet><table:table table:name='A'>"
        f"<table:table-row table:number-rows-repeated='{rows}'>"
        "<table:table-cell office:value-type='string' table:number-columns-repeated='10'><text:p>x</text:p>"
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "limits", "category", "reason_start"),
    [
        (
            "bomb.xlsx",
            _zip_bomb,
            Limits(),
            "too_large",
            "regneark 'bomb.xlsx': filen pakkes ut til 30000031 byte fra ",
        ),
        (
            "langt.xlsx",
            _far_cell_xlsx,
            Limits(),
            "too_large",
            "regneark 'langt.xlsx': arket i 'xl/worksheets/sheet1.xml' strekker seg over 1048576 rader x 16384",
        ),
        (
            "gjentatt.ods",
            lambda: _ods_repeat(1000),
            Limits(max_cells=5000),
            "too_large",
            "regneark 'gjentatt.ods': ark 'A' har minst 1000 rader x 10 kolonner",
        ),
        (
            "stor.csv",
            lambda: b"a;b\n" * 100,
            Limits(max_cells=50),
            "too_large",
            "fil 'stor.csv', linje 26: over grensen på 50 celler",
        ),
        (
            "stor.xlsx",
            lambda: b"x" * 100,
            Limits(max_file_bytes=10),
            "too_large",
            "fil 'stor.xlsx': større enn",
        ),
        (
            "kuttet.xlsx",
            lambda: (FIXTURES / "forms.xlsx").read_bytes()[:1500],
            Limits(),
            "corrupt",
            "regneark 'kuttet.xlsx': filen er skadet",
        ),
        ("bin.csv", lambda: bytes(range(256)) * 4, Limits(), "corrupt", "fil 'bin.csv': innholdet er binært"),
        ("tom.csv", lambda: b"\r\n\r\n", Limits(), "empty", "fil 'tom.csv': filen er tom"),
        (
            "tall.csv",
            lambda: b"a;b\n1;2\n3;4\n",
            Limits(),
            "empty",
            "fil 'tall.csv': fant ingen innspill (ingen rader med tekst eller skalasvar) "
            "– kontroller at filen er fylt ut, gjerne i KS-malen",
        ),
    ],
)
def test_refused(name: str, make: object, limits: Limits, category: str, reason_start: str) -> None:
    """Bombs, oversized, truncated, binary and empty input raise QuarantineError with category and reason."""
    assert callable(make)
    error = _refusal(name, make(), limits)
    assert error.category == category
    assert error.reason.startswith(reason_start), error.reason


@pytest.mark.parametrize(
    ("corpus_file", "category"),
    [
        ("msoffcrypto_example_password.xlsx", "encrypted"),
        ("msoffcrypto_xor_password.xls", "encrypted"),
        ("msoffcrypto_rc4cryptoapi_password.xls", "encrypted"),
        ("calamine_pass_protected.ods", "encrypted"),
        ("calamine_pass_protected.xlsb", "encrypted"),
        ("calamine_issue_594_dos.ods", "too_large"),
        ("xlrd_sample_zip_not_ooxml.xlsx", "corrupt"),
    ],
)
def test_corpus_refusals(shared_dir: Path, corpus_file: str, category: str) -> None:
    """Encrypted workbooks, the ODS repeat bomb and a non-OOXML zip are refused by category."""
    error = _refusal(corpus_file, (shared_dir / CORPUS / corpus_file).read_bytes())
    assert error.category == category
    assert error.reason.startswith(f"regneark '{corpus_file}': ")
    if category == "encrypted":
        assert error.reason.endswith(
            "filen er passordbeskyttet (kryptert) og kan ikke leses – lagre den uten passord"
        )


def test_ods_bomb_is_refused_fast(shared_dir: Path) -> None:
    """The 10^18-cell ODS repeat bomb is refused from the XML counts, well under a second."""
    import time

    data = (shared_dir / CORPUS / "calamine_issue_594_dos.ods").read_bytes()
    start = time.monotonic()
    _refusal("bomb.ods", data)
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Bodø;Ås\n".encode(), "Bodø;Ås\n", "utf-8"),
        (b"\xef\xbb\xbf" + "Bodø\n".encode(), "Bodø\n", "utf-8-sig"),
        ("Bodø\n".encode("utf-16"), "Bodø\n", "utf-16"),
        ("Bodø – Ås\n".encode("cp1252"), "Bodø – Ås\n", "cp1252"),
        ("Bodø\n".encode("iso-8859-1"), "Bodø\n", "cp1252"),
        (b"caf\x81\n", "caf\x81\n", "iso-8859-1"),
    ],
)
def test_decode_text(data: bytes, text: str, encoding: str) -> None:
    """BOMs decide; else strict UTF-8, then cp1252, then ISO-8859-1 for bytes cp1252 leaves undefined."""
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('a;b\n"1,5";"2,5"\n"3,1";"4,2"\n', ";"),
        ('tekst,tall\n"a;b;c",1\n"d;e",2\n', ","),
        ("bare en kolonne\nog en til\n", ";"),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    """The delimiter splitting most lines consistently outside quotes wins; ';' breaks ties."""
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    ("data", "rows", "lines", "note"),
    [
        (
            b"a,b\r1,2\r3,4\r",
            (("a", "b"), ("1", "2"), ("3", "4")),
            (1, 2, 3),
            "linjeskift: kun CR (gammel Mac)",
        ),
        (b"a,b\n1,\x002\n", (("a", "b"), ("1", "2")), (1, 2), "NUL-tegn fjernet"),
        (
            b'a;b\n"x\ny";2\nz;3\n',
            (("a", "b"), ("x\ny", "2"), ("z", "3")),
            (1, 2, 4),
            "skilletegn: semikolon",
        ),
        (
            b"a;b;c\n1\n2;3;4;5\n",
            (("a", "b", "c"), ("1",), ("2", "3", "4", "5")),
            (1, 2, 3),
            "skilletegn: semikolon",
        ),
    ],
)
def test_read_csv_grid(
    data: bytes, rows: tuple[tuple[str, ...], ...], lines: tuple[int, ...], note: str
) -> None:
    """CR-only newlines, NUL bytes, quoted multi-line cells and ragged rows come out as a grid with line numbers."""
    grid, notes = read_csv_grid("x.csv", data, Limits())
    assert grid.rows == rows
    assert grid.lines == lines
    assert note in notes
