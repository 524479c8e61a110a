"""The shipped classifier: loads, labels obvious statements, honours hints and the threshold."""

from __future__ import annotations

import pytest

from models.records import Locator, Passage, Stance, StatementType
from processing.classify import DEFAULT_VERSION, load_classifier

LOC = Locator(file="innspill.xlsx", sheet="Innspill", row=3)


def test_shipped_model_loads_once() -> None:
    """load_classifier() returns the cached shipped model with its version."""
    clf = load_classifier()
    assert clf is load_classifier()
    assert clf.version == DEFAULT_VERSION
    assert clf.meta["features"].startswith("samordne-features-")


@pytest.mark.parametrize(
    ("text", "type_", "theme", "stance"),
    [
        ("Kommunen trenger mer opplæring av de ansatte før innføringen.", "need", "innforing", None),
        ("Vi ber om at staten dekker kostnadene ved den nye løsningen.", "need", "finansiering", None),
        ("Kommunen er sterkt imot at staten skal pålegge kommunene betalingsplikt.", "position", "finansiering",
         "oppose"),
        ("Vi støtter at KS får en ledende rolle i styringen av selskapet.", "position", "styring", "support"),
        ("Vi er positive til løsningen, forutsatt at tilgangsstyringen ivaretar personvernet.", "position",
         "personvern", "conditional"),
        ("Fastlegene må få bedre tilgang til informasjon fra sykehuset.", "need", "samhandling", None),
        ("Tidsplanen er altfor ambisiøs, og vi frykter store forsinkelser.", "position", "fremdrift", "oppose"),
        ("Kommunen kjøper i dag journalsystemet fra en norsk leverandør.", "other", "marked", None),
    ],
)  # fmt: skip
def test_obvious_statements(text: str, type_: str, theme: str, stance: str | None) -> None:
    """Seed-like statements get the expected type, theme and stance."""
    labels = load_classifier().classify([text], threshold=0.0)[0]
    assert (labels.type.value, labels.theme, labels.stance.value if labels.stance else None) == (
        type_,
        theme,
        stance,
    )


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (Passage("x", LOC, hint_theme="Innføring"), ("theme", "innforing")),
        (Passage("x", LOC, hint_theme="MARKED"), ("theme", "marked")),
        (Passage("x", LOC, hint_type=StatementType.OTHER), ("type", "other")),
        (Passage("x", LOC, hint_stance=Stance.NEUTRAL), ("stance", "neutral")),
    ],
)
def test_hints_win_with_full_confidence(hint: Passage, expected: tuple[str, str]) -> None:
    """A source hint overrides the model and carries confidence 1.0."""
    text = "Kommunen er sterkt imot at staten skal pålegge kommunene betalingsplikt."
    labels = load_classifier().classify([text], hints=[hint])[0]
    head, value = expected
    got = getattr(labels, head)
    assert (got.value if hasattr(got, "value") else got) == value
    assert getattr(labels, f"{head}_confidence") == 1.0
    if head == "stance":
        assert labels.type is StatementType.POSITION and labels.type_confidence == 1.0


def test_hint_type_other_clears_stance() -> None:
    """Stance is None unless the type is position, even when the model would give one."""
    text = "Kommunen er sterkt imot at staten skal pålegge kommunene betalingsplikt."
    labels = load_classifier().classify([text], hints=[Passage(text, LOC, hint_type=StatementType.NEED)])[0]
    assert (labels.type, labels.stance, labels.stance_confidence) == (StatementType.NEED, None, None)


def test_unknown_theme_hint_is_flagged() -> None:
    """An unknown theme hint is ignored and the statement is marked for review."""
    labels = load_classifier().classify(
        ["Staten må betale."], hints=[Passage("x", LOC, hint_theme="Økonomi")]
    )[0]
    assert labels.needs_review
    assert "theme_hint_unknown" in labels.review_reasons


@pytest.mark.parametrize(
    ("threshold", "needs_review", "reasons"),
    [
        (0.0, False, ()),
        (1.0, True, ("type_low_confidence", "theme_low_confidence")),
    ],
)
def test_threshold_marks_for_review(threshold: float, needs_review: bool, reasons: tuple[str, ...]) -> None:
    """Below the threshold a prediction is kept but marked needs_review with reasons per head."""
    labels = load_classifier().classify(["Vi trenger bedre opplæring."], threshold=threshold)[0]
    assert labels.needs_review is needs_review
    assert labels.review_reasons == reasons


def test_every_prediction_has_confidence_in_range() -> None:
    """Confidences are in (0, 1]; stance confidence exists exactly for positions."""
    texts = ["Vi støtter forslaget.", "Kommunen har 5000 innbyggere.", "Hva koster det?", "", "ok"]
    for labels in load_classifier().classify(texts):
        assert 0.0 < labels.type_confidence <= 1.0 and 0.0 < labels.theme_confidence <= 1.0
        assert (labels.stance_confidence is not None) == (labels.type is StatementType.POSITION)


def test_deterministic() -> None:
    """Same input and model give identical labels, alone or in a batch."""
    texts = ["Vi støtter forslaget, men kostnadene må dekkes.", "Tidsplanen er urealistisk.", "Hei,"] * 3
    clf = load_classifier()
    first = clf.classify(texts)
    assert first == clf.classify(texts)
    assert [clf.classify([t])[0] for t in texts] == first


def test_hints_length_mismatch() -> None:
    """Hints must align with texts."""
    with pytest.raises(ValueError, match="got 2 texts but 1 hints"):
        load_classifier().classify(["a", "b"], hints=[None])
