"""Reads of current data for consolidation, validation and reports (used through ``Store``).

Current means: from an ingested source, not superseded, and (unless
``include_quarantined``) neither the statement nor its submission quarantined.
Analyst overrides are applied here and nowhere else: an overridden label counts
as certain (confidence 1) and as reviewed; an override kommunenummer makes the
respondent that matched municipality.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Row, Select, select
from sqlalchemy.orm import Session

from connectors.db_convert import locator_from_json
from models.records import (
    Channel,
    MatchStatus,
    RespondentKind,
    SourceStatus,
    Stance,
    StatementRow,
    StatementType,
)
from models.tables import DbSource, DbStatement, DbSubmission

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: keeps Store light for the CLI

SUBMISSION_FRAME_COLUMNS = [
    "submission_id", "source_id", "source_sha256", "source_path", "channel", "respondent",
    "match_status", "respondent_kind", "kommunenummer", "submitted_on", "locator", "text",
]  # fmt: skip
STATEMENT_FRAME_COLUMNS = [
    "statement_id", "submission_id", "order", "start", "end", "text", "submission_text", "type",
    "theme", "stance", "type_confidence", "theme_confidence", "stance_confidence", "model_version",
    "needs_review",
]  # fmt: skip

_st, _sub, _src = DbStatement, DbSubmission, DbSource
_STATEMENT_COLUMNS = (
    _st.id, _st.submission_id, _st.order, _st.start, _st.end, _st.text, _st.locator, _st.priority,
    _st.type, _st.theme, _st.stance, _st.type_confidence, _st.theme_confidence, _st.stance_confidence,
    _st.model_version, _st.needs_review, _st.override_type, _st.override_theme, _st.override_stance,
    _sub.channel, _sub.respondent, _sub.respondent_kind, _sub.kommunenummer, _sub.respondent_name,
    _sub.match_status, _sub.submitted_on, _sub.text.label("submission_text"), _sub.override_kommunenummer,
    _src.path, _src.sha256,
)  # fmt: skip


def current_conditions(include_quarantined: bool, *, statements: bool) -> list[Any]:
    conditions: list[Any] = [
        DbSource.status == SourceStatus.INGESTED.value,
        DbSubmission.superseded_by.is_(None),
    ]
    if not include_quarantined:
        conditions.append(DbSubmission.quarantine_reason.is_(None))
        if statements:
            conditions.append(DbStatement.quarantine_reason.is_(None))
    return conditions


def statement_query(include_quarantined: bool) -> Select[Any]:
    """Current statements joined to submission and source, in source, submission, statement order."""
    return (
        select(*_STATEMENT_COLUMNS)
        .join(_sub, _sub.id == _st.submission_id)
        .join(_src, _src.id == _sub.source_id)
        .where(*current_conditions(include_quarantined, statements=True))
        .order_by(_src.path, _src.id, _sub.order, _sub.id, _st.order, _st.id)
    )


def effective_respondent(
    kind: str, kommunenummer: str | None, status: str, name: str | None, override: str | None
) -> tuple[RespondentKind, str | None, MatchStatus, str | None]:
    """Respondent after an analyst's kommunenummer; the resolved name survives only for that same one."""
    if override is None:
        return RespondentKind(kind), kommunenummer, MatchStatus(status), name
    keep_name = name if kommunenummer == override and kind == RespondentKind.MUNICIPALITY.value else None
    return RespondentKind.MUNICIPALITY, override, MatchStatus.MATCHED, keep_name


def to_statement_row(r: Row[Any]) -> StatementRow:
    """A ``statement_query`` row with overrides applied."""
    overridden = any(v is not None for v in (r.override_type, r.override_theme, r.override_stance))
    confidences = [
        1.0 if r.override_type is not None else r.type_confidence,
        1.0 if r.override_theme is not None else r.theme_confidence,
    ]
    if r.override_stance is not None:
        confidences.append(1.0)
    elif r.stance_confidence is not None:
        confidences.append(r.stance_confidence)
    stance = r.override_stance if r.override_stance is not None else r.stance
    kind, kommunenummer, status, name = effective_respondent(
        r.respondent_kind, r.kommunenummer, r.match_status, r.respondent_name, r.override_kommunenummer
    )
    submitted_on: date | None = r.submitted_on
    if isinstance(submitted_on, datetime):  # defensive: a driver may hand back datetimes for DATE
        submitted_on = submitted_on.date()
    return StatementRow(
        statement_id=r.id,
        submission_id=r.submission_id,
        source_file=r.path,
        source_sha256=r.sha256,
        locator=locator_from_json(r.locator),
        channel=Channel(r.channel),
        respondent=r.respondent,
        respondent_kind=kind,
        kommunenummer=kommunenummer,
        respondent_name=name,
        match_status=status,
        submitted_on=submitted_on,
        order=r.order,
        start=r.start,
        end=r.end,
        text=r.text,
        submission_text=r.submission_text,
        type=StatementType(r.override_type or r.type),
        theme=r.override_theme or r.theme,
        stance=Stance(stance) if stance is not None else None,
        confidence=min(confidences),
        needs_review=bool(r.needs_review) and not overridden,
        model_version=r.model_version,
        overridden=overridden,
        priority=r.priority,
    )


def read_statement_rows(engine: Engine, include_quarantined: bool) -> list[StatementRow]:
    with engine.connect() as conn:
        return [to_statement_row(r) for r in conn.execute(statement_query(include_quarantined))]


def read_statements_frame(engine: Engine, include_quarantined: bool) -> pd.DataFrame:
    """Effective labels beside the model's own confidences."""
    import pandas as pd

    records = []
    with engine.connect() as conn:
        for r in conn.execute(statement_query(include_quarantined)):
            row = to_statement_row(r)
            records.append(
                {
                    "statement_id": row.statement_id,
                    "submission_id": row.submission_id,
                    "order": row.order,
                    "start": row.start,
                    "end": row.end,
                    "text": row.text,
                    "submission_text": row.submission_text,
                    "type": row.type.value,
                    "theme": row.theme,
                    "stance": row.stance.value if row.stance is not None else None,
                    "type_confidence": r.type_confidence,
                    "theme_confidence": r.theme_confidence,
                    "stance_confidence": r.stance_confidence,
                    "model_version": row.model_version,
                    "needs_review": row.needs_review,
                }
            )
    return pd.DataFrame.from_records(records, columns=STATEMENT_FRAME_COLUMNS)


def read_submissions_frame(engine: Engine, include_quarantined: bool) -> pd.DataFrame:
    """Current submissions with the effective respondent; locator as its display string."""
    import pandas as pd

    query = (
        select(DbSubmission, DbSource.sha256, DbSource.path)
        .join(DbSource, DbSource.id == DbSubmission.source_id)
        .where(*current_conditions(include_quarantined, statements=False))
        .order_by(DbSource.path, DbSource.id, DbSubmission.order, DbSubmission.id)
    )
    records = []
    with Session(engine) as session:
        for sub, sha256, path in session.execute(query):
            kind, kommunenummer, status, _name = effective_respondent(
                sub.respondent_kind, sub.kommunenummer, sub.match_status, None, sub.override_kommunenummer
            )
            records.append(
                {
                    "submission_id": sub.id,
                    "source_id": sub.source_id,
                    "source_sha256": sha256,
                    "source_path": path,
                    "channel": sub.channel,
                    "respondent": sub.respondent,
                    "match_status": status.value,
                    "respondent_kind": kind.value,
                    "kommunenummer": kommunenummer,
                    "submitted_on": sub.submitted_on,
                    "locator": str(locator_from_json(sub.locator)),
                    "text": sub.text,
                }
            )
    return pd.DataFrame.from_records(records, columns=SUBMISSION_FRAME_COLUMNS)
