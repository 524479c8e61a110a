"""Name normalisation for respondent names, e-mail addresses and web domains.

Two levels, both idempotent (``f(f(x)) == f(x)``, checked by a property test):

* ``normalise`` is for display and exact comparison: Unicode NFKC, case-folded, every
  dash and hyphen a plain ``-``, whitespace collapsed. Diacritics stay ("bærum").
* ``fold`` is the lookup key: ``normalise``, then Norwegian letters and Sami/Kven
  diacritics to ASCII (æ->ae, ø->o, å->a, ŋ->n, á->a), the common ASCII transliterations
  made equal to the letters they stand for ("aa"->"a", so "Aalesund" == "Ålesund";
  "oe"->"o", so "Toensberg" == "Tønsberg"), everything but letters and digits removed
  (so "Nord Aurdal" == "Nord-Aurdal" == "Nordaurdal"), runs of one letter collapsed
  ("Hammerfest" == "Hamerfest"). A test checks that among the 357 municipalities only the
  known duplicates (Herøy, Våler) share a key.

Also here: word keys with the inflections of kommune / herad / fylkeskommune made equal,
and the two span matchers the registry uses (longest word spans, alias word sequences).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

__all__ = [
    "ANCHORS",
    "COUNTY_WORD",
    "MAX_QUERY_CHARS",
    "ascii_label",
    "extract_domains",
    "find_sequence",
    "fold",
    "longest_spans",
    "normalise",
    "strip_domains",
    "token_key",
    "tokens",
]

T = TypeVar("T")

# Longer respondent fields are cut before matching: a name is never this long, and the
# cap bounds the work done on hostile input.
MAX_QUERY_CHARS = 400

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "ä": "a",
        "ö": "o",
        "ü": "u",
        "ŋ": "n",
        "đ": "d",
        "ŧ": "t",
        "ʒ": "z",
        "ǯ": "z",
        "ß": "ss",
    }
)
_WHITESPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TRANSLITERATIONS = (("aa", "a"), ("oe", "o"))
_RUNS = re.compile(r"([a-z])\1+")
_TOKEN = re.compile(r"[^\W_]+")
# user@host.tld, or a bare host name with at least one dot and an alphabetic TLD.
_EMAIL = re.compile(r"[\w.+'-]{1,64}@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b")
_HOST = re.compile(
    r"(?<![\w@.-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])"
)


def normalise(text: str) -> str:
    """NFKC, case-folded, dashes unified, whitespace collapsed and stripped."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    # casefold can produce sequences NFKC would compose differently; one more pass settles it.
    text = unicodedata.normalize("NFKC", text)
    return _WHITESPACE.sub(" ", text).strip()


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lookup key: ASCII letters and digits only, transliterations and letter runs collapsed."""
    key = _NON_ALNUM.sub("", _strip_marks(normalise(text)))
    while True:  # terminates: every step shortens the key or leaves it unchanged
        new = key
        for old, replacement in _TRANSLITERATIONS:
            new = new.replace(old, replacement)
        new = _RUNS.sub(r"\1", new)
        if new == key:
            return key
        key = new


def ascii_label(name: str) -> str:
    """Conventional domain label of a municipality name: "Nordre Follo" -> "nordre-follo"."""
    text = _strip_marks(normalise(name))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def tokens(text: str) -> list[str]:
    """Words of the normalised text (letters and digits; punctuation and hyphens split)."""
    return _TOKEN.findall(normalise(text[:MAX_QUERY_CHARS]))


def extract_domains(text: str) -> list[str]:
    """Host names in ``text``: the part after ``@`` of e-mail addresses, then bare web hosts.

    ``www.`` is dropped; order is first occurrence; duplicates removed.
    """
    lowered = normalise(text[:MAX_QUERY_CHARS])
    found: list[str] = [m.group(1) for m in _EMAIL.finditer(lowered)]
    without_mail = _EMAIL.sub(" ", lowered)
    found.extend(m.group(1) for m in _HOST.finditer(without_mail))
    result: list[str] = []
    for host in found:
        host = host.removeprefix("www.")
        if host not in result:
            result.append(host)
    return result


def strip_domains(text: str) -> str:
    """``text`` normalised, with e-mail addresses and web hosts blanked out (they are evidence of their own)."""
    lowered = normalise(text[:MAX_QUERY_CHARS])
    return _WHITESPACE.sub(" ", _HOST.sub(" ", _EMAIL.sub(" ", lowered))).strip()


# Words that mark the name before them as a municipality ("Bergen kommune", "Voss herad", "Bærum k.").
ANCHORS = frozenset({fold("kommune"), fold("kommunen"), fold("kommunes"), fold("herad"), "k"})
COUNTY_WORD = fold("fylkeskommune")
_INFLECTIONS = {
    **{fold(f): COUNTY_WORD for f in ("fylkeskommunen", "fylkeskommunes")},
    **{fold(k): fold("kommune") for k in ("kommunen", "kommunes")},
    **{fold(h): fold("herad") for h in ("heradet", "herads")},
}


def token_key(token: str) -> str:
    """``fold`` of one word, with the inflected forms of kommune / herad / fylkeskommune made equal."""
    folded = fold(token)
    return _INFLECTIONS.get(folded, folded)


def longest_spans(
    n_tokens: int, lookup: Callable[[int, int], T | None], max_size: int, blocked: Sequence[bool] = ()
) -> list[tuple[int, int, T]]:
    """Non-overlapping token spans ``[start, end)`` that ``lookup`` accepts, longest first, in text order.

    Spans touching a ``blocked`` position are not tried; a rejected span leaves its words free
    for shorter ones.
    """
    found: list[tuple[int, int, T]] = []
    covered = [bool(b) for b in blocked] + [False] * (n_tokens - len(blocked))
    for size in range(min(max_size, n_tokens), 0, -1):
        for start in range(n_tokens - size + 1):
            end = start + size
            if any(covered[start:end]):
                continue
            value = lookup(start, end)
            if value is not None:
                found.append((start, end, value))
                covered[start:end] = [True] * size
    return sorted(found, key=lambda span: span[0])


def find_sequence(
    keys: Sequence[str], index: Mapping[str, Sequence[tuple[tuple[str, ...], T]]]
) -> tuple[int, T] | None:
    """The longest word sequence of ``index`` (keyed by first word) found in ``keys``: (start, value)."""
    best: tuple[int, int, T] | None = None
    for i, key in enumerate(keys):
        for sequence, value in index.get(key, ()):
            if tuple(keys[i : i + len(sequence)]) == sequence and (best is None or len(sequence) > best[1]):
                best = (i, len(sequence), value)
    return None if best is None else (best[0], best[2])
