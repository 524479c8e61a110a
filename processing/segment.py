"""Sentence-level segmentation of municipal input, on a blank spaCy ``nb`` pipeline.

Two passes. A line pass cuts a text into blocks: list items (``-``, ``•``, ``*``,
``–``, ``1.``, ``1)``, ``a)``), headings (a short first line of a paragraph without
final punctuation, followed by a newline), salutations (``Hei,``, ``Til Direktoratet
for e-helse``) and closings (``Med vennlig hilsen`` and the signature lines after it)
each become their own block; other lines join into paragraphs, so hard-wrapped
e-mail text stays one sentence. A token pass then splits each block into
sentences with the tokenizer's Norwegian abbreviation exceptions plus our own, so
``f.eks.``, ``jf.``, ``kap.``, ``t.d.``, ``3. mars`` or ``§ 5`` never end a sentence.

Offsets always satisfy ``text[start:end] == segment.text`` and segments are in
order, non-overlapping, stripped, and cover every non-space character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Token

from models.records import Segment, Submission

Span = tuple[int, int]

# Abbreviations the stock nb tokenizer splits ("kap." -> "kap", ".") or misses in capitalised form.
EXTRA_ABBREVIATIONS: tuple[str, ...] = (
    "f.eks.", "bl.a.", "jf.", "jfr.", "mv.", "m.v.", "kap.", "nr.", "ca.", "o.l.", "m.m.", "dvs.", "pga.",
    "evt.", "ev.", "iht.", "ifm.", "t.d.", "mfl.", "m.fl.", "osv.", "m.a.", "o.a.", "adm.", "dir.", "avd.",
    "tlf.", "vedr.", "ref.", "inkl.", "ekskl.", "hhv.", "mht.", "vha.", "pkt.", "stk.", "fig.", "vedl.",
    "ang.", "sml.", "pr.", "ift.", "mtp.", "bl.anna", "s.", "art.", "lnr.", "prop.", "st.",
)  # fmt: skip
# Abbreviations that may close a sentence: "... journal, samhandling osv. Neste setning".
SENTENCE_FINAL_ABBREVIATIONS = frozenset(
    {"osv.", "mv.", "m.v.", "m.m.", "o.l.", "mfl.", "m.fl.", "o.a.", "etc."}
)
TERMINALS = frozenset(".!?…")
_TERMINAL_CHARS = "".join(sorted(TERMINALS))
CLOSERS = frozenset("»\"')]}”’")

# A terminal with more than terminals, closers and spaces after it: only then can a block hold
# more than one sentence (every boundary rule above needs a terminal or an abbreviation's period).
_INNER_TERMINAL = re.compile(r"[.!?…](?![.!?…»\"')\]}”’\s]*\Z)")
_BULLET = re.compile(r"[ \t]*(?:[-•*–—▪◦·]|\d{1,3}[.)]|[a-zA-Z][)])(?=[ \t])")
_OPENING = re.compile(r"[ \t]*(?:hei|hallo|heisann|god\s+dag|kjære)\b[^,.!?:\n]{0,40},", re.IGNORECASE)
_ADDRESS = re.compile(r"[ \t]*til\s+\S", re.IGNORECASE)
_CLOSING = re.compile(
    r"[ \t]*(?:med\s+(?:vennlig|venleg|venlig)\s+(?:hilsen|helsing)|vennlig\s+hilsen|venleg\s+helsing|"
    r"beste\s+hilsen|hilsen|helsing|mvh|vh)\b[^\n]{0,60}$",
    re.IGNORECASE,
)
HEADING_MAX_CHARS = 70
HEADING_MAX_WORDS = 9


@lru_cache(maxsize=1)
def segmenter_nlp() -> Language:
    """Blank ``nb`` tokenizer with the project's abbreviation exceptions (built once)."""
    import spacy

    nlp = spacy.blank("nb")
    tokenizer: Tokenizer = nlp.tokenizer
    for abbr in EXTRA_ABBREVIATIONS:
        for form in {abbr, abbr[:1].upper() + abbr[1:]}:
            tokenizer.add_special_case(form, [{"ORTH": form}])
    return nlp


def _lines(text: str) -> Iterable[Span]:
    start = 0
    for match in re.finditer("\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _is_heading(line: str, next_line: str | None, first_in_paragraph: bool) -> bool:
    stripped = line.strip()
    following = (next_line or "").strip()
    return (
        next_line is not None
        and (
            not following
            or following[0].isupper()
            or following[0].isdigit()
            or bool(_BULLET.match(next_line))
        )
        and first_in_paragraph
        and 0 < len(stripped) <= HEADING_MAX_CHARS
        and len(stripped.split()) <= HEADING_MAX_WORDS
        and stripped[-1] not in ".!?:;,…»\"')"
        and (stripped[0].isupper() or stripped[0].isdigit() or stripped[0] == "§")
    )


def split_blocks(text: str) -> list[Span]:
    """Cut ``text`` into line-level blocks (paragraphs, list items, headings, salutations)."""
    blocks: list[Span] = []
    current: Span | None = None
    in_signature = False
    lines = list(_lines(text))

    def flush() -> None:
        nonlocal current
        if current is not None:
            stripped = _strip(text, *current)
            if stripped:
                blocks.append(stripped)
            current = None

    for index, (start, end) in enumerate(lines):
        line = text[start:end]
        if not line.strip():
            flush()
            continue
        next_line = text[slice(*lines[index + 1])] if index + 1 < len(lines) else None
        if in_signature or _CLOSING.match(line):
            flush()
            blocks.append(_strip(text, start, end) or (start, end))
            in_signature = True
            continue
        if (opening := _OPENING.match(line)) and current is None:
            blocks.append(_strip(text, start, start + opening.end()) or (start, end))
            rest = _strip(text, start + opening.end(), end)
            if rest:
                current = rest
            continue
        first = current is None
        if first and _ADDRESS.match(line) and _is_heading(line, "", True):
            blocks.append(_strip(text, start, end) or (start, end))
            continue
        if _BULLET.match(line):
            flush()
            current = (start, end)
            continue
        if _is_heading(line, next_line, first):
            blocks.append(_strip(text, start, end) or (start, end))
            continue
        current = (current[0], end) if current is not None else (start, end)
    flush()
    return blocks


def _sentence_starts(doc: Doc) -> list[int]:
    """Character offsets (within the doc) where a new sentence begins."""
    starts = [0]
    n = len(doc)
    words = [token.text for token in doc]
    i = 0
    while i < n:
        text = words[i]
        # only terminal runs and words ending in "." can end a sentence: skip the rest cheaply
        if not text or (text.strip(_TERMINAL_CHARS) and not text.endswith(".")):
            i += 1
            continue
        boundary = False
        if not text.strip(_TERMINAL_CHARS):
            # "adm. dir. Hansen": a short word split from its period, followed by lower case, is an abbreviation
            nxt = _next_word(doc, i + 1)
            prev = doc[i - 1] if i > 0 else None
            looks_abbr = (
                nxt is not None
                and text == "."
                and nxt.text[:1].islower()
                and prev is not None
                and prev.is_alpha
                and len(prev.text) <= 4
                and not prev.whitespace_
            )
            boundary = not looks_abbr
        elif text.lower() in SENTENCE_FINAL_ABBREVIATIONS or (
            text.endswith(".") and text[:-1].isdigit() and any(not t.is_space for t in doc[:i])
        ):  # "i 2026. Neste" ends a sentence; "1. Finansiering" at the start of a list item does not
            nxt = _next_word(doc, i + 1)
            boundary = nxt is not None and nxt.text[:1].isupper()
        if boundary:
            j = i + 1
            while j < n and (all(ch in TERMINALS for ch in doc[j].text) or doc[j].text in CLOSERS):
                j += 1
            while j < n and doc[j].is_space:
                j += 1
            if j < n:
                starts.append(doc[j].idx)
            i = j
            continue
        i += 1
    return starts


def _next_word(doc: Doc, i: int) -> Token | None:
    """The next token that is neither whitespace nor a closing quote/bracket."""
    while i < len(doc):
        if not doc[i].is_space and doc[i].text not in CLOSERS:
            return doc[i]
        i += 1
    return None


def _split_block(text: str, block: Span, doc: Doc) -> list[Span]:
    base = block[0]
    starts = _sentence_starts(doc)
    ends = [*starts[1:], len(doc.text)]
    spans: list[Span] = []
    for s, e in zip(starts, ends, strict=True):
        stripped = _strip(text, base + s, base + e)
        if stripped:
            spans.append(stripped)
    return spans


def segment_texts(texts: Sequence[str], batch_size: int = 1000) -> list[list[Span]]:
    """Sentence spans for many texts at once (one ``nlp.pipe`` over all blocks)."""
    nlp = segmenter_nlp()
    all_blocks = [split_blocks(t) for t in texts]
    flat = [(ti, block) for ti, blocks in enumerate(all_blocks) for block in blocks]
    # blocks without an inner terminal are one sentence: they skip the tokeniser (most short statements)
    inner = [_INNER_TERMINAL.search(texts[ti], b[0], b[1]) is not None for ti, b in flat]
    tokenizer: Tokenizer = nlp.tokenizer
    docs = iter(
        tokenizer.pipe(
            (texts[ti][b[0] : b[1]] for (ti, b), split in zip(flat, inner, strict=True) if split),
            batch_size=batch_size,
        )
    )
    out: list[list[Span]] = [[] for _ in texts]
    for (ti, block), split in zip(flat, inner, strict=True):
        if split:
            out[ti].extend(_split_block(texts[ti], block, next(docs)))
        elif stripped := _strip(texts[ti], *block):
            out[ti].append(stripped)
    return out


def segment_text(text: str) -> list[Span]:
    """Sentence spans ``(start, end)`` of one text; ``text[start:end]`` is the sentence."""
    return segment_texts([text])[0]


def segment_submission(sub: Submission) -> list[Segment]:
    """Segments of ``sub.text``; a passage with ``segment=False`` is one segment (stripped)."""
    text = sub.text
    offsets = sub.passage_offsets()
    to_split = [i for i, p in enumerate(sub.passages) if p.segment]
    split = dict(zip(to_split, segment_texts([sub.passages[i].text for i in to_split]), strict=True))
    segments: list[Segment] = []
    for index, (passage, offset) in enumerate(zip(sub.passages, offsets, strict=True)):
        if index in split:
            spans = split[index]
        else:
            whole = _strip(passage.text, 0, len(passage.text))
            spans = [whole] if whole else []
        for start, end in spans:
            segments.append(Segment(offset + start, offset + end, text[offset + start : offset + end], index))
    return segments
