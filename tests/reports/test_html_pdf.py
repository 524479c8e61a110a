"""The delivery: HTML (autoescaped, self-contained), PDF (A4, pages, æøå), JSON, checksum manifest."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader

from models.records import Municipality, Stance, StatementRow
from processing.consolidate import consolidate
from processing.consolidation.records import Consolidation
from processing.consolidation.sample import (
    STEERING_GROUP,
    municipalities_from_csv,
    sample_declarations,
    sample_rows,
    statement_row,
)
from reports.delivery import DELIVERY_FILES, build_delivery, consolidated_json, delivery_manifest
from reports.html import render_html
from reports.pdf import render_pdf

SCHEMA = Path(__file__).resolve().parents[2] / "reports" / "consolidated.schema.json"
SCRIPT = "<script>alert('x')</script>"
EMAIL = "per.hansen@vinje.kommune.no"
PHONE = "917 65 432"
FNR = "15076500565"  # checksum-valid (see test_redact)
SECRETS = (EMAIL, PHONE, FNR, "Per Hansen")


@pytest.fixture(scope="module")
def municipalities(shared_dir: Path) -> dict[str, Municipality]:
    return municipalities_from_csv((shared_dir / "reference" / "kommuner.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(municipalities: dict[str, Municipality]) -> list[StatementRow]:
    extra = [
        statement_row(
            60,
            f"Vinje støtter Akson {SCRIPT}.",
            kommunenummer="4036",
            name="Vinje",
            stance=Stance.SUPPORT,
            confidence=1.0,
        ),
        statement_row(
            61,
            f"Vinje er imot dette. Spør Per Hansen ({EMAIL}, {PHONE}), pasient {FNR}.",
            kommunenummer="4036",
            name="Vinje",
            theme="personvern",
            stance=Stance.OPPOSE,
            confidence=1.0,
        ),
    ]
    return sample_rows(municipalities) + extra


@pytest.fixture(scope="module")
def consolidation(municipalities: dict[str, Municipality], rows: list[StatementRow]) -> Consolidation:
    return consolidate(
        rows,
        municipalities,
        STEERING_GROUP,
        declarations=sample_declarations(),
        known_names=(EMAIL,),
        generated_from={"kjøring": 3},
    )


@pytest.fixture(scope="module")
def files(consolidation: Consolidation, rows: list[StatementRow]) -> dict[str, bytes]:
    return build_delivery(consolidation, rows)


@pytest.fixture(scope="module")
def pdf_text(files: dict[str, bytes]) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["rapport.pdf"])).pages)


def test_delivery_file_names(files: dict[str, bytes]) -> None:
    """The delivery is exactly rapport.html, rapport.pdf and consolidated.json."""
    assert sorted(files) == sorted(DELIVERY_FILES)


def test_script_is_escaped(files: dict[str, bytes]) -> None:
    """A statement containing <script> appears escaped in the HTML, never as markup."""
    html = files["rapport.html"].decode("utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script" not in html


def test_pdf_has_pages_and_norwegian_text(files: dict[str, bytes]) -> None:
    """The PDF is A4 with several pages, page numbers in the footer and æøå in its text layer."""
    pdf = files["rapport.pdf"]
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    first = reader.pages[0].extract_text()
    assert "Kommunesektorens samordnede innspill om Akson" in first
    assert f"Side 1 av {len(reader.pages)}" in first
    assert "Møre og Romsdal" in "".join(p.extract_text() for p in reader.pages[:3])


@pytest.mark.parametrize("secret", SECRETS)
def test_no_personal_data_in_any_delivery_file(files: dict[str, bytes], pdf_text: str, secret: str) -> None:
    """E-mail, phone, fødselsnummer and the named person from the input appear in no delivery file."""
    assert secret not in files["consolidated.json"].decode("utf-8")
    assert secret not in files["rapport.html"].decode("utf-8")
    assert secret not in pdf_text


def test_redacted_quote_is_delivered(files: dict[str, bytes]) -> None:
    """The redacted quote itself is delivered, with markers where the personal data was."""
    data = json.loads(files["consolidated.json"])
    quotes = [q["text"] for t in data["themes"] for qs in t["quotes"].values() for q in qs]
    assert (
        "Vinje er imot dette. Spør [navn fjernet] ([e-post fjernet], [telefon fjernet]), "
        "pasient [fødselsnummer fjernet]." in quotes
    )


def test_json_matches_schema(files: dict[str, bytes]) -> None:
    """consolidated.json validates against reports/consolidated.schema.json."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(files["consolidated.json"]), schema)


def test_delivery_is_byte_stable(consolidation: Consolidation, files: dict[str, bytes]) -> None:
    """Rendering twice gives identical HTML (charts included), PDF and JSON bytes."""
    html = render_html(consolidation)
    assert html.encode("utf-8") == files["rapport.html"]
    assert render_pdf(html) == files["rapport.pdf"]
    assert consolidated_json(consolidation) == files["consolidated.json"]


def test_delivery_manifest(files: dict[str, bytes]) -> None:
    """The manifest lists every delivered file with its SHA-256 and size."""
    manifest = json.loads(delivery_manifest(files))
    assert manifest["schema"] == "samordne.delivery-manifest/1"
    assert manifest["files"] == [
        {"name": name, "sha256": hashlib.sha256(files[name]).hexdigest(), "size": len(files[name])}
        for name in sorted(files)
    ]


def test_empty_consolidation_renders(municipalities: dict[str, Municipality]) -> None:
    """With no statements the report says so instead of failing: no needs, no dissent, first delivery."""
    files = build_delivery(consolidate([], municipalities, STEERING_GROUP, taxonomy_keys=("finansiering",)))
    html = files["rapport.html"].decode("utf-8")
    assert "Ingen behov er registrert." in html
    assert "Ingen kommuner går imot flertallet på noe tema." in html
    assert "Dette er første leveranse" in html
    assert files["rapport.pdf"].startswith(b"%PDF")
