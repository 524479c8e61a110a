"""Likert answers to stance."""

from __future__ import annotations

import pytest

from models.records import Stance
from processing.likert import is_likert_value, likert_stance, scale_direction_from_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Helt enig", Stance.SUPPORT),
        ("helt  enig ", Stance.SUPPORT),
        ("Delvis enig", Stance.CONDITIONAL),
        ("Verken enig eller uenig", Stance.NEUTRAL),
        ("Delvis uenig", Stance.OPPOSE),
        ("Helt uenig", Stance.OPPOSE),
        ("Vet ikke", Stance.NEUTRAL),
        ("Heilt einig", Stance.SUPPORT),
        ("Delvis einig", Stance.CONDITIONAL),
        ("Verken einig eller ueinig", Stance.NEUTRAL),
        ("Delvis ueinig", Stance.OPPOSE),
        ("Heilt ueinig", Stance.OPPOSE),
        ("Veit ikkje", Stance.NEUTRAL),
        (5, Stance.SUPPORT),
        (4.0, Stance.CONDITIONAL),
        ("3", Stance.NEUTRAL),
        (2, Stance.OPPOSE),
        (1, Stance.OPPOSE),
        ("4 - Delvis enig", Stance.CONDITIONAL),
        ("1 = Helt uenig", Stance.OPPOSE),
        (0, None),
        (6, None),
        (2.5, None),
        (True, None),
        ("Kanskje", None),
        (None, None),
    ],
)
def test_likert_stance(value: object, expected: Stance | None) -> None:
    """Words (bokmål and nynorsk) and 1-5 map to a stance, 5 = helt enig by default."""
    assert likert_stance(value) == expected
    assert is_likert_value(value) is (expected is not None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Stance.SUPPORT),
        (2, Stance.CONDITIONAL),
        (3, Stance.NEUTRAL),
        (5, Stance.OPPOSE),
        ("Helt enig", Stance.SUPPORT),
    ],
)
def test_likert_stance_one_agrees(value: object, expected: Stance) -> None:
    """With a reversed scale numbers flip, words do not."""
    assert likert_stance(value, one_agrees=True) == expected


@pytest.mark.parametrize(
    ("legend", "expected"),
    [
        ("Skala: 1 = Helt enig, 5 = Helt uenig", True),
        ("1=helt uenig 5=helt enig", False),
        ("1 - heilt einig", True),
        ("Svar på alle spørsmål", None),
    ],
)
def test_scale_direction_from_text(legend: str, expected: bool | None) -> None:
    """A legend tells which end of the numbers agrees."""
    assert scale_direction_from_text(legend) is expected
