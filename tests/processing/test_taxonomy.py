"""Taxonomy: loading, labels, normalisation and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.taxonomy import DEFAULT_TAXONOMY, THEME_KEYS, TaxonomyError, load_taxonomy, parse_taxonomy


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("innforing", "innforing"),
        ("Innføring", "innforing"),
        ("INNFORING", "innforing"),
        ("innføring", "innforing"),
        ("  Innføring ", "innforing"),
        ("INNFØRING", "innforing"),
        ("Finansiering", "finansiering"),
        ("personvern", "personvern"),
        ("Fremdrift", "fremdrift"),
        ("ANNET", "annet"),
        ("", None),
        ("økonomi", None),
        ("innfor", None),
    ],
)
def test_normalise_accepts_key_label_and_variants(value: str, expected: str | None) -> None:
    """normalise() maps keys, labels and case/diacritic variants to the key, else None."""
    assert load_taxonomy().normalise(value) == expected


def test_keys_and_labels() -> None:
    """The shipped taxonomy has the ten keys in order, each with label, description and cues."""
    taxonomy = load_taxonomy()
    assert taxonomy.keys == THEME_KEYS
    assert taxonomy.label("innforing") == "Innføring"
    assert taxonomy.label("finansiering") == "Finansiering"
    assert all(taxonomy.description(k) and taxonomy.cues(k) for k in taxonomy.keys)
    assert "sjukehus" in taxonomy.cues("samhandling")  # nynorsk cue next to bokmål


@pytest.mark.parametrize(
    ("key", "label"),
    [("need", "Behov"), ("position", "Posisjon"), ("other", "Annet")],
)
def test_type_labels(key: str, label: str) -> None:
    """Types carry their bokmål labels and normalise back from them."""
    taxonomy = load_taxonomy()
    assert taxonomy.type_label(key) == label
    assert taxonomy.normalise_type(label.upper()) == key


@pytest.mark.parametrize(
    ("key", "label"),
    [("support", "Støtter"), ("oppose", "Imot"), ("conditional", "Betinget"), ("neutral", "Nøytral")],
)
def test_stance_labels(key: str, label: str) -> None:
    """Stances carry their bokmål labels and normalise back from them, diacritics folded."""
    taxonomy = load_taxonomy()
    assert taxonomy.stance_label(key) == label
    assert taxonomy.normalise_stance(label.lower().replace("ø", "o")) == key


def test_unknown_theme_key_raises() -> None:
    """Asking for an unknown key names the known ones."""
    with pytest.raises(KeyError, match="unknown theme 'okonomi'"):
        load_taxonomy().label("okonomi")


def _without(section: str, key: str) -> str:
    text = DEFAULT_TAXONOMY.read_text(encoding="utf-8")
    start = text.index(f"[{section}.{key}]")
    end = text.find("\n[", start + 1)
    return text[:start] + (text[end + 1 :] if end != -1 else "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [valid", "t.toml: not valid TOML"),
        ("[types.need]\nlabel='x'", "t.toml: section [themes] is missing"),
        (_without("themes", "marked"), "t.toml: [themes] lacks key(s) marked"),
        (_without("stances", "neutral"), "t.toml: [stances] lacks key(s) neutral"),
        (
            DEFAULT_TAXONOMY.read_text(encoding="utf-8").replace('label = "Innføring"', 'label = ""'),
            "t.toml: [themes.innforing]: 'label' is missing or empty",
        ),
        (
            DEFAULT_TAXONOMY.read_text(encoding="utf-8") + '\n[themes.okonomi]\nlabel="Ø"\ndescription="x"\n',
            "t.toml: [themes] has unknown key(s) okonomi",
        ),
    ],
)
def test_invalid_taxonomy_is_rejected_with_file_and_key(text: str, message: str) -> None:
    """Validation errors name the file and the offending section/key."""
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy(text, where="t.toml")
    assert str(info.value).startswith(message)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a TaxonomyError naming the path."""
    path = tmp_path / "nope.toml"
    with pytest.raises(TaxonomyError, match=r"nope\.toml: cannot read taxonomy"):
        load_taxonomy(path)


def test_custom_file_loads(tmp_path: Path) -> None:
    """An edited copy loads with its own labels."""
    path = tmp_path / "mine.toml"
    path.write_text(
        DEFAULT_TAXONOMY.read_text(encoding="utf-8").replace('"Marked"', '"Leverandørmarked"'), "utf-8"
    )
    taxonomy = load_taxonomy(path)
    assert taxonomy.label("marked") == "Leverandørmarked"
    assert taxonomy.normalise("leverandormarked") == "marked"
