"""Remove personal data from text bound for the delivery.

Replaces, in this order: e-mail addresses, fødselsnummer / D-numbers (only
checksum-valid ones: an 11-digit case number or a meter id must survive),
Norwegian phone numbers, and names of individuals (known names passed in, a
title followed by a capitalised name, and "Firstname Lastname" where the first
name is a common Norwegian first name). Municipality and organisation names are
kept because nothing here matches them unless they look like a person's name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable

from models.records import Locator

NAME = "[navn fjernet]"
PHONE = "[telefon fjernet]"
EMAIL = "[e-post fjernet]"
FNR = "[fødselsnummer fjernet]"

_EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 11 digits, optionally "ddmmyy nnnnn" with one space; not part of a longer number.
_FNR_RE = re.compile(r"(?<![\d+])(\d{6}) ?(\d{5})(?!\d)")
# +47 / 0047 prefix, then 8 digits written plain, "xxx xx xxx" or "xx xx xx xx".
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)47[ -]?)?"
    r"(?:[2-9]\d{7}|[2-9]\d{2}[ -]\d{2}[ -]\d{3}|[2-9]\d[ -]\d{2}[ -]\d{2}[ -]\d{2})(?!\d)"
)
_UPPER = "A-ZÆØÅÉÄÖÜ"
_LOWER = "a-zæøåéäöü"
_CAP_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"

# Job titles that precede a person's name in Norwegian municipal letters.
TITLES = (
    "rådgiver",
    "seniorrådgiver",
    "spesialrådgiver",
    "kommunalsjef",
    "kommunedirektør",
    "rådmann",
    "ordfører",
    "varaordfører",
    "saksbehandler",
    "konsulent",
    "leder",
    "avdelingsleder",
    "enhetsleder",
    "virksomhetsleder",
    "kommuneoverlege",
    "fastlege",
    "lege",
    "sykepleier",
    "helsesykepleier",
    "prosjektleder",
    "direktør",
    "sjef",
    "fagleder",
    "fagansvarlig",
    "kontaktperson",
    "kontakt",
    "seksjonsleder",
    "tjenesteleder",
)

# Common Norwegian first names (SSB name statistics, most frequent given names); a
# capitalised surname must follow for the heuristic to fire, so "Per innbygger" stays.
FIRST_NAMES = frozenset(
    [
        "Anne",
        "Inger",
        "Kari",
        "Marit",
        "Ingrid",
        "Liv",
        "Eva",
        "Berit",
        "Astrid",
        "Bjørg",
        "Hilde",
        "Anna",
        "Solveig",
        "Marianne",
        "Randi",
        "Ida",
        "Nina",
        "Maria",
        "Elisabeth",
        "Kristin",
        "Bente",
        "Heidi",
        "Silje",
        "Hanne",
        "Gerd",
        "Linda",
        "Tone",
        "Tove",
        "Elin",
        "Anita",
        "Wenche",
        "Camilla",
        "Ragnhild",
        "Cecilie",
        "Grete",
        "Mona",
        "Line",
        "Karin",
        "Turid",
        "Monica",
        "Monika",
        "Laila",
        "Unni",
        "Thea",
        "Emma",
        "Nora",
        "Sara",
        "Sofie",
        "Julie",
        "Ingeborg",
        "Hege",
        "Trine",
        "Siri",
        "Lene",
        "Mette",
        "Sissel",
        "Ellen",
        "Torill",
        "Aud",
        "Gunn",
        "Reidun",
        "Vigdis",
        "Ruth",
        "Jorunn",
        "Merete",
        "Janne",
        "Stine",
        "Guro",
        "Marte",
        "Kjersti",
        "Tonje",
        "Ragnhild",
        "Synnøve",
        "Åse",
        "Else",
        "Lise",
        "Helga",
        "Jan",
        "Per",
        "Bjørn",
        "Ole",
        "Lars",
        "Kjell",
        "Knut",
        "Arne",
        "Svein",
        "Thomas",
        "Hans",
        "Geir",
        "Tor",
        "Morten",
        "Terje",
        "Odd",
        "Erik",
        "Martin",
        "Andreas",
        "John",
        "Anders",
        "Rune",
        "Trond",
        "Tore",
        "Jon",
        "Harald",
        "Olav",
        "Gunnar",
        "Stein",
        "Espen",
        "Jørgen",
        "Nils",
        "Rolf",
        "Leif",
        "Magnus",
        "Kristian",
        "Øyvind",
        "Einar",
        "Eirik",
        "Jens",
        "Steinar",
        "Henrik",
        "Kåre",
        "Petter",
        "Vidar",
        "Frode",
        "Christian",
        "Sindre",
        "Daniel",
        "Jonas",
        "Marius",
        "Sander",
        "Emil",
        "Tobias",
        "Mathias",
        "Fredrik",
        "Håkon",
        "Sigurd",
        "Sverre",
        "Eivind",
        "Torbjørn",
        "Atle",
        "Dag",
        "Ivar",
        "Egil",
        "Alf",
        "Roar",
        "Ståle",
        "Jostein",
        "Helge",
        "Tormod",
        "Ketil",
        "Asbjørn",
        "Even",
        "Vegard",
        "Amund",
        "Sondre",
        "Ola",
        "Kristoffer",
        "Magne",
        "Ingvar",
        "Halvor",
        "Sigmund",
        "Sveinung",
        "Aksel",
        "Johan",
        "Karl",
        "Olaf",
        "Peder",
        "Paul",
        "Pål",
        "Mohammed",
        "Muhammad",
        "Ali",
        "Ahmed",
        "Fatima",
        "Aisha",
    ]
)


def _fnr_valid(digits: str) -> bool:
    """Mod-11 control digits of a fødselsnummer / D-number, plus a plausible date."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    w1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    w2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = 11 - sum(a * b for a, b in zip(w1, d[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10 or k1 != d[9]:
        return False
    k2 = 11 - sum(a * b for a, b in zip(w2, d[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10 or k2 != d[10]:
        return False
    day, month = int(digits[0:2]), int(digits[2:4])
    if day > 40:  # D-number: day + 40
        day -= 40
    if month > 40:  # H-number (helsenummer): month + 40
        month -= 40
    return 1 <= day <= 31 and 1 <= month <= 12


def is_fodselsnummer(text: str) -> bool:
    """True for an 11-digit fødselsnummer or D-number with valid control digits."""
    return _fnr_valid(text.replace(" ", ""))


@dataclasses.dataclass(frozen=True, slots=True)
class _KnownNames:
    """The known-names pattern, and the words a name can start with (casefolded).

    The pattern is one alternation of often over a thousand names, and trying it at
    every position of a quote was most of the cost of redacting one. A name can
    only match where the quote has its first word (the pattern puts no word
    character before or inside that word), so quotes without any of those words
    skip the pattern. ``first_words`` is None when some name does not start with
    a word character: then every quote is tried.
    """

    pattern: re.Pattern[str]
    first_words: frozenset[str] | None

    def sub(self, replacement: str, text: str) -> str:
        if self.first_words is not None and self.first_words.isdisjoint(
            _fold(word) for word in _WORD_RE.findall(text)
        ):
            return text
        return self.pattern.sub(replacement, text)


_WORD_RE = re.compile(r"\w+")


def _fold(word: str) -> str:
    """Casefolded, with the two Turkish i's as i: equal for every pair of characters the
    pattern's IGNORECASE takes as equal (checked over all cased Unicode characters)."""
    return word.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def _known_pattern(known_names: Iterable[str]) -> _KnownNames | None:
    return _normalised_names(tuple(known_names))


@functools.lru_cache(maxsize=8)
def _normalised_names(known_names: tuple[str, ...]) -> _KnownNames | None:
    """The known-names pattern of a name list, normalised once per list.

    Consolidation redacts thousands of quotes with the same list (a tuple of
    the same strings hashes fast: str caches its hash), so the per-name
    clean-up runs once instead of once per quote.
    """
    names: set[str] = set()
    for raw in known_names:
        raw = (raw or "").strip()
        if not raw:
            continue
        if "@" in raw:  # an e-mail address: its local part often spells the name ("kari.nordmann")
            parts = [p for p in re.split(r"[._-]+", raw.split("@", 1)[0]) if p]
            if sum(1 for p in parts if p.isalpha()) < 2:
                # a role mailbox ("post", "postmottak", "servicetorget") or a lone token: taken
                # as a name it would blank that word in every quote ("e-post", "post")
                continue
            raw = " ".join(parts)
        if len(raw) < 3 or raw.isdigit():
            continue
        names.add(raw)
    return _compiled_names(tuple(sorted(names, key=lambda n: (-len(n), n))))


@functools.lru_cache(maxsize=8)
def _compiled_names(names: tuple[str, ...]) -> _KnownNames | None:
    """One alternation, longest names first, compiled once per name list.

    Consolidation redacts every quote with the same list of known names (often
    over a thousand); compiling a pattern per name per call overflowed the ``re``
    cache and made a 50k-statement consolidation take minutes.
    """
    if not names:
        return None
    alternatives = (r"\s+".join(re.escape(p) for p in name.split()) for name in names)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    firsts = [_WORD_RE.match(name) for name in names]
    first_words = frozenset(_fold(m.group(0)) for m in firsts if m is not None) if all(firsts) else None
    return _KnownNames(pattern, first_words)


_TITLE_RE = re.compile(
    r"(?<!\w)((?i:" + "|".join(TITLES) + r")\.?:?\s+)(" + _CAP_WORD + r"(?:\s+" + _CAP_WORD + r"){0,2})"
)
_FULLNAME_RE = re.compile(r"(?<!\w)(" + _CAP_WORD + r")((?:\s+" + _CAP_WORD + r"){1,2})(?!\w)")


def _first_name_hit(match: re.Match[str]) -> str:
    first = match.group(1).split("-")[0]
    return NAME if first in FIRST_NAMES else match.group(0)


def _title_hit(match: re.Match[str]) -> str:
    return match.group(1) + NAME


_PLACEHOLDER_RE = re.compile("(" + "|".join(re.escape(p) for p in (NAME, PHONE, EMAIL, FNR)) + ")")


def redact(text: str, known_names: Iterable[str] = ()) -> str:
    """``text`` with e-mail addresses, fødselsnummer, phone numbers and personal names replaced."""
    out = _EMAIL_RE.sub(EMAIL, text)
    out = _FNR_RE.sub(lambda m: FNR if _fnr_valid(m.group(1) + m.group(2)) else m.group(0), out)
    out = _PHONE_RE.sub(PHONE, out)
    known = _known_pattern(known_names)
    if known is not None:
        # not inside the markers just written: a known name "Post" must not turn
        # "[e-post fjernet]" into "[e-[navn fjernet] fjernet]"
        pieces = _PLACEHOLDER_RE.split(out)
        out = "".join(p if i % 2 else known.sub(NAME, p) for i, p in enumerate(pieces))
    out = _TITLE_RE.sub(_title_hit, out)
    return _FULLNAME_RE.sub(_first_name_hit, out)


_MESSAGE_ID_RE = re.compile(r"<?([^<>@\s]+)@([^<>@\s]+?)>?")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]{3,}")


def redact_locator(locator: Locator, known_names: Iterable[str] = ()) -> str:
    """``str(locator)`` for delivery: every part redacted, the message-id kept where it is a machine's.

    A Message-ID looks like an e-mail address, and ``redact`` would blank it, but it is
    where a quote from a mailbox file is found (``<synt-1-00002932@host>``,
    ``<19960722000255.AAA26598@host>``). It is kept when its left part has a digit and
    none of its letter runs is a known name's word or a common first name; otherwise
    (``<kari.nordmann@host>``) it is redacted like any address.
    """
    bits = [redact(locator.file, known_names)]
    for name, text in locator.parts():
        kept = name == "message_id" and _machine_message_id(text, known_names)
        bits.append(f"{name}={text if kept else redact(text, known_names)}")
    return " | ".join(bits)


def _machine_message_id(message_id: str, known_names: Iterable[str]) -> bool:
    match = _MESSAGE_ID_RE.fullmatch(message_id.strip())
    if match is None or not any(ch.isdigit() for ch in match.group(1)):
        return False
    words = _name_words(tuple(known_names))
    return all(_fold(run) not in words for run in _LETTER_RUN_RE.findall(match.group(1)))


@functools.lru_cache(maxsize=8)
def _name_words(known_names: tuple[str, ...]) -> frozenset[str]:
    """Casefolded words of the known names (of an address: its left part) and the common first names."""
    words = {_fold(w) for name in known_names for w in _WORD_RE.findall(name.split("@", 1)[0])}
    return frozenset(words | {_fold(n) for n in FIRST_NAMES})
