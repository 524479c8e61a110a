"""Where the shipped classifier lives and its version, without importing spaCy (~1 s)."""

from __future__ import annotations

import json
from pathlib import Path

PIPELINES_DIR = Path(__file__).with_name("pipelines")
DEFAULT_VERSION = "samordne-nb-2026.11.5"
DEFAULT_MODEL = PIPELINES_DIR / DEFAULT_VERSION


def model_version(path: Path | None = None) -> str:
    """The ``version`` in the model's ``meta.json``: what a run records, read without loading the model."""
    meta_path = Path(path or DEFAULT_MODEL) / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f"{meta_path}: no readable meta.json - is this a samordne model directory? Train one with `samordne train`"
        ) from exc
    return str(meta.get("version", "unversioned"))
