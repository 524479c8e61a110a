"""Analyst review in the database: rows to review, corrections as overrides, approvals, deliveries.

Functions over a ``connectors.db.Store`` rather than more methods on it. Every
correction is written beside the model's prediction (``override_*`` columns) and
audited field by field; a review workbook is imported at most once (its sha256 is
kept in ``review_imports``). A batch with any bad row is refused whole, so a
workbook is either applied completely or not at all.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from connectors.db import Store
from connectors.db_convert import clean, locator_from_json
from models.records import MatchStatus, SourceStatus, utcnow
from models.tables import (
    DbApproval,
    DbAudit,
    DbDelivery,
    DbReviewImport,
    DbRun,
    DbSource,
    DbStatement,
    DbSubmission,
)

UNRESOLVED = frozenset(
    {MatchStatus.AMBIGUOUS.value, MatchStatus.BELOW_THRESHOLD.value, MatchStatus.NOT_FOUND.value}
)
REVIEW_SHEET = "Gjennomgang"


class CorrectionError(Exception):
    """A batch of corrections was refused; ``errors`` holds one bokmål message per bad row."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def statement_fingerprint(text: str, start: int, end: int) -> str:
    """Short hash of a statement's text and offsets: changes since a workbook export are detected."""
    return hashlib.sha256(f"{start}:{end}:{text}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One statement as the review workbook shows it: prediction, current overrides, why to look."""

    statement_id: int
    submission_id: int
    fingerprint: str
    text: str
    source_file: str
    locator: str
    respondent: str
    kommunenummer: str | None  # as resolved (before any analyst override)
    respondent_name: str | None
    match_status: str
    candidates: tuple[str, ...]
    type: str  # the model's (or the source's hint) prediction
    theme: str
    stance: str | None
    confidence: float
    review_reasons: tuple[str, ...]
    attention: tuple[str, ...]  # bokmål reasons this row is listed first; empty for the rest
    override_type: str | None = None
    override_theme: str | None = None
    override_stance: str | None = None
    override_kommunenummer: str | None = None
    override_comment: str | None = None
    quarantine_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """An analyst's corrections to one statement; ``None`` leaves a field as it is."""

    statement_id: int
    fingerprint: str
    where: str  # "ark 'Gjennomgang', rad 7" for messages
    type: str | None = None
    theme: str | None = None
    stance: str | None = None
    kommunenummer: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    workbook_sha256: str
    rows: int  # corrections given
    changes: int  # fields changed (= audit rows written)
    statements: int  # statements with at least one change
    already_imported: bool = False


@dataclass(frozen=True, slots=True)
class CorrectedStatement:
    """A statement an analyst corrected, with effective labels: training material."""

    statement_id: int
    text: str
    type: str
    theme: str
    stance: str | None
    model_type: str
    model_theme: str
    model_stance: str | None


@dataclass(frozen=True, slots=True)
class Approval:
    id: int
    run_id: int
    by: str
    at: datetime
    fingerprint: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    run_id: int
    approval_id: int
    at: datetime
    by: str
    target: str
    manifest_sha256: str
    files: list[dict[str, Any]] = field(default_factory=list)


# reading --------------------------------------------------------------------------------------


def _review_query() -> Any:
    st, sub, src = DbStatement, DbSubmission, DbSource
    return (
        select(
            st.id,
            st.submission_id,
            st.start,
            st.end,
            st.text,
            st.locator,
            st.type,
            st.theme,
            st.stance,
            st.type_confidence,
            st.theme_confidence,
            st.stance_confidence,
            st.needs_review,
            st.review_reasons,
            st.override_type,
            st.override_theme,
            st.override_stance,
            st.override_comment,
            st.quarantine_reason,
            sub.respondent,
            sub.kommunenummer,
            sub.respondent_name,
            sub.match_status,
            sub.candidates,
            sub.override_kommunenummer,
            sub.quarantine_reason.label("submission_quarantine"),
            src.path,
        )
        .join(sub, sub.id == st.submission_id)
        .join(src, src.id == sub.source_id)
        .where(src.status == SourceStatus.INGESTED.value, sub.superseded_by.is_(None))
        .order_by(src.path, src.id, sub.order, sub.id, st.order, st.id)
    )


def _mixed_submissions(rows: Sequence[Any]) -> set[int]:
    """Submissions holding both support (or conditional support) and opposition."""
    stances: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        stance = r.override_stance or r.stance
        if (r.override_type or r.type) == "position" and stance is not None:
            stances[r.submission_id].add("for" if stance in {"support", "conditional"} else stance)
    return {sid for sid, found in stances.items() if {"for", "oppose"} <= found}


def _attention(r: Any, mixed: set[int]) -> tuple[str, ...]:
    reasons: list[str] = []
    quarantine = r.quarantine_reason or r.submission_quarantine
    if quarantine:
        reasons.append(f"i karantene: {quarantine}")
    labelled = any(v is not None for v in (r.override_type, r.override_theme, r.override_stance))
    if r.needs_review and not labelled:
        reasons.append("lav sikkerhet" + (f" ({', '.join(r.review_reasons)})" if r.review_reasons else ""))
    if r.submission_id in mixed:
        reasons.append("blandede standpunkt i samme innspill")
    if r.match_status in UNRESOLVED and r.override_kommunenummer is None:
        reasons.append("avsender er ikke knyttet til en kommune")
    return tuple(reasons)


def review_rows(store: Store) -> list[ReviewRow]:
    """Every current statement: quarantined ones first, then others needing attention, then the rest."""
    with store.engine.connect() as conn:
        raw = list(conn.execute(_review_query()))
    mixed = _mixed_submissions(raw)
    rows = []
    for r in raw:
        confidences = [
            c for c in (r.type_confidence, r.theme_confidence, r.stance_confidence) if c is not None
        ]
        rows.append(
            ReviewRow(
                statement_id=r.id,
                submission_id=r.submission_id,
                fingerprint=statement_fingerprint(r.text, r.start, r.end),
                text=r.text,
                source_file=r.path,
                locator=str(locator_from_json(r.locator)),
                respondent=r.respondent,
                kommunenummer=r.kommunenummer,
                respondent_name=r.respondent_name,
                match_status=r.match_status,
                candidates=tuple(r.candidates),
                type=r.type,
                theme=r.theme,
                stance=r.stance,
                confidence=min(confidences),
                review_reasons=tuple(r.review_reasons),
                attention=_attention(r, mixed),
                override_type=r.override_type,
                override_theme=r.override_theme,
                override_stance=r.override_stance,
                override_kommunenummer=r.override_kommunenummer,
                override_comment=r.override_comment,
                quarantine_reason=r.quarantine_reason or r.submission_quarantine,
            )
        )
    # quarantined first, then other rows needing attention, then the rest; stable: source order within each
    return sorted(rows, key=lambda row: 0 if row.quarantine_reason else 1 if row.attention else 2)


# corrections ----------------------------------------------------------------------------------


_st = DbStatement
_CHECK_COLUMNS = (
    _st.id, _st.submission_id, _st.text, _st.start, _st.end, _st.type, _st.theme, _st.stance,
    _st.override_type, _st.override_theme, _st.override_stance, _st.override_comment,
)  # fmt: skip


def _check(conn: Connection, corrections: Sequence[Correction]) -> tuple[list[str], dict[int, Any]]:
    ids = sorted({c.statement_id for c in corrections})
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(
                *_CHECK_COLUMNS,
                DbSubmission.override_kommunenummer.label("sub_override"),
                DbSubmission.kommunenummer,
            )
            .join(DbSubmission, DbSubmission.id == DbStatement.submission_id)
            .where(DbStatement.id.in_(chunk))
        )
        for r in conn.execute(query):
            found[r.id] = (r, r.sub_override, r.kommunenummer)
    errors: list[str] = []
    kommune_by_submission: dict[int, tuple[str, str]] = {}
    for c in corrections:
        if c.statement_id not in found:
            errors.append(
                f"{c.where}: utsagn-id {c.statement_id} finnes ikke i databasen – bruk en arbeidsbok "
                "eksportert fra denne databasen, og ikke endre kolonnen 'Utsagn-id'"
            )
            continue
        st = found[c.statement_id][0]
        if statement_fingerprint(st.text, st.start, st.end) != c.fingerprint:
            errors.append(
                f"{c.where}: utsagnet er endret siden eksport – eksporter arbeidsboken på nytt "
                "(samordne review export) og før inn rettelsen der"
            )
            continue
        new_type = c.type or st.override_type or st.type
        new_stance = c.stance or st.override_stance or st.stance
        if new_type == "position" and new_stance is None:
            errors.append(f"{c.where}: en posisjon må ha holdning – fyll inn kolonnen 'Riktig holdning'")
        if c.kommunenummer is not None:
            earlier = kommune_by_submission.setdefault(st.submission_id, (c.kommunenummer, c.where))
            if earlier[0] != c.kommunenummer:
                errors.append(
                    f"{c.where}: kommunenummer {c.kommunenummer} strider mot {earlier[0]} for samme innspill "
                    f"({earlier[1]}) – et innspill har én avsender, bruk samme kommunenummer"
                )
    return errors, found


def _audit(
    conn: Connection, by: str, at: datetime, batch: str, entity: str, entity_id: int,
    field_name: str, old: str | None, new: str | None, comment: str | None,
) -> None:  # fmt: skip
    conn.execute(
        insert(DbAudit).values(
            at=at,
            by=clean(by),
            entity=entity,
            entity_id=entity_id,
            field=field_name,
            old_value=old,
            new_value=new,
            comment=clean(comment),
            batch=batch,
        )
    )


def apply_corrections(
    store: Store, corrections: Sequence[Correction], by: str, workbook_sha256: str
) -> ImportReport:
    """Write corrections as overrides, one audit row per changed field, all in one transaction.

    A value equal to the statement's current effective value is no change. The
    same workbook (by sha256) imported again changes nothing. Any bad row raises
    ``CorrectionError`` with every row's message, and nothing is written.
    """
    if not by.strip():
        raise ValueError("'by' must name the analyst importing the corrections")
    at = utcnow()
    with store.engine.begin() as conn:
        if conn.scalar(select(DbReviewImport.sha256).where(DbReviewImport.sha256 == workbook_sha256)):
            return ImportReport(workbook_sha256, len(corrections), 0, 0, already_imported=True)
        errors, found = _check(conn, corrections)
        if errors:
            raise CorrectionError(errors)
        audited: list[int] = []  # one entry per audit row written
        changed_statements: set[int] = set()
        kommune_done: set[int] = set()

        def audit(
            entity: str, entity_id: int, name: str, old: str | None, new: str | None, note: str | None
        ) -> None:
            _audit(conn, by, at, workbook_sha256, entity, entity_id, name, old, new, note)
            audited.append(entity_id)

        for c in corrections:
            st, override_kommune, kommune = found[c.statement_id]
            values: dict[str, Any] = {}
            for name, new in (("type", c.type), ("theme", c.theme), ("stance", c.stance)):
                current = getattr(st, f"override_{name}") or getattr(st, name)
                if new is not None and new != current:
                    values[f"override_{name}"] = new
                    audit("statement", st.id, name, current, new, c.comment)
            if c.comment and c.comment != st.override_comment:
                values["override_comment"] = clean(c.comment)
                audit("statement", st.id, "comment", st.override_comment, c.comment, None)
            if values:
                values.update(override_by=clean(by), override_at=at)
                conn.execute(update(DbStatement).where(DbStatement.id == st.id).values(**values))
                changed_statements.add(st.id)
            current_kommune = override_kommune or kommune
            if (
                c.kommunenummer is not None
                and c.kommunenummer != current_kommune
                and st.submission_id not in kommune_done
            ):
                kommune_done.add(st.submission_id)
                conn.execute(
                    update(DbSubmission)
                    .where(DbSubmission.id == st.submission_id)
                    .values(override_kommunenummer=c.kommunenummer)
                )
                audit(
                    "submission",
                    st.submission_id,
                    "kommunenummer",
                    current_kommune,
                    c.kommunenummer,
                    c.comment,
                )
                changed_statements.add(st.id)
        changes = len(audited)
        conn.execute(
            insert(DbReviewImport).values(sha256=workbook_sha256, by=clean(by), at=at, changes=changes)
        )
    return ImportReport(workbook_sha256, len(corrections), changes, len(changed_statements))


def audit_rows(store: Store) -> list[dict[str, Any]]:
    """Every audit row, oldest first (who, when, entity, field, old, new, comment, batch)."""
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(DbAudit).order_by(DbAudit.id))]


def corrections(store: Store) -> list[CorrectedStatement]:
    """Every statement with an analyst label override, with effective labels (for training)."""
    query = (
        select(DbStatement)
        .where(
            (DbStatement.override_type.is_not(None))
            | (DbStatement.override_theme.is_not(None))
            | (DbStatement.override_stance.is_not(None))
        )
        .order_by(DbStatement.id)
    )
    with store.engine.connect() as conn:
        return [
            CorrectedStatement(
                statement_id=r.id,
                text=r.text,
                type=r.override_type or r.type,
                theme=r.override_theme or r.theme,
                stance=r.override_stance or r.stance,
                model_type=r.type,
                model_theme=r.theme,
                model_stance=r.stance,
            )
            for r in conn.execute(query)
        ]


# approvals and deliveries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    kind: str
    status: str
    parameters: dict[str, Any]


def run_info(store: Store, run_id: int) -> RunInfo | None:
    """Kind, status and parameters of a run, or None when there is no such run."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(DbRun.kind, DbRun.status, DbRun.parameters).where(DbRun.id == run_id)
        ).first()
    return RunInfo(run_id, row.kind, row.status, dict(row.parameters)) if row is not None else None


def record_approval(store: Store, run_id: int, by: str, fingerprint: str, comment: str | None = None) -> int:
    """Store an approval of ``run_id``'s consolidated data (by its sha256); returns the approval id."""
    if not by.strip():
        raise ValueError("'by' must name the analyst approving the run")
    with store.engine.begin() as conn:
        return int(
            conn.execute(
                insert(DbApproval)
                .values(
                    run_id=run_id, by=clean(by), at=utcnow(), fingerprint=fingerprint, comment=clean(comment)
                )
                .returning(DbApproval.id)
            ).scalar_one()
        )


def latest_approval(store: Store, run_id: int) -> Approval | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(DbApproval).where(DbApproval.run_id == run_id).order_by(DbApproval.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return Approval(row.id, row.run_id, row.by, row.at, row.fingerprint, row.comment)


def record_delivery(
    store: Store,
    run_id: int,
    approval_id: int,
    by: str,
    target: str,
    manifest_sha256: str,
    files: Sequence[dict[str, Any]],
) -> int:
    """Store a delivered package: target folder, manifest sha256 and every file's sha256."""
    with store.engine.begin() as conn:
        return int(
            conn.execute(
                insert(DbDelivery)
                .values(
                    run_id=run_id,
                    approval_id=approval_id,
                    at=utcnow(),
                    by=clean(by),
                    target=clean(target),
                    manifest_sha256=manifest_sha256,
                    files=clean([dict(f) for f in files]),
                )
                .returning(DbDelivery.id)
            ).scalar_one()
        )


def deliveries(store: Store, run_id: int | None = None) -> list[Delivery]:
    query = select(DbDelivery).order_by(DbDelivery.id)
    if run_id is not None:
        query = query.where(DbDelivery.run_id == run_id)
    with store.engine.connect() as conn:
        return [
            Delivery(r.id, r.run_id, r.approval_id, r.at, r.by, r.target, r.manifest_sha256, list(r.files))
            for r in conn.execute(query)
        ]


__all__ = [
    "REVIEW_SHEET",
    "Approval",
    "CorrectedStatement",
    "Correction",
    "CorrectionError",
    "Delivery",
    "ImportReport",
    "ReviewRow",
    "RunInfo",
    "apply_corrections",
    "audit_rows",
    "corrections",
    "deliveries",
    "latest_approval",
    "record_approval",
    "record_delivery",
    "review_rows",
    "run_info",
    "statement_fingerprint",
]
