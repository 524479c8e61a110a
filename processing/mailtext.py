"""Pure text logic for e-mail bodies and letters: quoted history, forwards, signatures.

Municipal mail arrives as replies with the whole thread below, as forwards of a
letter from a municipality ("Videresender innspill fra Bodø kommune"), and with
signatures and confidentiality disclaimers that must not become statements but
are the best evidence of who wrote. ``split_mail_text`` separates those pieces;
``find_organisation`` picks an explicitly written municipality or organisation
name out of evidence lines. Nothing here touches files or the network.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# New text shorter than this above a forwarded letter is a covering note
# ("Videresender innspill fra Bodø kommune"), not the submission itself.
FORWARD_NOTE_MAX_CHARS = 300

_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*)?(?:videresendt melding|vidaresendt melding|videresendt e-post|forwarded message|"
    r"original message|opprinnelig melding|opphavleg melding|begin forwarded message|"
    r"start på videresendt melding)\s*:?\s*(?:-{2,})?\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_END = re.compile(r"\b(?:skrev|skreiv|wrote|schrieb)\b[^\n]{0,120}:\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(
    r"^\s*(?:den|on|am|på|dato|\d|(?:man|tir|tis|ons|tor|tors|fre|lør|laur|søn|sun|mon|tue|wed|thu|fri|sat)\w*\.?\s)",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(
    r"^\s*\*?(fra|frå|from|sendt|sent|dato|date|til|to|kopi|cc|emne|subject|tema)\s*:\*?\s*(.*)$",
    re.IGNORECASE,
)
_FROM_KEYS = {"fra", "frå", "from"}
_BLOCK_KEYS = {"sendt", "sent", "dato", "date", "til", "to", "emne", "subject"}

_CLOSING = re.compile(
    r"^\s*(?:med\s+)?(?:vennlig|vennleg|venleg|beste|hjertelig|varm|kjærlig)?\s*"
    r"(?:hilsen|helsing|helsingar|hilsner)\s*[,.!]?\s*(?P<rest>.{0,60})$"
    r"|^\s*(?:mvh|m\.v\.h\.?|vh|kind regards|best regards|regards|sincerely)\b\s*[,.!]?\s*(?P<rest2>.{0,60})$",
    re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^--\s?$")
_DISCLAIMER = re.compile(
    r"^\s*(?:denne\s+e-?posten|denne\s+e-?posten\s+og|dette\s+e-?postbrevet|denne\s+meldingen|"
    r"denne\s+e-?posta|e-?posten\s+kan\s+inneholde|konfidensialitet\s*:|taushetsplikt\s*:|"
    r"this\s+e-?mail|this\s+message\s+(?:may|is)|confidentiality\s+notice|disclaimer\s*:)",
    re.IGNORECASE,
)
_DISCLAIMER_WORDS = re.compile(
    r"konfidensiell|fortrolig|taushetsbelagt|unntatt offentlighet|feil mottaker|ved en feil|"
    r"confidential|intended recipient|privileged",
    re.IGNORECASE,
)

_NAME_WORD = r"[A-ZÆØÅÁČĐŊŠŦŽ][\w'’.\-]*"
_ORG_SUFFIX = r"(?:fylkeskommune|kommune|herad|herred|IKS|RHF|HF)"
_ORG = re.compile(rf"(?P<name>(?:{_NAME_WORD}[ \t]+){{1,4}}{_ORG_SUFFIX})(?![\w-])", re.IGNORECASE)
_ORG_WORD = re.compile(rf"^{_NAME_WORD}$")
_KNOWN_ORGS = (
    "Kommunenes Sentralforbund",
    "KS",
    "Norsk Helsenett",
    "Helse Midt-Norge",
    "Helseplattformen",
    "Direktoratet for e-helse",
    "Helsedirektoratet",
    "Legeforeningen",
    "Den norske legeforening",
    "Norsk Sykepleierforbund",
    "Fagforbundet",
)
_KNOWN_ORG = re.compile(
    r"^(?P<name>" + "|".join(re.escape(o) for o in _KNOWN_ORGS) + r")\b(?:\s*[,–—|-].*)?$",
    re.IGNORECASE,
)
# Capitalised words that start a sentence or a header but are never part of a name.
_LEADING_NOISE = {
    "til",
    "fra",
    "frå",
    "i",
    "hei",
    "innspill",
    "innspel",
    "vi",
    "sendt",
    "om",
    "og",
    "for",
    "med",
    "hilsen",
    "helsing",
    "svar",
    "re",
    "vs",
    "fw",
    "fwd",
    "kopi",
    "vedr",
    "vedrørende",
    "høringsinnspill",
    "høyringsinnspel",
    "høringssvar",
    "høyringssvar",
    "akson",
    "på",
    "the",
}
_SUBJECT_FROM = re.compile(r"\b(?:fra|frå|from|for)\s+(?P<rest>.+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MailText:
    """A mail body split into what the sender wrote and what surrounds it."""

    body: str  # the sender's own text (or the forwarded letter), signature and disclaimers removed
    signature: str = ""  # removed closing and signature block, kept as respondent evidence
    disclaimers: tuple[str, ...] = ()
    quoted: str = ""  # dropped quoted history
    forward_note: str = ""  # the short covering note above a forwarded letter
    forwarded_from: str = ""  # the "Fra:"/"From:" value of the forwarded letter


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _strip_blank_edges(lines: Sequence[str]) -> list[str]:
    """Lines without leading/trailing blank lines, runs of blank lines collapsed to one."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _header_block_at(lines: Sequence[str], i: int) -> int:
    """Length of an Outlook-style "Fra:/Sendt:/Til:/Emne:" block starting at ``i`` (0 if none)."""
    first = _HEADER_LINE.match(lines[i])
    if not first or first.group(1).lower() not in _FROM_KEYS:
        return 0
    keys: set[str] = set()
    j = i + 1
    while j < len(lines) and j < i + 8:
        m = _HEADER_LINE.match(lines[j])
        if not m:
            break
        keys.add(m.group(1).lower())
        j += 1
    return j - i if len(keys & _BLOCK_KEYS) >= 2 else 0


def _history_start(lines: Sequence[str]) -> tuple[int, str]:
    """Index where quoted history begins and its kind: "forward", "outlook", "reply", "quote" or ""."""
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            return i, "forward"
        if _header_block_at(lines, i):
            return i, "outlook"
        if _ATTRIBUTION_START.match(line) and _ATTRIBUTION_END.search(line):  # anchored test first: cheaper
            return i, "reply"
        if (
            i + 1 < len(lines)
            and _ATTRIBUTION_START.match(line)
            and _ATTRIBUTION_END.search(lines[i + 1])
            and len(line) + len(lines[i + 1]) < 300
        ):
            return i, "reply"
        if line.startswith(">"):
            return i, "quote"
    return len(lines), ""


def _unquote(lines: Sequence[str]) -> list[str]:
    if lines and all(not line.strip() or line.startswith(">") for line in lines):
        return [re.sub(r"^> ?", "", line) for line in lines]
    return list(lines)


def _forwarded_letter(history: Sequence[str]) -> tuple[list[str], str]:
    """The forwarded letter below its marker/header block, and its sender."""
    lines = list(history)
    if lines and _FORWARD_MARKER.match(lines[0]):
        lines = lines[1:]
    lines = _unquote(lines)
    i = 0
    sender = ""
    while i < len(lines) and (not lines[i].strip() or _HEADER_LINE.match(lines[i])):
        m = _HEADER_LINE.match(lines[i])
        if m and m.group(1).lower() in _FROM_KEYS and not sender:
            sender = m.group(2).strip()
        i += 1
    return list(lines[i:]), sender


def remove_disclaimers(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Drop confidentiality-disclaimer paragraphs; returns (kept lines, removed paragraphs)."""
    kept: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _DISCLAIMER.match(line) or (
            _DISCLAIMER_WORDS.search(line) and (i == 0 or not lines[i - 1].strip())
        ):
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            paragraph = " ".join(s.strip() for s in lines[i:j])
            if _DISCLAIMER_WORDS.search(paragraph):
                removed.append(paragraph)
                i = j
                continue
        kept.append(line)
        i += 1
    return kept, removed


def signature_start(lines: Sequence[str]) -> int:
    """Index of the first line of the closing/signature block (``len(lines)`` when none)."""
    for i, line in enumerate(lines):
        if _SIG_DELIMITER.match(line):
            return i
        m = _CLOSING.match(line)
        if m and (i > 0 or not (m.group("rest") or m.group("rest2") or "").strip()):
            return i
    return len(lines)


def split_signature(text: str) -> tuple[str, str]:
    """(body, signature): the closing phrase or ``-- `` delimiter and all that follows."""
    lines = normalise_newlines(text).split("\n")
    cut = signature_start(lines)
    body = "\n".join(_strip_blank_edges(lines[:cut]))
    signature = "\n".join(_strip_blank_edges(lines[cut:]))
    return body, signature


def _clean(lines: Sequence[str]) -> tuple[str, str, list[str]]:
    kept, disclaimers = remove_disclaimers(lines)
    body, signature = split_signature("\n".join(kept))
    return body, signature, disclaimers


def split_mail_text(text: str, subject: str = "") -> MailText:
    """Split a plain-text mail body into own text, signature, disclaimers and quoted history.

    A forward whose own text is a short covering note keeps the forwarded letter
    as ``body`` and its sender as ``forwarded_from``; any other history is dropped.
    """
    lines = normalise_newlines(text).split("\n")
    start, kind = _history_start(lines)
    own = [line for line in lines[:start] if not line.startswith(">")]
    history = lines[start:]
    body, signature, disclaimers = _clean(own)
    is_forward_subject = bool(re.match(r"^\s*(?:fwd?|vs|wg|tr|vidaresend)\s*:", subject, re.IGNORECASE))
    forwardish = kind == "forward" or (kind == "outlook" and (is_forward_subject or not body.strip()))
    if forwardish and len(body.strip()) <= FORWARD_NOTE_MAX_CHARS:
        letter, sender = _forwarded_letter(history)
        inner = split_mail_text("\n".join(letter))
        return MailText(
            body=inner.body,
            signature=inner.signature,
            disclaimers=tuple(disclaimers) + inner.disclaimers,
            quoted=inner.quoted,
            forward_note="\n".join(s for s in (body, signature) if s),
            forwarded_from=sender,
        )
    quoted = "\n".join(_strip_blank_edges(history))
    return MailText(body=body, signature=signature, disclaimers=tuple(disclaimers), quoted=quoted)


def _trim_name(name: str) -> str:
    words = name.split()
    while len(words) > 1 and (
        words[0].lower().strip(".:,") in _LEADING_NOISE or not _ORG_WORD.match(words[0])
    ):
        words.pop(0)
    return " ".join(words)


def organisation_in_line(line: str) -> str:
    """An organisation name that makes up the line (a letterhead or signature line), or ""."""
    text = line.strip().strip("*_#").strip()
    if not text or len(text) > 120:
        return ""
    known = _KNOWN_ORG.match(text)
    if known:
        return known.group("name")
    first = re.split(r"\s*(?:[,|•·]|\s[–—-]\s)\s*", text)[0].strip().rstrip(".")
    m = _ORG.fullmatch(first)
    if m:
        name = _trim_name(m.group("name"))
        return name if len(name.split()) >= 2 else ""
    return ""


def organisation_in_subject(subject: str) -> str:
    """A name after "fra/frå/from/for" in a subject: "Innspill fra Vinje kommune" -> "Vinje kommune"."""
    m = _SUBJECT_FROM.search(subject)
    if not m:
        return ""
    org = _ORG.search(m.group("rest"))
    if org:
        name = _trim_name(org.group("name"))
        return name if len(name.split()) >= 2 else ""
    return organisation_in_line(m.group("rest"))


def find_organisation(lines: Iterable[str]) -> str:
    """The first line that is an explicit municipality/organisation name, or ""."""
    for line in lines:
        name = organisation_in_line(line)
        if name:
            return name
    return ""


def head_lines(text: str, n: int = 3) -> list[str]:
    """The first ``n`` non-empty lines (a letterhead)."""
    out = [line.strip() for line in normalise_newlines(text).split("\n") if line.strip()]
    return out[:n]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def sanitise_name(raw: str | None, fallback: str) -> str:
    """A display-only file name: no directories, no "..", no control characters, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = _CONTROL.sub("", name).replace("\\", "/")
    name = name.rsplit("/", 1)[-1].strip().lstrip(".").strip()
    name = name.replace("!", "_")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:100] + dot + ext[:15]) if dot and len(ext) <= 15 else name[:120]
    return name or fallback
