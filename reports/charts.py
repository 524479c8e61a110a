"""Static report charts as PNG bytes (matplotlib, Agg backend), byte-stable for the same data.

Stability: fixed figure size and dpi, fixed font and colours, PNG metadata
("Software" with the matplotlib version) removed, so the same consolidation gives
the same bytes and the delivery's SHA-256 only moves when the content does.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

STANCE_ORDER = ("support", "conditional", "neutral", "mixed", "oppose")
STANCE_LABELS = {
    "support": "Støtter",
    "conditional": "Betinget",
    "neutral": "Nøytral",
    "mixed": "Blandet",
    "oppose": "Imot",
    "none": "Uten standpunkt",
}
STANCE_COLOURS = {
    "support": "#2e7d32",
    "conditional": "#9ccc65",
    "neutral": "#bdbdbd",
    "mixed": "#ffb300",
    "oppose": "#c62828",
}
_RC: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "samordne",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def stance_by_theme_png(data: Mapping[str, Any]) -> bytes:
    """Horizontal stacked bars: municipalities per combined stance, one bar per theme."""
    themes = [t for t in data["themes"] if t["with_position"]["count"]] or list(data["themes"])
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.0, 0.45 * max(len(themes), 3) + 1.2))
        labels = [t["label"] for t in themes]
        left = [0] * len(themes)
        for stance in STANCE_ORDER:
            values = [t["stances"][stance]["count"] for t in themes]
            ax.barh(labels, values, left=left, color=STANCE_COLOURS[stance], label=STANCE_LABELS[stance])
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel("Antall kommuner med standpunkt")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
        fig.tight_layout()
        return _png(fig)


def coverage_by_county_png(data: Mapping[str, Any]) -> bytes:
    """Bars: share of each county's population living in municipalities that responded."""
    counties = list(data["coverage"]["by_county"])
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.0, 0.32 * max(len(counties), 3) + 1.0))
        labels = [f"{c['name']} ({c['responded']}/{c['total']})" for c in counties]
        values = [100 * c["share_population"] for c in counties]
        ax.barh(labels, values, color="#1565c0")
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("Andel av fylkets innbyggere i kommuner som har svart (%)")
        fig.tight_layout()
        return _png(fig)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
