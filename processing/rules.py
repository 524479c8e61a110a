"""Rule features for the statement classifier: cue words turned into marker tokens.

The trained text classifiers see the statement's words (for newer models also their lemmas)
plus marker tokens such as ``__neg__`` (negation), ``__cond__`` (a condition), ``__need__``
(a need cue) and ``__q__`` (a question). Markers let a few hundred examples generalise:
"forutsatt at" and "under føresetnad av" look alike to the model. The feature set is versioned
(``FEATURES_VERSION``) and recorded with each trained model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

FEATURES_VERSION = "samordne-features-4"  # 4: optional lemma tokens (simplemma)
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
# Cue word -> the markers it sets; phrases are found with one zero-width scan over the joined
# tokens (" forutsatt at " inside " ".join(tokens) padded with spaces: whole-token matches only).
_WORD_MARKERS: dict[str, tuple[str, ...]] = {}
for _name, _cue_words in CUE_WORDS.items():
    for _word in _cue_words:
        _WORD_MARKERS[_word] = (*_WORD_MARKERS.get(_word, ()), _name)
_PHRASE_MARKER: dict[str, str] = {" ".join(p): name for name, phrases in CUE_PHRASES.items() for p in phrases}
_PHRASE_PATTERN = re.compile(
    r"(?<= )(?=(" + "|".join(map(re.escape, sorted(_PHRASE_MARKER, key=lambda x: (-len(x), x)))) + r") )"
)
_MARKER_ORDER: tuple[str, ...] = tuple(dict.fromkeys([*CUE_WORDS, *CUE_PHRASES]))
_FIRST_PERSON = frozenset({"vi", "kommunen", "kommunestyret", "vår", "vårt", "våre", "oss"})


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (question and exclamation marks kept as tokens)."""
    return _WORD.findall(text.lower())


def markers(text: str, tokens: list[str] | None = None) -> list[str]:
    """Marker tokens for the cues found in ``text``."""
    lowered = text.lower()
    tokens = _WORD.findall(lowered) if tokens is None else tokens
    token_set = set(tokens)
    names: set[str] = set()
    for word in token_set.intersection(_WORD_MARKERS):
        names.update(_WORD_MARKERS[word])
    names.update(_PHRASE_MARKER[m] for m in _PHRASE_PATTERN.findall(" " + " ".join(tokens) + " "))
    found = [f"__{name}__" for name in _MARKER_ORDER if name in names]
    if "?" in token_set:
        found.append("__q__")
    if "neg" in names and "support" in names:
        found.append("__neg_support__")
    if "support" in names and "men" in token_set:
        found.append("__support_but__")
    if any(map(str.isdigit, token_set)):
        found.append("__num__")
    if not token_set.isdisjoint(_FIRST_PERSON):
        found.append("__self__")
    if _BULLET.match(text):
        found.append("__bullet__")
    themes: set[str] = set()
    for stem in set(_THEME_PATTERN.findall(lowered)):  # tokens starting with a theme stem
        themes.update(_STEM_THEMES[stem])
    found.extend(f"__theme_{theme}__" for theme in THEME_STEMS if theme in themes)
    return found


LEMMA_LANGS: tuple[str, ...] = ("nb", "nn")  # bokmål first; simplemma tries each dictionary in order


@lru_cache(maxsize=2**17)
def lemma(word: str) -> str:
    """The dictionary lemma of a lower-cased word (bokmål, else nynorsk; the word itself when unknown).

    "kommunane" and "kommunene" both give "kommune". Cached: a corpus repeats its words.
    """
    import simplemma  # imported on first use (loading the dictionaries takes ~1.5 s): older models skip it

    return str(simplemma.lemmatize(word, lang=LEMMA_LANGS))


def features(text: str, *, prefixes: bool = True, lemmas: bool = False) -> list[str]:
    """The token sequence the classifier sees: words, lemmas, 5-letter prefixes, then markers.

    With ``lemmas`` each word whose lemma differs from it adds the lemma as a plain token, so an
    inflected or nynorsk form meets the base form of the same word elsewhere (models trained with
    ``samordne-features-4`` and the training option ``lemmas``).
    """
    tokens = words(text)
    out = list(tokens) if tokens else ["__empty__"]
    if lemmas:
        out.extend(lem for t in tokens if t.isalpha() and (lem := lemma(t)) != t)
    if prefixes:
        out.extend(f"{t[:PREFIX_LENGTH]}~" for t in tokens if len(t) > PREFIX_LENGTH and t.isalpha())
    out.extend(markers(text, tokens))
    return out


def features_many(texts: Iterable[str], *, prefixes: bool = True, lemmas: bool = False) -> list[list[str]]:
    return [features(t, prefixes=prefixes, lemmas=lemmas) for t in texts]
