"""Cross-channel duplicates and the supersession rule (one respondent, one count per statement).

The same text often reaches the programme twice: an e-mail body and the spreadsheet attached
to it, an attachment and the same file dropped in the inbox with different bytes, a survey
answer pasted into a letter. ``dedupe_statements`` keeps one copy of each and links the others;
it also applies the supersession rule for positions restated in a newer submission. Nothing is
deleted: dropped statements stay in storage and are listed with a reason in bokmål. The rule is
documented for analysts in ``docs/submissions.md``.

Stages, in this order:

1. **Supersession** (resolved respondents only): per respondent and theme, the positions from
   the newest submission date win; older positions are superseded, or linked as duplicates when
   the newer submission restates them (near-)word for word. Needs and other statements
   accumulate. Undated submissions are the oldest; submissions of the same date complement.
2. **Duplicates**: statements of the same respondent from different submissions with the same
   normalised text (or near-identical text) count once. The copy kept is the first by
   (dated before undated, earliest date, channel spreadsheet > survey > email > others, lowest
   statement id).

Output rows keep the input order. The function is idempotent: running it on its own output
drops nothing.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process

from models.records import Channel, MatchStatus, RespondentKind, StatementRow, StatementType

__all__ = [
    "CATCH_ALL_THEMES",
    "CHANNEL_ORDER",
    "MIN_LENGTH_RATIO",
    "MIN_NEAR_CHARS",
    "NEAR_DUPLICATE_THRESHOLD",
    "SHORT_STATEMENT_WORDS",
    "DedupeResult",
    "DuplicateLink",
    "Supersession",
    "dedupe_statements",
    "normalise_statement",
]

# rapidfuzz token_set_ratio (0-100) at or above which two texts of one respondent are the same
# statement. 95 accepts a changed word or a typo in a sentence of ~15 words, not a rewording.
NEAR_DUPLICATE_THRESHOLD = 95.0
# token_set_ratio scores 100 when one text's words are a subset of the other's ("Vi støtter
# forslaget" inside a longer paragraph); the shorter normalised text must be this close in length.
MIN_LENGTH_RATIO = 0.9
# Below this many normalised characters only exact matches count: in short texts one word is
# the whole difference ("ikke enig" / "ikke uenig").
MIN_NEAR_CHARS = 30
# Texts with fewer words ("Enig", "Ja, absolutt") recur as answers to different questions; they
# are duplicates only when their themes agree too.
SHORT_STATEMENT_WORDS = 4
# Positions on the catch-all theme are about unrelated matters, so they never supersede each other.
CATCH_ALL_THEMES: frozenset[str] = frozenset({"annet"})
# Which copy is kept when dates are equal: the structured channels first.
CHANNEL_ORDER: tuple[Channel, ...] = (Channel.SPREADSHEET, Channel.SURVEY, Channel.EMAIL, Channel.DOCUMENT)

# A near-identical pair that differs in these words says the opposite ("... støtter ikke ...").
_NEGATIONS = frozenset({"ikke", "ikkje", "ingen", "inga", "intet", "aldri", "uten", "utan", "not", "no"})
_NON_WORD = re.compile(r"[\W_]+")
_RESOLVED = frozenset({MatchStatus.MATCHED, MatchStatus.NON_MUNICIPAL})

Identity = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DuplicateLink:
    """``dropped_id`` says the same as ``kept_id`` (same respondent); only ``kept_id`` is counted.

    The reason is written when asked for, from the two rows: a national consultation
    links hundreds of thousands of statements, and their reasons as strings took
    more memory than the links (about 0.3 GB at 1M statements).
    """

    kept_id: int
    dropped_id: int
    dropped: StatementRow = field(repr=False, compare=False)
    kept: StatementRow = field(repr=False, compare=False)  # the row first matched; see ``via``
    score: float = field(repr=False, compare=False)
    via: int | None = field(default=None, repr=False, compare=False)  # kept row was itself a copy of kept_id

    @property
    def reason(self) -> str:
        reason = _link_reason(self.dropped, self.kept, self.score)
        if self.via is None:
            return reason
        return f"{reason} Utsagn {self.via} er selv en kopi og telles som utsagn {self.kept_id}."

    def to_json(self) -> dict[str, Any]:
        return {"kept_id": self.kept_id, "dropped_id": self.dropped_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Supersession:
    """An older position replaced by the respondent's newer submission on the same theme."""

    old_statement_id: int
    new_submission_id: int
    theme: str
    old: StatementRow = field(repr=False, compare=False)
    new: StatementRow = field(repr=False, compare=False)  # a row of the newer submission

    @property
    def reason(self) -> str:
        return _supersession_reason(self.old, self.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "old_statement_id": self.old_statement_id,
            "new_submission_id": self.new_submission_id,
            "theme": self.theme,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """Rows that count (input order), and for every other input row exactly one link or supersession."""

    rows: tuple[StatementRow, ...]
    links: tuple[DuplicateLink, ...]
    superseded: tuple[Supersession, ...]

    @property
    def dropped_ids(self) -> frozenset[int]:
        return frozenset(
            [link.dropped_id for link in self.links] + [s.old_statement_id for s in self.superseded]
        )


def normalise_statement(text: str) -> str:
    """Comparison form: NFKC, case-folded, punctuation and whitespace folded to one space; diacritics kept."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(_NON_WORD.sub(" ", text).split())


def dedupe_statements(
    rows: Sequence[StatementRow],
    *,
    near_threshold: float = NEAR_DUPLICATE_THRESHOLD,
    catch_all_themes: frozenset[str] = CATCH_ALL_THEMES,
) -> DedupeResult:
    """Apply the supersession rule, then link cross-channel duplicates; see the module docstring."""
    if not 0 < near_threshold <= 100:
        raise ValueError(f"near_threshold must be in (0, 100], got {near_threshold!r}")
    if len({r.statement_id for r in rows}) != len(rows):
        raise ValueError("statement_id must be unique among the rows given to dedupe_statements")
    superseded, early_links = _supersede(rows, near_threshold, catch_all_themes)
    gone = {s.old_statement_id for s in superseded} | {link.dropped_id for link in early_links}
    late_links = _link_duplicates([r for r in rows if r.statement_id not in gone], near_threshold)
    # A supersession-stage link may point at a newer copy that stage 2 dropped in turn.
    final = {link.dropped_id: link.kept_id for link in late_links}
    links = [
        replace(link, kept_id=final[link.kept_id], via=link.kept_id) if link.kept_id in final else link
        for link in early_links
    ]
    links.extend(late_links)
    dropped = gone | set(final)
    return DedupeResult(
        rows=tuple(r for r in rows if r.statement_id not in dropped),
        links=tuple(sorted(links, key=lambda link: link.dropped_id)),
        superseded=tuple(sorted(superseded, key=lambda s: s.old_statement_id)),
    )


# -- respondent identity and matching --------------------------------------------------------


def _identity(row: StatementRow, *, resolved_only: bool) -> Identity | None:
    """Who said it: kommunenummer, else resolved organisation name, else the raw respondent text."""
    if row.kommunenummer:
        return ("kommune", row.kommunenummer)
    if (
        row.respondent_name
        and row.match_status in _RESOLVED
        and row.respondent_kind is not RespondentKind.UNKNOWN
    ):
        return ("organisation", row.respondent_kind.value, normalise_statement(row.respondent_name))
    if resolved_only:
        return None
    raw = normalise_statement(row.respondent)
    # Anonymous rows cannot be told apart: two people may well write the same sentence.
    return ("raw", raw) if raw else None


def _rank(row: StatementRow) -> tuple[bool, date, int, int]:
    channel = CHANNEL_ORDER.index(row.channel) if row.channel in CHANNEL_ORDER else len(CHANNEL_ORDER)
    return (row.submitted_on is None, row.submitted_on or date.min, channel, row.statement_id)


class _Matcher:
    """Decides whether two statements of one respondent are the same statement.

    Made per respondent (or respondent and theme), with the normalised texts of just
    those rows: a national consultation's normalised texts all at once took ~0.3 GB.
    """

    def __init__(self, rows: Iterable[StatementRow], threshold: float) -> None:
        self.norms = {r.statement_id: normalise_statement(r.text) for r in rows}
        self.threshold = threshold

    def score(self, a: StatementRow, b: StatementRow) -> float:
        """100 for the same normalised text, the near-duplicate score, or 0 when they differ."""
        if a.submission_id == b.submission_id:
            return 0.0  # one submission never duplicates itself: repeated words there are deliberate
        if a.locator.question and b.locator.question and a.locator.question != b.locator.question:
            return 0.0  # answers to different survey questions
        na, nb = self.norms[a.statement_id], self.norms[b.statement_id]
        if min(len(na.split()), len(nb.split())) < SHORT_STATEMENT_WORDS and a.theme != b.theme:
            return 0.0
        if na == nb:
            return 100.0
        shorter, longer = sorted((len(na), len(nb)))
        if shorter < MIN_NEAR_CHARS or shorter < MIN_LENGTH_RATIO * longer:
            return 0.0
        if _negations(na) != _negations(nb):
            return 0.0
        return float(fuzz.token_set_ratio(na, nb, score_cutoff=self.threshold))


def _negations(text: str) -> int:
    return sum(1 for word in text.split() if word in _NEGATIONS)


# -- stage 1: supersession -------------------------------------------------------------------


def _supersede(
    rows: Sequence[StatementRow], threshold: float, catch_all_themes: frozenset[str]
) -> tuple[list[Supersession], list[DuplicateLink]]:
    groups: dict[tuple[Identity, str], list[StatementRow]] = {}
    for row in rows:
        if row.type is not StatementType.POSITION or row.theme in catch_all_themes:
            continue
        identity = _identity(row, resolved_only=True)
        if identity is not None:
            groups.setdefault((identity, row.theme), []).append(row)
    superseded: list[Supersession] = []
    links: list[DuplicateLink] = []
    for (_, theme), group in groups.items():
        newest = max((r.submitted_on for r in group if r.submitted_on is not None), default=None)
        if newest is None:
            continue  # all undated: nothing is newer than anything else
        current = sorted((r for r in group if r.submitted_on == newest), key=_rank)
        if len(current) == len(group):
            continue  # nothing older
        matcher = _Matcher(group, threshold)
        new_submission = min(r.submission_id for r in current)
        new = next(c for c in current if c.submission_id == new_submission)
        # Indexed like stage 2: a respondent restating a theme in many submissions made this
        # "first current row that matches" search quadratic.
        index = _Kept()
        for order, c in enumerate(current):
            index.add(order, c, matcher.norms[c.statement_id])
        for row in group:
            if row.submitted_on == newest:
                continue
            same = index.first_same(row, matcher, exact_first=False)
            if same is not None:
                links.append(
                    DuplicateLink(same.statement_id, row.statement_id, row, same, matcher.score(row, same))
                )
            else:
                superseded.append(Supersession(row.statement_id, new_submission, theme, row, new))
    return superseded, links


# -- stage 2: duplicates ---------------------------------------------------------------------


class _Kept:
    """One respondent's kept statements: by normalised text, and by length for the near-duplicate window.

    Only rows with the same number of negation words are searched for near duplicates:
    ``_Matcher.score`` rejects every other pair, so leaving them out changes nothing.
    """

    def __init__(self) -> None:
        self.exact: dict[str, list[tuple[int, StatementRow]]] = {}
        self.windows: dict[int, _Window] = {}

    def add(self, order: int, row: StatementRow, norm: str) -> None:
        self.exact.setdefault(norm, []).append((order, row))
        if len(norm) >= MIN_NEAR_CHARS:
            self.windows.setdefault(_negations(norm), _Window()).add(order, row, norm)

    def first_same(
        self, row: StatementRow, matcher: _Matcher, *, exact_first: bool = True
    ) -> StatementRow | None:
        """The first kept row that ``matcher`` scores above 0 against ``row``, if any.

        A score above 0 needs the same normalised text or a near-duplicate score in the
        length window. With ``exact_first`` the exact matches (in kept order) come before
        the near ones and the window is searched only when none of them is compatible;
        without it the first compatible row in kept order wins.
        """
        norm = matcher.norms[row.statement_id]
        exact = self.exact.get(norm, ())
        first = next(((o, c) for o, c in exact if matcher.score(row, c) > 0), None)
        if (first is not None and exact_first) or len(norm) < MIN_NEAR_CHARS:
            return first[1] if first is not None else None
        window = self.windows.get(_negations(norm))
        if window is not None:
            tried = {order for order, _ in exact}
            for order, c in window.near(norm, matcher.threshold):
                if first is not None and order > first[0]:
                    break
                if order not in tried and matcher.score(row, c) > 0:
                    return c
        return first[1] if first is not None else None


class _Window:
    """Kept statements sorted by normalised length."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.norms: list[str] = []
        self.entries: list[tuple[int, StatementRow]] = []  # (order kept, row)

    def add(self, order: int, row: StatementRow, norm: str) -> None:
        at = bisect.bisect_right(self.lengths, len(norm))
        self.lengths.insert(at, len(norm))
        self.norms.insert(at, norm)
        self.entries.insert(at, (order, row))

    def near(self, norm: str, threshold: float) -> list[tuple[int, StatementRow]]:
        """Entries whose length is within ``MIN_LENGTH_RATIO`` and whose score reaches ``threshold``, in kept order."""
        lo = bisect.bisect_left(self.lengths, math.ceil(len(norm) * MIN_LENGTH_RATIO))
        hi = bisect.bisect_right(self.lengths, math.floor(len(norm) / MIN_LENGTH_RATIO))
        if lo >= hi:
            return []
        # The scoring loop runs in rapidfuzz's C code: a respondent may have thousands of statements.
        hits = process.extract(
            norm, self.norms[lo:hi], scorer=fuzz.token_set_ratio, score_cutoff=threshold, limit=None
        )
        return sorted((self.entries[lo + index] for _, _, index in hits), key=lambda entry: entry[0])


def _link_duplicates(rows: Iterable[StatementRow], threshold: float) -> list[DuplicateLink]:
    """Each respondent's rows in kept order (``_rank``); a row like an earlier kept one is linked to it."""
    respondents: dict[Identity, list[StatementRow]] = {}
    for row in sorted(rows, key=_rank):
        identity = _identity(row, resolved_only=False)
        if identity is not None:
            respondents.setdefault(identity, []).append(row)
    links: list[DuplicateLink] = []
    for group in respondents.values():  # respondents never share a link: one at a time
        matcher = _Matcher(group, threshold)
        kept = _Kept()
        for order, row in enumerate(group):
            # The first compatible kept statement wins: exact matches, then near ones, in the order kept.
            same = kept.first_same(row, matcher)
            if same is not None:
                links.append(
                    DuplicateLink(same.statement_id, row.statement_id, row, same, matcher.score(row, same))
                )
                continue
            kept.add(order, row, matcher.norms[row.statement_id])
    return links


# -- reasons (bokmål, for analysts) -----------------------------------------------------------


def _who(row: StatementRow) -> str:
    if row.respondent_name:
        return f"{row.respondent_name} ({row.kommunenummer})" if row.kommunenummer else row.respondent_name
    return f"«{row.respondent}»" if row.respondent.strip() else "ukjent avsender"


def _where(row: StatementRow) -> str:
    return str(row.locator)


def _when(row: StatementRow) -> str:
    return row.submitted_on.isoformat() if row.submitted_on else "udatert"


def _link_reason(dropped: StatementRow, kept: StatementRow, score: float) -> str:
    what = "samme tekst" if score >= 100 else f"nesten lik tekst (likhet {score:.0f} av 100)"
    return (
        f"{_where(dropped)}: {what} som utsagn {kept.statement_id} i {_where(kept)} fra {_who(kept)} "
        f"({kept.channel.value}, {_when(kept)}); telles én gang. Er dette to ulike utsagn, "
        "skriv dem ulikt i kilden."
    )


def _supersession_reason(old: StatementRow, new: StatementRow) -> str:
    return (
        f"{_where(old)}: standpunktet fra {_who(old)} om tema «{old.theme}» ({_when(old)}) er erstattet av "
        f"det nyere innspillet {new.submission_id} i {_where(new)} ({_when(new)}). Det er lagret, men telles "
        "ikke i sammenstillingen. Skal begge gjelde, rett datoen på innspillene eller temaet på utsagnet."
    )
