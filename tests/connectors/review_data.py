"""A small stored data set for the review tests: three respondents, six statements (no NLP needed)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from connectors.db import IngestedSubmission, Store
from models.records import (
    Channel,
    Labels,
    Locator,
    MatchStatus,
    Passage,
    Resolution,
    RespondentKind,
    SourceOutcome,
    SourceStatus,
    Stance,
    Statement,
    StatementType,
    Submission,
)

# respondent, resolution (kommunenummer or None), statements: (text, type, theme, stance, confidence)
RESPONDENTS: list[tuple[str, str | None, list[tuple[str, str, str, str | None, float]]]] = [
    (
        "Bergen kommune",
        "4601",
        [
            ("Vi støtter en felles journal for hele sektoren.", "position", "journal", "support", 0.92),
            ("Vi er imot at kommunene betaler alt selv.", "position", "finansiering", "oppose", 0.9),
        ],
    ),
    (
        "Oslo kommune",
        "0301",
        [
            ("Felles journal er bra for pasientene.", "position", "journal", "support", 0.95),
            ("Vi trenger opplæring før innføring.", "need", "innforing", None, 0.41),
        ],
    ),
    (
        "Bergn og omegn",
        None,
        [
            ("Tilgangsstyringen må være streng.", "need", "personvern", None, 0.88),
            ("Dette er bakgrunn for innspillet.", "other", "annet", None, 0.85),
        ],
    ),
]


def _labels(kind: str, theme: str, stance: str | None, confidence: float) -> Labels:
    return Labels(
        type=StatementType(kind),
        theme=theme,
        stance=Stance(stance) if stance else None,
        type_confidence=confidence,
        theme_confidence=confidence,
        stance_confidence=confidence if stance else None,
        model_version="test-model-1",
        needs_review=confidence < 0.6,
        review_reasons=("lav sikkerhet for tema",) if confidence < 0.6 else (),
    )


def ingested(path: str, index: int) -> IngestedSubmission:
    respondent, number, items = RESPONDENTS[index]
    passages = tuple(
        Passage(text, Locator(path, "Innspill", 2 + index, column))
        for (text, *_), column in zip(items, "BC", strict=True)
    )
    submission = Submission(
        respondent=respondent,
        channel=Channel.SPREADSHEET,
        locator=Locator(path, "Innspill", 2 + index),
        passages=passages,
        submitted_on=date(2024, 5, 2),
    )
    if number is not None:
        resolution = Resolution(
            MatchStatus.MATCHED, respondent, RespondentKind.MUNICIPALITY, number, respondent.split()[0], 100.0,
            "exact_name", (number,),
        )  # fmt: skip
    else:
        resolution = Resolution(MatchStatus.BELOW_THRESHOLD, respondent, reason="ingen sikker match")
    offsets = submission.passage_offsets()
    statements = tuple(
        Statement(
            submission_key=f"{path}:{index}",
            order=order,
            start=offsets[order],
            end=offsets[order] + len(text),
            text=text,
            locator=passages[order].locator,
            labels=_labels(kind, theme, stance, confidence),
        )
        for order, (text, kind, theme, stance, confidence) in enumerate(items)
    )
    return IngestedSubmission(submission, resolution, statements)


def load(store: Store, path: str = "innspill.xlsx") -> int:
    """Store the data set as one ingested source in a succeeded run; returns the run id."""
    run_id = store.start_run({"inbox": "innboks"}, {"samordne": "test"})
    items = [ingested(path, i) for i in range(len(RESPONDENTS))]
    outcome = SourceOutcome(
        path=path,
        kind="xlsx",
        sha256=hashlib.sha256(path.encode()).hexdigest(),
        size=100,
        received_at=datetime(2024, 5, 2, tzinfo=UTC),
        status=SourceStatus.INGESTED,
        n_statements=sum(len(i.statements) for i in items),
    )
    store.record_source(run_id, outcome, submissions=items)
    store.finish_run(run_id, "succeeded", {"statements": 6})
    return run_id
