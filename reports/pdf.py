"""PDF of the HTML delivery with xhtml2pdf (pure Python): A4, margins, header and page numbers.

The print frame (page size, running header, "Side x av y" footer) is added here,
not in the HTML delivery, so the HTML stays a clean document for browsers.
DejaVu Sans (shipped with matplotlib) is embedded so æ, ø, å, « » and – render.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADER_TEXT = "Kommunesektorens samordnede innspill om Akson"

_PRINT_CSS = """
<style>
@font-face { font-family: "DejaVu Sans"; src: url("{regular}"); }
@font-face { font-family: "DejaVu Sans"; src: url("{bold}"); font-weight: bold; }
@page {
  size: a4 portrait;
  margin: 2.2cm 1.8cm 2cm 1.8cm;
  @frame header_frame { -pdf-frame-content: pdf_header; left: 1.8cm; right: 1.8cm; top: 0.9cm; height: 0.8cm; }
  @frame footer_frame { -pdf-frame-content: pdf_footer; left: 1.8cm; right: 1.8cm; bottom: 0.7cm; height: 0.8cm; }
}
#pdf_header { font-size: 7.5pt; color: #666666; border-bottom: 0.5px solid #999999; }
#pdf_footer { font-size: 7.5pt; color: #666666; text-align: right; }
h2 { -pdf-keep-with-next: true; }
h3 { -pdf-keep-with-next: true; }
tr { page-break-inside: avoid; }
</style>
"""

_FRAMES = (
    '<div id="pdf_header">' + HEADER_TEXT + " – leveranse til Direktoratet for e-helse</div>"
    '<div id="pdf_footer">Side <pdf:pagenumber> av <pdf:pagecount></div>'
)


class PdfRenderError(RuntimeError):
    """xhtml2pdf reported errors while laying out the document."""


def _with_print_frame(html: str) -> str:
    css = _PRINT_CSS.replace("{regular}", (FONT_DIR / "DejaVuSans.ttf").as_posix()).replace(
        "{bold}", (FONT_DIR / "DejaVuSans-Bold.ttf").as_posix()
    )
    html = html.replace("</head>", css + "</head>", 1) if "</head>" in html else css + html
    if "<body>" in html:
        return html.replace("<body>", "<body>" + _FRAMES, 1)
    return _FRAMES + html


def render_pdf(html: str) -> bytes:
    """A4 PDF bytes of ``html`` (as produced by ``reports.html.render_html``)."""
    from reportlab import rl_config
    from xhtml2pdf import pisa

    # Fixed creation date and document id: the same report gives the same PDF bytes (and SHA-256).
    rl_config.invariant = 1
    # xhtml2pdf logs every unsupported CSS property at WARNING; they are expected here.
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    out = io.BytesIO()
    status = pisa.CreatePDF(_with_print_frame(html), dest=out, encoding="utf-8")
    if status.err:
        raise PdfRenderError(f"PDF-en kunne ikke lages ({status.err} feil fra xhtml2pdf)")
    return out.getvalue()
