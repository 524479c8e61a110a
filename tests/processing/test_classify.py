"""The shipped classifier: loads, labels obvious statements, honours hints and the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.records import Locator, Passage, Stance, StatementType
from processing.classify import load_classifier
from processing.model_meta import DEFAULT_VERSION

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


@pytest.mark.parametrize(
    "texts",
    [
        ["Vi trenger midler til opplæring."],
        ["det det det er det", "", "   ", "?", "Kommunen, kommunen og kommunen sier nei nei nei."],
        [
            "Vi støtter forslaget, forutsatt at staten betaler.",
            "Saken ble behandlet 12. mai 2024.",
            "nsubj dobj",
        ],
    ],
)
def test_linear_path_equals_spacy(texts: list[str]) -> None:
    """The cached linear scoring gives spaCy's own textcat scores (repeated words, spaCy symbol words, empty)."""
    clf = load_classifier()
    fast, reference = clf.scores(texts), clf.spacy_scores(texts)
    for got, want in zip(fast, reference, strict=True):
        assert got.keys() == want.keys() == {"type", "theme", "stance"}
        for head in got:
            assert got[head] == pytest.approx(want[head], abs=1e-6), head


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ordføreren mener at staten må betale.", ["__need__", "__opinion__"]),
        ("Kommunestyret krever at forslaget trekkes tilbake.", ["__need__", "__oppose__", "__self__"]),
        ("Kommunen er imot forslaget.", ["__oppose__", "__self__"]),
        ("Vi støtter det, med forbehold om at det er gratis.", ["__cond__", "__support__", "__self__"]),
        ("Vi stør det under føresetnad av pengar.", ["__cond__", "__support__", "__self__"]),
        ("Det er ikkje godt nok.", ["__neg__", "__support__", "__neg_support__"]),
        ("Hva koster det i 2026?", ["__q__", "__num__"]),
        ("Vi støtter ikke dette, men kanskje senere.", ["__neg__", "__support__", "__neg_support__", "__support_but__",
                                                        "__self__"]),
    ],
)  # fmt: skip
def test_rule_markers(text: str, expected: list[str]) -> None:
    """Cue words and phrases (bokmål and nynorsk) become marker tokens, in a fixed order."""
    from processing.rules import markers

    assert [m for m in markers(text) if not m.startswith("__theme_")] == expected


def test_lemma_tokens_bridge_inflections_and_written_standards() -> None:
    """Lemmas join bokmål and nynorsk inflections of a word; without the option the features do not change."""
    from processing.rules import features

    nb = features("Kommunene trenger midler.", lemmas=True)
    nn = features("Kommunane treng midlar.", lemmas=True)
    assert {"kommune", "trenge"} <= set(nb) & set(nn)
    for text, with_lemmas in (("Kommunene trenger midler.", nb), ("Kommunane treng midlar.", nn)):
        without = features(text)
        assert "kommune" not in without
        assert [t for t in with_lemmas if t not in {"kommune", "trenge", "middel"}] == without
    assert features("Kommune", lemmas=True) == features("Kommune")  # a base form adds nothing


@pytest.mark.parametrize("cap", [1, 5, 10_000])
def test_linear_cache_cap_keeps_scores(monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
    """A full feature cache starts afresh; scores stay those of spaCy's own path."""
    import processing.classify as classify_module
    from processing.classify import read_classifier

    monkeypatch.setattr(classify_module, "CACHE_MAX_FEATURES", cap)
    clf = read_classifier(classify_module.DEFAULT_MODEL)
    texts = ["Vi trenger midler.", "Kommunen er imot forslaget om betalingsplikt.", "Vi trenger midler."]
    first = [clf.scores([t])[0] for t in texts]
    for got, want in zip(first, clf.spacy_scores(texts), strict=True):
        for head in got:
            assert got[head] == pytest.approx(want[head], abs=1e-6)
    assert clf._linear is not None and len(clf._linear.index) <= max(cap, 25)


def test_model_version_is_read_without_loading_the_model(tmp_path: Path) -> None:
    """A run records the model version from meta.json alone; it matches the loaded model's."""
    from processing.model_meta import model_version

    assert model_version() == load_classifier().version == DEFAULT_VERSION
    with pytest.raises(FileNotFoundError, match=r"meta\.json"):
        model_version(tmp_path)
