"""Likert answers (words in bokmål or nynorsk, or numbers 1-5) mapped to a stance (pure).

Numbers: unless a header or legend says otherwise, 5 means "helt enig" and 1
"helt uenig" (Nettskjema's and Questback's default scale direction).
``scale_direction_from_text`` reads a legend such as "1 = helt enig, 5 = helt
uenig" and returns whether 1 is the agreeing end.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.records import Stance

__all__ = ["LIKERT_WORDS", "is_likert_value", "likert_stance", "scale_direction_from_text"]


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("–", "-").split())


# Answer words -> stance. "Delvis enig" agrees with reservations: conditional.
LIKERT_WORDS: dict[str, Stance] = {
    "helt enig": Stance.SUPPORT,
    "svært enig": Stance.SUPPORT,
    "enig": Stance.SUPPORT,
    "delvis enig": Stance.CONDITIONAL,
    "litt enig": Stance.CONDITIONAL,
    "verken enig eller uenig": Stance.NEUTRAL,
    "hverken enig eller uenig": Stance.NEUTRAL,
    "nøytral": Stance.NEUTRAL,
    "vet ikke": Stance.NEUTRAL,
    "ingen mening": Stance.NEUTRAL,
    "delvis uenig": Stance.OPPOSE,
    "litt uenig": Stance.OPPOSE,
    "uenig": Stance.OPPOSE,
    "helt uenig": Stance.OPPOSE,
    "svært uenig": Stance.OPPOSE,
    # nynorsk
    "heilt einig": Stance.SUPPORT,
    "einig": Stance.SUPPORT,
    "delvis einig": Stance.CONDITIONAL,
    "verken einig eller ueinig": Stance.NEUTRAL,
    "korkje einig eller ueinig": Stance.NEUTRAL,
    "veit ikkje": Stance.NEUTRAL,
    "veit ikkje/inga meining": Stance.NEUTRAL,
    "delvis ueinig": Stance.OPPOSE,
    "ueinig": Stance.OPPOSE,
    "heilt ueinig": Stance.OPPOSE,
}

_NUMBER_STANCE_AGREE_HIGH = {
    5: Stance.SUPPORT,
    4: Stance.CONDITIONAL,
    3: Stance.NEUTRAL,
    2: Stance.OPPOSE,
    1: Stance.OPPOSE,
}
_LEADING_NUMBER = re.compile(r"^([1-5])(?:\s*[-=:.)]\s*(.*))?$")
_LEGEND_ONE_AGREES = re.compile(r"1\s*[=:-]\s*(?:helt|heilt|svært)\s+(?:enig|einig)")
_LEGEND_FIVE_AGREES = re.compile(r"5\s*[=:-]\s*(?:helt|heilt|svært)\s+(?:enig|einig)")


def scale_direction_from_text(text: str) -> bool | None:
    """True when a legend says 1 is the agreeing end, False when 5 is, None when it says neither."""
    norm = _norm(text)
    if _LEGEND_ONE_AGREES.search(norm):
        return True
    if _LEGEND_FIVE_AGREES.search(norm):
        return False
    return None


def likert_stance(value: object, *, one_agrees: bool = False) -> Stance | None:
    """Stance of one Likert answer, or None when ``value`` is not a Likert answer.

    ``"4 - Delvis enig"`` style answers are read by their words.
    """
    if isinstance(value, bool):
        return None
    number: int | None = None
    if isinstance(value, int | float):
        if float(value).is_integer() and 1 <= value <= 5:
            number = int(value)
    elif isinstance(value, str):
        word_stance, number = _read_text(value)
        if word_stance is not None:
            return word_stance
    if number is None:
        return None
    if one_agrees:
        number = 6 - number
    return _NUMBER_STANCE_AGREE_HIGH[number]


@lru_cache(maxsize=4096)
def _read_text(value: str) -> tuple[Stance | None, int | None]:
    # Survey columns repeat a handful of answers; caching makes them cost a dict lookup.
    norm = _norm(value)
    if norm in LIKERT_WORDS:
        return LIKERT_WORDS[norm], None
    match = _LEADING_NUMBER.match(norm)
    if match:
        if match[2] and _norm(match[2]) in LIKERT_WORDS:
            return LIKERT_WORDS[_norm(match[2])], None
        if not match[2]:
            return None, int(match[1])
    return None, None


def is_likert_value(value: object) -> bool:
    """True for a Likert word or a 1-5 answer."""
    return likert_stance(value) is not None
