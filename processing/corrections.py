"""Analysts' corrections as labelled training examples (``train(..., extra=...)``).

A corrected statement carries its effective labels (override where the analyst
gave one, the model's label otherwise). Stance is kept only for positions; a
position without a stance cannot teach the stance head and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from processing.training.data import LabelledExample

CORRECTION_ORIGIN = "analyst-correction"


class Corrected(Protocol):
    """A corrected statement (``connectors.review.CorrectedStatement`` has these fields)."""

    @property
    def statement_id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def stance(self) -> str | None: ...


def training_examples(corrected: Iterable[Corrected]) -> list[LabelledExample]:
    """One example per corrected statement with text, in statement order; duplicates of a text kept once."""
    out: list[LabelledExample] = []
    seen: set[str] = set()
    for item in sorted(corrected, key=lambda c: c.statement_id):
        text = item.text.strip()
        stance = item.stance if item.type == "position" else None
        if not text or text in seen or (item.type == "position" and stance is None):
            continue
        seen.add(text)
        out.append(
            LabelledExample(
                text=text,
                type=item.type,
                theme=item.theme,
                stance=stance,
                group=f"statement-{item.statement_id}",
                origin=CORRECTION_ORIGIN,
            )
        )
    return out
