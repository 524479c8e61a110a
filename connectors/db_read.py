"""Reads of current data for consolidation, validation and reports (used through ``Store``).

Current means: from an ingested source, not superseded, and (unless
``include_quarantined``) neither the statement nor its submission quarantined.
Analyst overrides are applied here and nowhere else: an overridden label counts
as certain (confidence 1) and as reviewed; an override kommunenummer makes the
respondent that matched municipality.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Select, Text, cast, select

from connectors.db_convert import locator_from_json
from models.records import (
    Channel,
    Locator,
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

STREAM_BATCH = 10_000  # rows per fetch from a streaming cursor

_st, _sub, _src = DbStatement, DbSubmission, DbSource
# As stored text: decoded only for the first statement at a place (most share their cell's or mail's)
_LOCATOR_TEXT: Any = cast(_st.locator, Text).label("locator")
_STATEMENT_COLUMNS = (
    _st.id, _st.submission_id, _st.order, _st.start, _st.end, _st.text, _LOCATOR_TEXT, _st.priority,
    _st.type, _st.theme, _st.stance, _st.type_confidence, _st.theme_confidence, _st.stance_confidence,
    _st.model_version, _st.needs_review, _st.override_type, _st.override_theme, _st.override_stance,
    _sub.channel, _sub.respondent, _sub.respondent_kind, _sub.kommunenummer, _sub.respondent_name,
    _sub.match_status, _sub.submitted_on, _sub.text.label("submission_text"), _sub.override_kommunenummer,
    _src.path, _src.sha256,
)  # fmt: skip
_SUBMISSION_COLUMNS = (
    _sub.id, _sub.source_id, _src.sha256, _src.path, _sub.channel, _sub.respondent, _sub.match_status,
    _sub.respondent_kind, _sub.kommunenummer, _sub.override_kommunenummer, _sub.submitted_on, _sub.locator,
    _sub.text,
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


_CHANNELS = {c.value: c for c in Channel}
_TYPES = {t.value: t for t in StatementType}
_STANCES = {s.value: s for s in Stance}
_KINDS = {k.value: k for k in RespondentKind}
_MATCHES = {m.value: m for m in MatchStatus}


_LOCATOR = 6  # positions in _STATEMENT_COLUMNS
_SUBMISSION_TEXT = 26
_SHARED = (8, 9, 14, 19, 20, 21, 22, 23, 24, 28, 29)  # labels, respondent, source: few distinct values


def to_statement_row(r: Sequence[Any]) -> StatementRow:
    """A ``statement_query`` row (its locator already a ``Locator``) with overrides applied.

    Unpacks by position and maps enums through dicts: named access on SQLAlchemy
    rows and ``Enum(value)`` calls were most of the cost of reading 1M rows.
    """
    (
        statement_id, submission_id, order, start, end, text, locator, priority,
        type_, theme, stance, type_confidence, theme_confidence, stance_confidence,
        model_version, needs_review, override_type, override_theme, override_stance,
        channel, respondent, respondent_kind, kommunenummer, respondent_name,
        match_status, submitted_on, submission_text, override_kommunenummer,
        path, sha256,
    ) = r  # fmt: skip
    overridden = override_type is not None or override_theme is not None or override_stance is not None
    type_c = 1.0 if override_type is not None else type_confidence
    theme_c = 1.0 if override_theme is not None else theme_confidence
    stance_c = 1.0 if override_stance is not None else stance_confidence
    confidence = min(type_c, theme_c) if stance_c is None else min(type_c, theme_c, stance_c)
    effective_stance = override_stance if override_stance is not None else stance
    if override_kommunenummer is None:
        kind, match = _KINDS[respondent_kind], _MATCHES[match_status]
    else:
        kind, kommunenummer, match, respondent_name = effective_respondent(
            respondent_kind, kommunenummer, match_status, respondent_name, override_kommunenummer
        )
    if isinstance(submitted_on, datetime):  # defensive: a driver may hand back datetimes for DATE
        submitted_on = submitted_on.date()
    return StatementRow(
        statement_id=statement_id,
        submission_id=submission_id,
        source_file=path,
        source_sha256=sha256,
        locator=locator,
        channel=_CHANNELS[channel],
        respondent=respondent,
        respondent_kind=kind,
        kommunenummer=kommunenummer,
        respondent_name=respondent_name,
        match_status=match,
        submitted_on=submitted_on,
        order=order,
        start=start,
        end=end,
        text=text,
        submission_text=submission_text,
        type=_TYPES[override_type or type_],
        theme=override_theme or theme,
        stance=_STANCES[effective_stance] if effective_stance is not None else None,
        confidence=confidence,
        needs_review=bool(needs_review) and not overridden,
        model_version=model_version,
        overridden=overridden,
        priority=priority,
    )


def read_statement_rows(engine: Engine, include_quarantined: bool) -> list[StatementRow]:
    """All current rows. Values repeated across rows are shared, not copied per statement.

    Shared: each submission's text (at 1M statements its copies alone took more
    memory than everything else), file, respondent and label strings, and equal
    locators (one object, its strings shared too: per-statement locators were a third
    of the rows' memory; statements of one cell or one mail share their locator).
    """
    shared: dict[Any, Any] = {}
    locators: dict[str, Locator] = {}  # of the current submission (equal locators are within one)
    submission, submission_text = -1, ""  # statements of a submission come together (query order)
    rows: list[StatementRow] = []
    with engine.connect() as conn:
        for r in _stream(conn, statement_query(include_quarantined), None):
            values = list(r)
            if values[1] != submission:
                submission, submission_text = values[1], values[_SUBMISSION_TEXT]
                locators.clear()
            values[_SUBMISSION_TEXT] = submission_text
            for i in _SHARED:
                if values[i] is not None:
                    values[i] = shared.setdefault(values[i], values[i])
            locator = locators.get(values[_LOCATOR])
            if locator is None:
                parsed = json.loads(values[_LOCATOR])
                locator = locators[values[_LOCATOR]] = locator_from_json(
                    {name: shared.setdefault(v, v) for name, v in parsed.items()}  # equal strings, one object
                )
            values[_LOCATOR] = locator
            rows.append(to_statement_row(values))
    return rows


def read_statements_frame(engine: Engine, include_quarantined: bool) -> pd.DataFrame:
    """Every current statement in one frame (see ``iter_statements_frames``)."""
    return next(iter_statements_frames(engine, include_quarantined, None))


def iter_statements_frames(
    engine: Engine, include_quarantined: bool, chunk_rows: int | None
) -> Iterator[pd.DataFrame]:
    """Effective labels beside the model's own confidences, ``chunk_rows`` statements per frame.

    Always yields at least one frame (an empty one when nothing is stored); ``None``
    yields everything as one frame. Built straight from the query rows (no
    ``StatementRow``, no locator parsing), with each submission's text shared between
    its statements: at 1M statements a copy per statement was the largest object in
    the process. Rows are streamed from the database (a server-side cursor on
    PostgreSQL), so only one chunk is ever held.
    """

    def rows() -> Iterator[tuple[Any, ...]]:
        shared: dict[str, str] = {}
        submission, submission_text = None, None  # statements of a submission come together
        with engine.connect() as conn:
            for r in _stream(conn, statement_query(include_quarantined), chunk_rows):
                (
                    statement_id, submission_id, order, start, end, text, _locator, _priority,
                    type_, theme, stance, type_confidence, theme_confidence, stance_confidence,
                    model_version, needs_review, override_type, override_theme, override_stance,
                ) = r[:19]  # fmt: skip
                if submission_id != submission:
                    submission, submission_text = submission_id, r[_SUBMISSION_TEXT]
                overridden = (
                    override_type is not None or override_theme is not None or override_stance is not None
                )
                effective_stance = override_stance if override_stance is not None else stance
                theme = override_theme or theme
                yield (
                    statement_id,
                    submission_id,
                    order,
                    start,
                    end,
                    text,
                    submission_text,
                    _TYPES[override_type or type_].value,
                    shared.setdefault(theme, theme),
                    _STANCES[effective_stance].value if effective_stance is not None else None,
                    type_confidence,
                    theme_confidence,
                    stance_confidence,
                    shared.setdefault(model_version, model_version),
                    bool(needs_review) and not overridden,
                )

    return _frames(rows(), STATEMENT_FRAME_COLUMNS, chunk_rows)


def read_submissions_frame(engine: Engine, include_quarantined: bool) -> pd.DataFrame:
    """Every current submission in one frame (see ``iter_submissions_frames``)."""
    return next(iter_submissions_frames(engine, include_quarantined, None))


def iter_submissions_frames(
    engine: Engine, include_quarantined: bool, chunk_rows: int | None
) -> Iterator[pd.DataFrame]:
    """Current submissions with the effective respondent, ``chunk_rows`` per frame (``None``: one).

    The locator is given as its display string. Selects only the frame's columns:
    loading whole submissions parsed their passages, context and candidates JSON,
    which the frame never shows. Yields at least one frame, streamed like
    ``iter_statements_frames``.
    """
    query = (
        select(*_SUBMISSION_COLUMNS)
        .join(_src, _src.id == _sub.source_id)
        .where(*current_conditions(include_quarantined, statements=False))
        .order_by(_src.path, _src.id, _sub.order, _sub.id)
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        with engine.connect() as conn:
            for (
                submission_id, source_id, sha256, path, channel, respondent, match_status, respondent_kind,
                kommunenummer, override_kommunenummer, submitted_on, locator, text,
            ) in _stream(conn, query, chunk_rows):  # fmt: skip
                kind, kommunenummer, status, _name = effective_respondent(
                    respondent_kind, kommunenummer, match_status, None, override_kommunenummer
                )
                yield (
                    submission_id, source_id, sha256, path, channel, respondent, status.value, kind.value,
                    kommunenummer, submitted_on, str(locator_from_json(locator)), text,
                )  # fmt: skip

    return _frames(rows(), SUBMISSION_FRAME_COLUMNS, chunk_rows)


def _frames(
    rows: Iterable[tuple[Any, ...]], columns: Sequence[str], chunk_rows: int | None
) -> Iterator[pd.DataFrame]:
    """Frames of ``chunk_rows`` rows (``None``: all in one); at least one, empty when there are no rows."""
    held: list[tuple[Any, ...]] = []
    yielded = False
    for row in rows:
        held.append(row)
        if chunk_rows is not None and len(held) >= chunk_rows:
            yield _frame(held, columns)
            yielded, held = True, []
    if held or not yielded:
        yield _frame(held, columns)


def _frame(rows: Sequence[tuple[Any, ...]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(
        {name: list(v) for name, v in zip(columns, values, strict=True)}, columns=list(columns)
    )


def _stream(conn: Connection, query: Select[Any], chunk_rows: int | None) -> Iterable[Any]:
    """The query's rows, fetched in batches (a server-side cursor where the driver has one)."""
    return conn.execution_options(stream_results=True, yield_per=chunk_rows or STREAM_BATCH).execute(query)
