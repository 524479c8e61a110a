"""The one converter between boundary records (``models.records``) and table rows (``models.tables``).

``*_to_row`` gives the column values of a row as a dict (inserted with Core
``executemany``, which is several times faster than ORM units of work here);
``*_from_row`` reads any object with the columns as attributes (an ORM
instance or a result ``Row``).

Every ``*_to_row`` has a ``*_from_row`` twin, and ``from_row(to_row(r)) == r``
holds for every record whose text has no NUL and no lone surrogate: PostgreSQL
cannot store U+0000, and neither database can encode a surrogate (left behind
by ``errors="surrogateescape"`` decoding), so both become U+FFFD, one character
for one, which keeps every character offset valid.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from models.records import (
    Channel,
    Labels,
    Locator,
    MatchStatus,
    Passage,
    Rejection,
    Resolution,
    RespondentKind,
    SourceOutcome,
    SourceStatus,
    Stance,
    Statement,
    StatementType,
    Submission,
)

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

T = TypeVar("T")


_SCALARS = frozenset({int, float, bool, type(None)})


def clean(value: T) -> T:
    """``value`` with NULs and lone surrogates replaced in every string, also inside lists and dicts."""
    kind = type(value)
    if kind is str:
        return _clean_str(value)  # type: ignore[arg-type, return-value]
    if kind is dict:
        return _clean_dict(value)  # type: ignore[arg-type, return-value]
    if kind in _SCALARS:
        return value
    if kind is list:
        return [_clean_str(v) if type(v) is str else clean(v) for v in value]  # type: ignore[attr-defined, return-value]
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(clean(v) for v in value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


def _clean_str(text: str) -> str:
    # A string needing a replacement is rare: searching first leaves the common case allocation-free.
    return _UNSTORABLE.sub(REPLACEMENT, text) if _UNSTORABLE.search(text) else text


def _clean_dict(data: dict[Any, Any]) -> dict[Any, Any]:
    # Every stored JSON object passes here (~110k per 50k statements): string and scalar leaves are
    # handled inline instead of by a recursive call each, a third less time per locator dict.
    out: dict[Any, Any] = {}
    for key, value in data.items():
        if type(key) is not str or _UNSTORABLE.search(key):
            key = clean(key)
        kind = type(value)
        if kind is str:
            if _UNSTORABLE.search(value):
                value = _UNSTORABLE.sub(REPLACEMENT, value)
        elif kind not in _SCALARS:
            value = clean(value)
        out[key] = value
    return out


def locator_to_json(locator: Locator) -> dict[str, Any]:
    return clean(locator.to_dict())


def locator_from_json(data: Mapping[str, Any]) -> Locator:
    return Locator.from_dict(dict(data))


def passage_to_json(passage: Passage) -> dict[str, Any]:
    data: dict[str, Any] = {"text": passage.text, "locator": passage.locator.to_dict()}
    if passage.hint_type is not None:
        data["hint_type"] = passage.hint_type.value
    if passage.hint_theme is not None:
        data["hint_theme"] = passage.hint_theme
    if passage.hint_stance is not None:
        data["hint_stance"] = passage.hint_stance.value
    if passage.priority is not None:
        data["priority"] = passage.priority
    if not passage.segment:
        data["segment"] = False
    return clean(data)


def passage_from_json(data: Mapping[str, Any]) -> Passage:
    return Passage(
        text=data["text"],
        locator=locator_from_json(data["locator"]),
        hint_type=StatementType(data["hint_type"]) if data.get("hint_type") is not None else None,
        hint_theme=data.get("hint_theme"),
        hint_stance=Stance(data["hint_stance"]) if data.get("hint_stance") is not None else None,
        priority=data.get("priority"),
        segment=bool(data.get("segment", True)),
    )


def submission_to_row(
    submission: Submission, resolution: Resolution, *, key: str, order: int
) -> dict[str, Any]:
    """A submissions row without its source_id."""
    return {
        "order": order,
        "key": clean(key),
        "respondent": clean(submission.respondent),
        "email": clean(submission.email),
        "contact_name": clean(submission.contact_name),
        "channel": submission.channel.value,
        "submitted_on": submission.submitted_on,
        "locator": locator_to_json(submission.locator),
        "passages": [passage_to_json(p) for p in submission.passages],
        "context": clean(list(submission.context)),
        "text": clean(submission.text),
        "match_status": resolution.status.value,
        "match_query": clean(resolution.query),
        "respondent_kind": resolution.kind.value,
        "kommunenummer": resolution.kommunenummer,
        "respondent_name": clean(resolution.name),
        "match_score": float(resolution.score),
        "match_method": resolution.method,
        "match_reason": clean(resolution.reason),
        "candidates": clean(list(resolution.candidates)),
    }


def submission_from_row(row: Any) -> Submission:
    return Submission(
        respondent=row.respondent,
        channel=Channel(row.channel),
        locator=locator_from_json(row.locator),
        passages=tuple(passage_from_json(p) for p in row.passages),
        email=row.email,
        contact_name=row.contact_name,
        submitted_on=row.submitted_on,
        context=tuple(row.context),
    )


def resolution_from_row(row: Any) -> Resolution:
    """The resolution as the resolver made it (an analyst's override_kommunenummer is not applied)."""
    return Resolution(
        status=MatchStatus(row.match_status),
        query=row.match_query,
        kind=RespondentKind(row.respondent_kind),
        kommunenummer=row.kommunenummer,
        name=row.respondent_name,
        score=row.match_score,
        method=row.match_method,
        candidates=tuple(row.candidates),
        reason=row.match_reason,
    )


def hint_flags(submission: Submission, statement: Statement) -> tuple[bool, bool, bool]:
    """Which labels (type, theme, stance) the passage holding ``statement`` stated itself."""
    return _PassageHints(submission).at(statement.start)


class _PassageHints:
    """``hint_flags`` for many statements of one submission: passage offsets computed once."""

    __slots__ = ("ends", "flags", "offsets")

    def __init__(self, submission: Submission) -> None:
        self.offsets = submission.passage_offsets()
        self.ends = [o + len(p.text) for o, p in zip(self.offsets, submission.passages, strict=True)]
        self.flags = [
            (p.hint_type is not None, p.hint_theme is not None, p.hint_stance is not None)
            for p in submission.passages
        ]

    def at(self, start: int) -> tuple[bool, bool, bool]:
        # The passage with offset <= start <= its end; passages are apart by the (non-empty)
        # PASSAGE_SEPARATOR, so the last offset not after ``start`` is the only candidate.
        index = bisect_right(self.offsets, start) - 1
        if index < 0 or start > self.ends[index]:
            return False, False, False
        return self.flags[index]


def labels_to_values(labels: Labels) -> dict[str, Any]:
    """The model-label columns of a statements row (what ``Store.relabel`` overwrites)."""
    return {
        "type": labels.type.value,
        "theme": clean(labels.theme),
        "stance": labels.stance.value if labels.stance is not None else None,
        "type_confidence": float(labels.type_confidence),
        "theme_confidence": float(labels.theme_confidence),
        "stance_confidence": float(labels.stance_confidence)
        if labels.stance_confidence is not None
        else None,
        "model_version": clean(labels.model_version),
        "needs_review": bool(labels.needs_review),
        "review_reasons": clean(list(labels.review_reasons)),
    }


def statement_to_row(
    statement: Statement,
    hints: tuple[bool, bool, bool] = (False, False, False),
    locator: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A statements row without its submission_id; ``locator``: the statement's, already converted."""
    row = {
        "order": statement.order,
        "start": statement.start,
        "end": statement.end,
        "text": clean(statement.text),
        "locator": locator_to_json(statement.locator) if locator is None else locator,
        "priority": clean(statement.priority),
        "hint_type": hints[0],
        "hint_theme": hints[1],
        "hint_stance": hints[2],
    }
    row.update(labels_to_values(statement.labels))
    return row


def labels_from_row(row: Any) -> Labels:
    """The model's labels as stored (analyst overrides are not applied)."""
    return Labels(
        type=StatementType(row.type),
        theme=row.theme,
        stance=Stance(row.stance) if row.stance is not None else None,
        type_confidence=row.type_confidence,
        theme_confidence=row.theme_confidence,
        stance_confidence=row.stance_confidence,
        model_version=row.model_version,
        needs_review=row.needs_review,
        review_reasons=tuple(row.review_reasons),
    )


def statement_from_row(row: Any, submission_key: str) -> Statement:
    return Statement(
        submission_key=submission_key,
        order=row.order,
        start=row.start,
        end=row.end,
        text=row.text,
        locator=locator_from_json(row.locator),
        labels=labels_from_row(row),
        priority=row.priority,
    )


def rejection_to_row(rejection: Rejection) -> dict[str, Any]:
    return {
        "locator": locator_to_json(rejection.locator),
        "reason": clean(rejection.reason),
        "category": clean(rejection.category),
    }


def rejection_from_row(row: Any) -> Rejection:
    return Rejection(locator=locator_from_json(row.locator), reason=row.reason, category=row.category)


def source_to_row(
    run_id: int,
    outcome: SourceOutcome,
    *,
    status: SourceStatus,
    parent_id: int | None,
    duplicate_of: int | None = None,
    n_statements: int = 0,
    n_rejections: int = 0,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "path": clean(outcome.path),
        "kind": clean(outcome.kind),
        "sha256": outcome.sha256,
        "size": outcome.size,
        "received_at": outcome.received_at,
        "status": status.value,
        "reason": clean(outcome.reason if reason is None else reason),
        "category": clean(outcome.category),
        "parent_id": parent_id,
        "duplicate_of": duplicate_of,
        "n_statements": n_statements,
        "n_rejections": n_rejections,
    }


def source_from_row(row: Any, parent_path: str | None) -> SourceOutcome:
    return SourceOutcome(
        path=row.path,
        kind=row.kind,
        sha256=row.sha256,
        size=row.size,
        received_at=row.received_at,
        status=SourceStatus(row.status),
        reason=row.reason,
        category=row.category,
        parent_path=parent_path,
        n_statements=row.n_statements,
        n_rejections=row.n_rejections,
    )


def submissions_to_rows(
    items: Sequence[tuple[Submission, Resolution, Sequence[Statement]]], *, fallback_key: str
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Submission rows, each with its statement rows, in input order (ids and foreign keys unset).

    The key is the statements' ``submission_key``; a submission without
    statements gets ``{fallback_key}:{index}`` (the flow's own scheme).
    """
    rows = []
    for index, (submission, resolution, statements) in enumerate(items):
        key = statements[0].submission_key if statements else f"{fallback_key}:{index}"
        row = submission_to_row(submission, resolution, key=key, order=index)
        hints = _PassageHints(submission)
        # Statements of one passage share its locator: convert each distinct one once.
        locators: dict[Locator, dict[str, Any]] = {}
        statement_rows = []
        for s in statements:
            locator = locators.get(s.locator)
            if locator is None:
                locator = locators[s.locator] = locator_to_json(s.locator)
            statement_rows.append(statement_to_row(s, hints.at(s.start), locator))
        rows.append((row, statement_rows))
    return rows
