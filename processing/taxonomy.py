"""The theme taxonomy analysts can edit, plus the fixed type and stance label sets.

The taxonomy lives in ``taxonomy.toml`` next to this module; a deployment may point
``Settings.taxonomy_path`` at its own copy. Keys are stable (stored in the database);
labels, descriptions and cue words are for people and for rule features.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from models.records import Stance, StatementType

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.toml")

THEME_KEYS: tuple[str, ...] = (
    "finansiering",
    "styring",
    "samhandling",
    "journal",
    "teknologi",
    "personvern",
    "innforing",
    "fremdrift",
    "marked",
    "annet",
)
TYPE_KEYS: tuple[str, ...] = tuple(t.value for t in StatementType)
STANCE_KEYS: tuple[str, ...] = tuple(s.value for s in Stance)


class TaxonomyError(ValueError):
    """The taxonomy file is missing, unreadable or incomplete."""


@functools.lru_cache(maxsize=8192)
def fold(value: str) -> str:
    """Lower-case, strip and map Norwegian letters and diacritics to ASCII ("Innføring" -> "innforing").

    Cached: the classifier folds each statement's theme hint and every theme's key and
    label (about 150,000 calls on the 50k inbox, over a few hundred distinct strings).
    """
    value = value.strip().casefold()
    value = value.replace("ø", "o").replace("æ", "ae").replace("å", "a")
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    label: str
    description: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Themes (editable), types and stances with their bokmål labels."""

    themes: MappingProxyType[str, Entry]
    types: MappingProxyType[str, Entry]
    stances: MappingProxyType[str, Entry]
    source: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.themes)

    def _theme(self, key: str) -> Entry:
        try:
            return self.themes[key]
        except KeyError:
            raise KeyError(f"unknown theme {key!r}; known: {', '.join(self.themes)}") from None

    def label(self, key: str) -> str:
        return self._theme(key).label

    def description(self, key: str) -> str:
        return self._theme(key).description

    def cues(self, key: str) -> tuple[str, ...]:
        return self._theme(key).cues

    def type_label(self, key: str) -> str:
        return self.types[key].label

    def stance_label(self, key: str) -> str:
        return self.stances[key].label

    def normalise(self, value: str) -> str | None:
        """Theme key for a key or label in any case/diacritic variant, else None."""
        folded = fold(value)
        if not folded:
            return None
        for entry in self.themes.values():
            if folded in (fold(entry.key), fold(entry.label)):
                return entry.key
        return None

    @staticmethod
    def _normalise_in(entries: MappingProxyType[str, Entry], value: str) -> str | None:
        folded = fold(value)
        for entry in entries.values():
            if folded and folded in (fold(entry.key), fold(entry.label)):
                return entry.key
        return None

    def normalise_type(self, value: str) -> str | None:
        """Type key for "need"/"Behov"/"behov" etc., else None."""
        return self._normalise_in(self.types, value)

    def normalise_stance(self, value: str) -> str | None:
        """Stance key for "support"/"Støtter"/"stotter" etc., else None."""
        return self._normalise_in(self.stances, value)


def _entries(
    data: dict[str, Any], section: str, required: tuple[str, ...], where: str, *, cues: bool
) -> MappingProxyType[str, Entry]:
    table = data.get(section)
    if not isinstance(table, dict):
        raise TaxonomyError(f"{where}: section [{section}] is missing")
    missing = [k for k in required if k not in table]
    if missing:
        raise TaxonomyError(f"{where}: [{section}] lacks key(s) {', '.join(missing)}")
    unknown = [k for k in table if k not in required]
    if unknown:
        raise TaxonomyError(
            f"{where}: [{section}] has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(required)}"
        )
    out: dict[str, Entry] = {}
    for key in required:
        item = table[key]
        name = f"{where}: [{section}.{key}]"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{name} must be a table")
        label, description = item.get("label"), item.get("description")
        if not isinstance(label, str) or not label.strip():
            raise TaxonomyError(f"{name}: 'label' is missing or empty")
        if not isinstance(description, str) or not description.strip():
            raise TaxonomyError(f"{name}: 'description' is missing or empty")
        raw_cues = item.get("cues", [])
        if cues and (not isinstance(raw_cues, list) or not all(isinstance(c, str) for c in raw_cues)):
            raise TaxonomyError(f"{name}: 'cues' must be a list of strings")
        cue_tuple = tuple(dict.fromkeys(c.strip().lower() for c in raw_cues if c.strip())) if cues else ()
        out[key] = Entry(key=key, label=label.strip(), description=description.strip(), cues=cue_tuple)
    return MappingProxyType(out)


def parse_taxonomy(text: str, where: str = "taxonomy.toml") -> Taxonomy:
    """Parse and validate taxonomy TOML; errors name ``where`` and the offending key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{where}: not valid TOML: {exc}") from exc
    themes = _entries(data, "themes", THEME_KEYS, where, cues=True)
    types = _entries(data, "types", TYPE_KEYS, where, cues=False)
    stances = _entries(data, "stances", STANCE_KEYS, where, cues=False)
    return Taxonomy(themes=themes, types=types, stances=stances, source=where)


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Taxonomy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {exc.strerror or exc}") from exc
    return parse_taxonomy(text, where=str(path))


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load (and cache) the taxonomy; ``None`` means the shipped ``taxonomy.toml``."""
    return _load_cached(Path(path or DEFAULT_TAXONOMY).resolve())
