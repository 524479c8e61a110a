"""The delivery files for the Directorate and their checksum manifest (bytes only; the flow saves)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from models.records import StatementRow
from reports.html import render_html
from reports.pdf import render_pdf
from reports.workbook import as_dict

DELIVERY_FILES = ("consolidated.json", "rapport.html", "rapport.pdf")
MANIFEST_SCHEMA = "samordne.delivery-manifest/1"


def consolidated_json(consolidation: Any) -> bytes:
    """``consolidated.json`` bytes: sorted keys, UTF-8, trailing newline; same input -> same bytes."""
    text = json.dumps(as_dict(consolidation), ensure_ascii=False, sort_keys=True, indent=2, default=str)
    return (text + "\n").encode("utf-8")


def build_delivery(consolidation: Any, rows: Sequence[StatementRow] = (), **_: Any) -> dict[str, bytes]:
    """``rapport.html``, ``rapport.pdf`` and ``consolidated.json`` as bytes.

    ``rows`` is accepted for symmetry with the workbook; the delivery shows only
    what consolidation already redacted, never raw statement rows.
    """
    html = render_html(consolidation)
    return delivery_files(consolidation, html, render_pdf(html))


def delivery_files(consolidation: Any, html: str, pdf: bytes) -> dict[str, bytes]:
    """The delivery from its parts, for a caller that lays out the PDF elsewhere (a worker process)."""
    return {
        "consolidated.json": consolidated_json(consolidation),
        "rapport.html": html.encode("utf-8"),
        "rapport.pdf": pdf,
    }


def delivery_manifest(files: Mapping[str, bytes]) -> bytes:
    """JSON listing the SHA-256 and size of every delivered file, sorted by name."""
    body = {
        "schema": MANIFEST_SCHEMA,
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
