"""Rule features for the statement classifier: cue words turned into marker tokens.

The trained text classifiers see the statement's words plus marker tokens such as
``__neg__`` (negation), ``__cond__`` (a condition), ``__need__`` (a need cue) and
``__q__`` (a question). Markers let a few hundred examples generalise: "forutsatt at"
and "under føresetnad av" look alike to the model. The feature set is versioned
(``FEATURES_VERSION``) and recorded with each trained model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FEATURES_VERSION = "samordne-features-3"
PREFIX_LENGTH = 5  # crude stemming: "kostnadene" and "kostnader" share "kostn"

_WORD = re.compile(r"\w+(?:[-.]\w+)*|[?!]", re.UNICODE)
_BULLET = re.compile(r"\s*(?:[-•*–]|\d{1,3}[.)]|[a-zA-Z][)])\s")

# Single words (lower case) and multi-word phrases per marker; nynorsk forms next to bokmål.
CUE_WORDS: dict[str, frozenset[str]] = {
    "neg": frozenset({"ikke", "ikkje", "aldri", "ingen", "inga", "intet", "uten", "utan"}),
    "cond": frozenset(
        {"dersom", "forutsatt", "forutsetter", "føreset", "forbehold", "vilkår", "hvis", "viss"}
    ),
    "need": frozenset(
        {
            "må",
            "bør",
            "trenger",
            "treng",
            "trengs",
            "trengst",
            "behov",
            "etterlyser",
            "etterlyse",
            "krever",
            "krev",
            "mangler",
            "manglar",
            "mangel",
            "nødvendig",
            "naudsynt",
            "forventer",
            "ønsker",
            "ynskjer",
            "savner",
        }
    ),
    "support": frozenset(
        {
            "støtter",
            "stør",
            "støttar",
            "positiv",
            "positive",
            "glad",
            "glade",
            "nøgd",
            "nøgde",
            "enig",
            "enige",
            "samd",
            "samde",
            "einige",
            "klokt",
            "riktig",
            "godt",
        }
    ),
    "oppose": frozenset(
        {
            "imot",
            "mot",
            "kritisk",
            "kritiske",
            "bekymret",
            "bekymra",
            "uenig",
            "uenige",
            "usamd",
            "usamde",
            "frykter",
            "fryktar",
            "urimelig",
            "urimeleg",
            "skeptisk",
            "skeptiske",
            "uforsvarlig",
            "feil",
            "redde",
        }
    ),
    "opinion": frozenset({"mener", "meiner", "synes", "syns", "vurderer", "ser"}),
}
CUE_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "cond": (
        ("forutsatt", "at"), ("under", "føresetnad", "av"), ("under", "forutsetning", "av"), ("på", "vilkår", "av"),
        ("så", "lenge"), ("bare", "hvis"), ("berre", "dersom"), ("kun", "dersom"), ("med", "forbehold"),
    ),
    "need": (("ber", "om"), ("behov", "for"), ("viktig", "at"), ("viktig", "med"), ("er", "nødvendig")),
    "oppose": (("ikke", "akseptere"), ("kan", "ikke"), ("lagt", "bort"), ("trekt", "tilbake"), ("trekkes",)),
}  # fmt: skip
# Word stems (prefix match) that point to a theme; broader than the taxonomy's cue words
# and fixed with the feature version so that editing the taxonomy cannot shift a trained model.
THEME_STEMS: dict[str, tuple[str, ...]] = {
    "finansiering": (
        "kostn",
        "finansi",
        "betal",
        "budsjett",
        "kron",
        "million",
        "milliard",
        "gevinst",
        "kompens",
        "utgift",
        "pris",
        "midl",
        "økonom",
        "lisens",
        "tilskot",
        "tilskudd",
        "egenandel",
        "invester",
        "spar",
        "penge",
    ),
    "styring": (
        "styr",
        "eier",
        "eigar",
        "eigd",
        "selskap",
        "mandat",
        "selvstyr",
        "sjølvstyr",
        "innflyt",
        "påverk",
        "rolle",
        "ansvarsdel",
        "beslut",
        "avgjer",
        "vedt",
        "organiser",
        "pålegg",
        "pålegge",
        "medvirk",
        "intensjon",
        "kommunestyre",
        "formannskap",
        "bystyre",
        "representantskap",
        "prosess",
        "signer",
        "myndighet",
    ),
    "samhandling": (
        "samhandl",
        "deling",
        "dele",
        "delast",
        "deles",
        "sykehus",
        "sjukehus",
        "fastleg",
        "melding",
        "kjernejournal",
        "legemiddel",
        "epikris",
        "helseforetak",
        "helseføretak",
        "spesialisthelse",
        "informasjonsflyt",
        "utskriv",
    ),
    "journal": ("journal", "dokumenter", "dokumentasjon", "fagsystem", "notat", "pasientjournal"),
    "teknologi": (
        "arkitektur",
        "plattform",
        "standard",
        "integrasj",
        "integrer",
        "infrastruktur",
        "api",
        "grensesnitt",
        "sky",
        "teknisk",
        "teknolog",
        "modul",
        "server",
        "drift",
        "nett",
        "fhir",
    ),
    "personvern": (
        "personvern",
        "informasjonssikker",
        "sikkerhet",
        "tryggleik",
        "tilgang",
        "logg",
        "hjemmel",
        "rettsl",
        "rettsleg",
        "taushet",
        "teieplikt",
        "samtykk",
        "datatilsyn",
        "innsyn",
        "lekkasj",
        "databehandl",
        "normen",
    ),
    "innforing": (
        "innfør",
        "opplær",
        "kompetans",
        "kapasitet",
        "velferdstek",
        "utrull",
        "endring",
        "ressurs",
        "ansatt",
        "tilsett",
        "bemann",
        "superbruk",
        "arbeidsbelast",
        "tatt i bruk",
        "trygghetsalarm",
        "tilsyn",
    ),
    "fremdrift": (
        "fremdrift",
        "framdrift",
        "tidsplan",
        "tempo",
        "forsink",
        "forsein",
        "stegvis",
        "trinnvis",
        "risiko",
        "fase",
        "fasar",
        "milepæl",
        "pilot",
        "utsett",
        "utsatt",
        "tidlig",
        "tidleg",
        "fort",
        "raskt",
    ),
    "marked": (
        "leverandør",
        "anskaff",
        "konkurrans",
        "marked",
        "marknad",
        "næringsliv",
        "innkjøp",
        "kontrakt",
        "eøs",
        "monopol",
        "industri",
        "abelia",
        "ikt-norge",
        "doffin",
    ),
    "annet": ("høringsfrist", "høyringsfrist", "digitaliser", "lokaldemokrati", "folkestyr", "innbygg"),
}


def _stem_themes() -> dict[str, tuple[str, ...]]:
    # Longest stem first: at one position the regex picks the longest matching stem, and every
    # shorter stem matching there is a prefix of it, so its themes are listed with it.
    stems = {stem for group in THEME_STEMS.values() for stem in group}
    return {
        stem: tuple(t for t, group in THEME_STEMS.items() if any(stem.startswith(g) for g in group))
        for stem in stems
    }


_STEM_THEMES = _stem_themes()
_THEME_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(map(re.escape, sorted(_STEM_THEMES, key=lambda x: (-len(x), x)))) + ")"
)
# " forutsatt at " matched against " ".join(tokens) padded with spaces: whole-token phrase match
_PHRASES_JOINED: dict[str, tuple[str, ...]] = {
    name: tuple(" " + " ".join(p) + " " for p in phrases) for name, phrases in CUE_PHRASES.items()
}
_FIRST_PERSON = frozenset({"vi", "kommunen", "kommunestyret", "vår", "vårt", "våre", "oss"})


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (question and exclamation marks kept as tokens)."""
    return _WORD.findall(text.lower())


def markers(text: str, tokens: list[str] | None = None) -> list[str]:
    """Marker tokens for the cues found in ``text``."""
    tokens = words(text) if tokens is None else tokens
    found: list[str] = []
    token_set = set(tokens)
    for name, cue_words in CUE_WORDS.items():
        if token_set & cue_words:
            found.append(f"__{name}__")
    joined = " " + " ".join(tokens) + " "
    for name, phrases in _PHRASES_JOINED.items():
        if f"__{name}__" not in found and any(phrase in joined for phrase in phrases):
            found.append(f"__{name}__")
    if "?" in token_set:
        found.append("__q__")
    if "__neg__" in found and "__support__" in found:
        found.append("__neg_support__")
    if "__support__" in found and "men" in token_set:
        found.append("__support_but__")
    if any(t.isdigit() for t in tokens):
        found.append("__num__")
    if token_set & _FIRST_PERSON:
        found.append("__self__")
    if _BULLET.match(text):
        found.append("__bullet__")
    themes: set[str] = set()
    for match in _THEME_PATTERN.finditer(text.lower()):  # tokens starting with a theme stem
        themes.update(_STEM_THEMES[match.group(1)])
    found.extend(f"__theme_{theme}__" for theme in THEME_STEMS if theme in themes)
    return found


def features(text: str, *, prefixes: bool = True) -> list[str]:
    """The token sequence the classifier sees: words, then 5-letter prefixes, then markers."""
    tokens = words(text)
    out = list(tokens) if tokens else ["__empty__"]
    if prefixes:
        out.extend(f"{t[:PREFIX_LENGTH]}~" for t in tokens if len(t) > PREFIX_LENGTH and t.isalpha())
    out.extend(markers(text, tokens))
    return out


def features_many(texts: Iterable[str], *, prefixes: bool = True) -> list[list[str]]:
    return [features(t, prefixes=prefixes) for t in texts]
