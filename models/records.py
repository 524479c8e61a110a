"""Boundary records shared by every package: frozen, strict, free of I/O.

These are the shapes that cross seams: connectors produce ``Submission`` and
``Rejection`` records, ``processing`` turns submissions into ``Statement`` records,
``reports`` reads them. SQLAlchemy tables live in ``models.tables``; the one
converter between the two lives in ``connectors.db``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class Channel(enum.StrEnum):
    """How a submission reached the programme."""

    SURVEY = "survey"
    SPREADSHEET = "spreadsheet"
    EMAIL = "email"
    DOCUMENT = "document"  # a letter as PDF, Word or text file, in the inbox or attached to a mail
    LIST = "list"  # intent-declaration lists and similar registers
    MEMORY = "memory"  # in-memory source used by tests


class SourceStatus(enum.StrEnum):
    """Fate of one input file in a run; every file found ends in exactly one."""

    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


class StatementType(enum.StrEnum):
    NEED = "need"
    POSITION = "position"
    OTHER = "other"


class Stance(enum.StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    CONDITIONAL = "conditional"
    NEUTRAL = "neutral"


class MatchStatus(enum.StrEnum):
    """Outcome of resolving a respondent to a municipality or organisation."""

    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    BELOW_THRESHOLD = "below_threshold"
    NOT_FOUND = "not_found"
    NON_MUNICIPAL = "non_municipal"


class RespondentKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    COUNTY = "county"  # fylkeskommune
    ORGANISATION = "organisation"  # KS, professional bodies, suppliers...
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a piece of input came from, precise enough for an analyst to find it.

    ``file`` is the path relative to the inbox; attachments use
    ``mail.eml!/attachment-name`` so the chain stays visible.
    """

    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None
    message_id: str | None = None
    part: str | None = None  # MIME part path, e.g. "1.2"
    response_id: str | None = None
    question: str | None = None
    line: int | None = None  # 1-based line in a text file

    def __str__(self) -> str:
        return " | ".join([self.file, *(f"{name}={value}" for name, value in self.parts())])

    def parts(self) -> Iterator[tuple[str, str]]:
        """The parts after the file that are set, as ``(name, text)``, in the order ``str`` names them."""
        for name in ("sheet", "row", "column", "message_id", "part", "response_id", "question", "line"):
            value = getattr(self, name)
            if value is not None:
                yield name, str(value)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Locator:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Passage:
    """A contiguous text from one place in a source, before segmentation.

    Hints are labels the source itself states (a template's ``tema`` column, a
    survey's closed question); classification respects them over the model.
    ``segment=False`` keeps the passage as one statement (a Likert answer).
    """

    text: str
    locator: Locator
    hint_type: StatementType | None = None
    hint_theme: str | None = None
    hint_stance: Stance | None = None
    priority: str | None = None
    segment: bool = True


@dataclass(frozen=True, slots=True)
class Submission:
    """One respondent's input from one place in one source file."""

    respondent: str  # as written by the respondent ("" when nothing was written)
    channel: Channel
    locator: Locator
    passages: tuple[Passage, ...]
    email: str | None = None  # sender address; stored, never reported
    contact_name: str | None = None  # stored, never reported
    submitted_on: date | None = None
    context: tuple[str, ...] = ()  # extra text that may name the respondent (signature, letterhead)

    @property
    def text(self) -> str:
        """Passages joined with a blank line; statement offsets point into this."""
        return PASSAGE_SEPARATOR.join(p.text for p in self.passages)

    def passage_offsets(self) -> list[int]:
        """Start offset in ``text`` of each passage."""
        offsets, pos = [], 0
        for p in self.passages:
            offsets.append(pos)
            pos += len(p.text) + len(PASSAGE_SEPARATOR)
        return offsets


PASSAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A part of an input (a row, a message, an attachment) that was not accepted."""

    locator: Locator
    reason: str  # names the file and location and says how to fix it
    category: str = "invalid"  # short machine key: encrypted, corrupt, too_large, empty, unsupported...


@dataclass(frozen=True, slots=True)
class ChildFile:
    """A file found inside another (an e-mail attachment, a zip member).

    ``name`` is display-only and never used as a path on disk.
    """

    name: str
    data: bytes
    locator: Locator


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What a connector made of one file."""

    submissions: tuple[Submission, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    children: tuple[ChildFile, ...] = ()
    notes: tuple[str, ...] = ()  # what was detected (layout, encoding, delimiter), for the log


@dataclass(frozen=True, slots=True)
class Municipality:
    kommunenummer: str
    name: str
    alt_names: tuple[str, ...]
    fylkesnummer: str
    fylke: str
    population: int
    health_region: str
    domains: tuple[str, ...]
    outside_midt_norge: bool


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a respondent name (and e-mail) resolved."""

    status: MatchStatus
    query: str
    kind: RespondentKind = RespondentKind.UNKNOWN
    kommunenummer: str | None = None
    name: str | None = None  # municipality name, or organisation / county name
    score: float = 0.0  # 0..100
    method: str = ""  # exact_name, alt_name, variant, old_number, old_name, domain, fuzzy, organisation...
    candidates: tuple[str, ...] = ()  # kommunenummer or names when ambiguous / below threshold
    reason: str = ""

    @property
    def is_municipality(self) -> bool:
        return self.status is MatchStatus.MATCHED and self.kind is RespondentKind.MUNICIPALITY

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "query": self.query,
            "kind": self.kind.value,
            "kommunenummer": self.kommunenummer,
            "name": self.name,
            "score": round(self.score, 1),
            "method": self.method,
            "candidates": list(self.candidates),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Labels:
    """A classifier's output for one statement."""

    type: StatementType
    theme: str
    stance: Stance | None
    type_confidence: float
    theme_confidence: float
    stance_confidence: float | None
    model_version: str
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence-level span of a submission's ``text``."""

    start: int
    end: int
    text: str
    passage_index: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A labelled segment, with its provenance."""

    submission_key: str
    order: int
    start: int
    end: int
    text: str
    locator: Locator
    labels: Labels
    priority: str | None = None

    @property
    def key(self) -> str:
        return f"{self.submission_key}:{self.order}"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StatementRow:
    """A stored statement with its respondent and effective labels (overrides applied).

    This is what consolidation, validation and reports read; ``connectors.db``
    builds it from the tables.
    """

    statement_id: int
    submission_id: int
    source_file: str  # path relative to the inbox, attachments as "mail.eml!/name.xlsx"
    source_sha256: str
    locator: Locator
    channel: Channel
    respondent: str  # as written
    respondent_kind: RespondentKind
    kommunenummer: str | None  # set when respondent_kind is MUNICIPALITY and matched
    respondent_name: str | None  # resolved municipality / county / organisation name
    match_status: MatchStatus
    submitted_on: date | None
    order: int
    start: int
    end: int
    text: str
    submission_text: str
    type: StatementType
    theme: str
    stance: Stance | None
    confidence: float  # lowest of the label confidences
    needs_review: bool
    model_version: str
    overridden: bool = False
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """One file found in a run (top-level, attachment or archive member) and what became of it."""

    path: str  # relative to the inbox; attachments as "mail.eml!/1.2/name.xlsx"
    kind: str  # as detected from content: csv, xlsx, eml, mbox, msg, pdf, zip, unknown...
    sha256: str
    size: int
    received_at: datetime | None
    status: SourceStatus
    reason: str = ""  # why quarantined, or which earlier source this duplicates
    category: str = ""  # machine key for the reason: encrypted, corrupt, too_large, empty...
    parent_path: str | None = None
    n_statements: int = 0
    n_rejections: int = 0
