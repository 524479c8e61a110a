"""The samordne database: runs, sources and what they held, analyst overrides.

``Store`` is the only way flows touch the database. Runs are incremental: every
read (``statement_rows``, the frames) sees all data ingested so far, with
analyst overrides applied. Records cross this seam; table rows never leave it
(``connectors.db_convert`` is the one converter).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Self

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, aliased

from connectors.db_convert import (
    clean,
    labels_to_values,
    rejection_to_row,
    source_from_row,
    source_to_row,
    submissions_to_rows,
)
from connectors.db_engine import create_db_engine, upgrade
from connectors.db_read import (
    iter_statements_frames,
    iter_submissions_frames,
    read_statement_rows,
    read_statements_frame,
    read_submissions_frame,
)
from models.records import (
    Labels,
    Rejection,
    Resolution,
    SourceOutcome,
    SourceStatus,
    Statement,
    StatementRow,
    Submission,
    utcnow,
)
from models.tables import (
    RUN_KINDS,
    SOURCE_STATUSES,
    Base,
    DbAudit,
    DbRejection,
    DbRun,
    DbSource,
    DbStatement,
    DbSubmission,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: keeps Store light for the CLI

FINISHED_STATUSES = ("succeeded", "failed")
CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


_TABLES = Base.metadata.tables
_SOURCES, _CONTENTS = _TABLES["sources"], _TABLES["contents"]
_SUBMISSIONS, _STATEMENTS, _REJECTIONS = _TABLES["submissions"], _TABLES["statements"], _TABLES["rejections"]


class StoreError(Exception):
    """A write the database refused; the message names the source and the database's reason."""


@dataclass(frozen=True, slots=True)
class IngestedSubmission:
    """A submission as read, how its respondent resolved, and its labelled statements."""

    submission: Submission
    resolution: Resolution
    statements: Sequence[Statement]


@dataclass(frozen=True, slots=True)
class RecordedSource:
    """What ``record_source`` stored: ``status`` differs from the outcome's when a race was lost."""

    source_id: int
    status: SourceStatus
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class TreeItem:
    """One file of a tree for ``record_tree``: a top-level file or something found inside it.

    ``rows`` holds the same submissions and rejections already converted to table rows
    (``prepare``): a worker process sends those, which pickle several times faster than
    the records and leave the storing process only the inserts.
    """

    outcome: SourceOutcome
    submissions: Sequence[IngestedSubmission] = ()
    rejections: Sequence[Rejection] = ()
    rows: PreparedRows | None = None

    def prepare(self) -> TreeItem:
        """This item with its submissions and rejections as table rows, the records dropped."""
        if self.rows is not None or not (self.submissions or self.rejections):
            return self
        return TreeItem(self.outcome, rows=_prepared(self.outcome, self.submissions, self.rejections))

    def table_rows(self) -> PreparedRows:
        return self.rows or _prepared(self.outcome, self.submissions, self.rejections)

    @property
    def n_statements(self) -> int:
        if self.rows is not None:
            return sum(len(statements) for _, statements in self.rows.submissions)
        return sum(len(s.statements) for s in self.submissions)

    @property
    def n_rejections(self) -> int:
        return len(self.rows.rejections) if self.rows is not None else len(self.rejections)


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """Submission rows with their statement rows, and rejection rows; ids and foreign keys unset."""

    submissions: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    rejections: list[dict[str, Any]]


def _prepared(
    outcome: SourceOutcome, submissions: Sequence[IngestedSubmission], rejections: Sequence[Rejection]
) -> PreparedRows:
    pairs = submissions_to_rows(
        [(s.submission, s.resolution, s.statements) for s in submissions], fallback_key=outcome.sha256[:16]
    )
    return PreparedRows(pairs, [rejection_to_row(r) for r in rejections])


TREE_ATTEMPTS = 3  # a concurrent run claiming the same content makes us re-check, not fail


@dataclass(frozen=True, slots=True)
class StoredSource:
    """A stored source row: the outcome as recorded plus its ids (for the run manifest)."""

    id: int
    run_id: int
    parent_id: int | None
    duplicate_of: int | None
    outcome: SourceOutcome

    # Read like a SourceOutcome (row.path, row.status ...), as the run manifest does.
    @property
    def path(self) -> str:
        return self.outcome.path

    @property
    def kind(self) -> str:
        return self.outcome.kind

    @property
    def sha256(self) -> str:
        return self.outcome.sha256

    @property
    def size(self) -> int:
        return self.outcome.size

    @property
    def received_at(self) -> datetime | None:
        return self.outcome.received_at

    @property
    def status(self) -> SourceStatus:
        return self.outcome.status

    @property
    def reason(self) -> str:
        return self.outcome.reason

    @property
    def category(self) -> str:
        return self.outcome.category

    @property
    def parent_path(self) -> str | None:
        return self.outcome.parent_path

    @property
    def n_statements(self) -> int:
        return self.outcome.n_statements

    @property
    def n_rejections(self) -> int:
        return self.outcome.n_rejections


class _ContentSeen(Exception):
    """The contents guard refused the insert: another source already holds these bytes."""


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


class Store:
    """Typed access to the samordne database; open it with ``Store.open(url)``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Self:
        """Connect (creating a SQLite file's directory) and bring the schema to the latest migration."""
        engine = create_db_engine(url)
        upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # runs -------------------------------------------------------------------

    def start_run(self, parameters: Mapping[str, Any], versions: Mapping[str, Any], kind: str = "run") -> int:
        if kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {kind!r}; expected one of {', '.join(RUN_KINDS)}")
        run = DbRun(
            kind=kind,
            started_at=utcnow(),
            status="running",
            parameters=clean(dict(parameters)),
            versions=clean(dict(versions)),
            summary={"process": {"host": socket.gethostname(), "pid": os.getpid()}},  # until finished
        )
        with Session(self.engine) as session, session.begin():
            session.add(run)
            session.flush()
            return run.id

    def close_interrupted_runs(self) -> list[int]:
        """Mark as failed the runs still ``running`` whose process on this machine is gone.

        A run killed outright (``kill -9``, power loss) cannot finish its own row. Its
        stored data is consistent (one transaction per file); only the row says
        ``running``. Runs of other machines, and of processes that still exist, are left
        alone. Returns the ids marked.
        """
        host = socket.gethostname()
        marked: list[int] = []
        with Session(self.engine) as session, session.begin():
            for run in session.scalars(select(DbRun).where(DbRun.status == "running").order_by(DbRun.id)):
                process = (run.summary or {}).get("process") or {}
                pid = process.get("pid")
                if process.get("host") != host or not isinstance(pid, int) or _process_exists(pid):
                    continue
                run.status = "failed"
                run.finished_at = utcnow()
                run.summary = {
                    "process": process,
                    "error": f"kjøringen ble avbrutt (prosess {pid} på {host} finnes ikke lenger); "
                    "det som ble lagret er helt, og neste kjøring leser inn resten",
                }
                marked.append(run.id)
        return marked

    def finish_run(
        self, run_id: int, status: str, counts: Mapping[str, int], summary: Mapping[str, Any] | None = None
    ) -> None:
        if status not in FINISHED_STATUSES:
            raise ValueError(
                f"unknown final run status {status!r}; expected one of {', '.join(FINISHED_STATUSES)}"
            )
        with Session(self.engine) as session, session.begin():
            run = session.get(DbRun, run_id)
            if run is None:
                raise LookupError(f"run {run_id} does not exist")
            run.status = status
            run.finished_at = utcnow()
            run.counts = dict(counts)
            run.summary = clean(dict(summary)) if summary is not None else None

    # sources ----------------------------------------------------------------

    def find_content(self, sha256: str) -> int | None:
        """Id of the source that first ingested content with this sha256, if any."""
        # Core on a pooled connection: asked once per file found, and half the cost of an ORM session.
        with self.engine.connect() as conn:
            return conn.scalar(select(_CONTENTS.c.first_source_id).where(_CONTENTS.c.sha256 == sha256))

    def known_contents(self, sha256s: Sequence[str]) -> dict[str, str]:
        """Of ``sha256s``, the stored ones, each with the path of the source that first brought it."""
        found: dict[str, str] = {}
        unique = sorted(set(sha256s))
        query = select(_CONTENTS.c.sha256, _SOURCES.c.path).join(
            _SOURCES, _SOURCES.c.id == _CONTENTS.c.first_source_id
        )
        with self.engine.connect() as conn:
            for at in range(0, len(unique), 500):
                chunk = unique[at : at + 500]
                for sha, path in conn.execute(query.where(_CONTENTS.c.sha256.in_(chunk))):
                    found[sha] = path
        return found

    def source_path(self, source_id: int) -> str:
        with self.engine.connect() as conn:
            path = conn.scalar(select(_SOURCES.c.path).where(_SOURCES.c.id == source_id))
        if path is None:
            raise LookupError(f"source {source_id} does not exist")
        return path

    def record_source(
        self,
        run_id: int,
        outcome: SourceOutcome,
        parent_id: int | None = None,
        submissions: Sequence[IngestedSubmission] = (),
        rejections: Sequence[Rejection] = (),
    ) -> RecordedSource:
        """Store one source and everything read from it in one transaction.

        An ingested source also claims its content in ``contents``; when another
        source (this run or a concurrent one) got there first, nothing read from
        this one is kept and it is recorded as a duplicate of the first.
        ``n_statements`` / ``n_rejections`` are counted from what is stored.
        """
        if parent_id is None and outcome.parent_path is not None:
            parent_id = self._latest_source_id(run_id, outcome.parent_path)
        item = TreeItem(outcome, submissions, rejections)
        return self.record_tree(run_id, [item], parent_id=parent_id, what="source")[0]

    def record_tree(
        self, run_id: int, items: Sequence[TreeItem], parent_id: int | None = None, what: str = "file"
    ) -> list[RecordedSource]:
        """Store an inbox file and everything found inside it in ONE transaction, parents first.

        A crash can then never leave an e-mail stored without its attachments: the
        next run would see the mail's content as known and never read them again.
        Content already stored (by an earlier run, a concurrent run, or earlier in
        this tree) is recorded as a duplicate; losing a race to a concurrent run
        rolls the tree back and records it again against what that run stored.
        ``parent_id`` is the stored parent of the first item when that parent is
        not part of ``items``.
        """
        for item in items:
            if item.n_statements and item.outcome.status is not SourceStatus.INGESTED:
                raise ValueError(
                    f"{item.outcome.path}: only an ingested source can carry submissions ({item.outcome.status})"
                )
        for _attempt in range(TREE_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return self._record_tree(conn, run_id, items, parent_id)
            except _ContentSeen:
                continue
            except StatementError as exc:
                top = items[0].outcome.path if items else "?"
                raise StoreError(f"{top}: the database refused the {what}: {exc.orig}") from exc
        raise StoreError(f"{items[0].outcome.path}: content kept changing under concurrent runs; try again")

    def _record_tree(
        self, conn: Connection, run_id: int, items: Sequence[TreeItem], top_parent_id: int | None
    ) -> list[RecordedSource]:
        ids_by_path: dict[str, int] = {}
        recorded: list[RecordedSource] = []
        for index, item in enumerate(items):
            outcome = item.outcome
            if outcome.parent_path in ids_by_path:
                parent_id: int | None = ids_by_path[outcome.parent_path]
            else:
                parent_id = top_parent_id if index == 0 else None
            first_id = conn.execute(
                select(_CONTENTS.c.first_source_id).where(_CONTENTS.c.sha256 == outcome.sha256)
            ).scalar_one_or_none()
            if outcome.status is SourceStatus.DUPLICATE or (
                outcome.status is SourceStatus.INGESTED and first_id is not None
            ):
                reason = outcome.reason
                if outcome.status is not SourceStatus.DUPLICATE or not reason:
                    first_path = conn.execute(
                        select(_SOURCES.c.path).where(_SOURCES.c.id == first_id)
                    ).scalar_one_or_none()
                    first = f"'{first_path}'" if first_path else "en tidligere kilde"
                    reason = f"'{outcome.path}' har samme innhold som {first}, som alt er lest inn – ingenting nytt er lagret"
                row = source_to_row(
                    run_id,
                    outcome,
                    status=SourceStatus.DUPLICATE,
                    parent_id=parent_id,
                    duplicate_of=first_id,
                    reason=reason,
                )
                row["category"] = "duplicate"
                source_id = self._insert_source(conn, row)
                recorded.append(RecordedSource(source_id, SourceStatus.DUPLICATE, first_id))
            else:
                row = source_to_row(
                    run_id,
                    outcome,
                    status=outcome.status,
                    parent_id=parent_id,
                    n_statements=item.n_statements,
                    n_rejections=item.n_rejections,
                )
                source_id = self._insert_source(conn, row)
                if outcome.status is SourceStatus.INGESTED:
                    self._claim_content(conn, outcome.sha256, source_id)
                prepared = item.table_rows()
                self._insert_children(conn, source_id, outcome, prepared.submissions, prepared.rejections)
                recorded.append(RecordedSource(source_id, outcome.status))
            ids_by_path[outcome.path] = source_id
        return recorded

    @staticmethod
    def _insert_source(conn: Connection, row: dict[str, Any]) -> int:
        return int(conn.execute(insert(_SOURCES).returning(_SOURCES.c.id), row).scalar_one())

    @staticmethod
    def _claim_content(conn: Connection, sha256: str, source_id: int) -> None:
        try:
            conn.execute(insert(_CONTENTS), {"sha256": sha256, "first_source_id": source_id})
        except IntegrityError as exc:
            raise _ContentSeen(sha256) from exc

    @staticmethod
    def _insert_children(
        conn: Connection,
        source_id: int,
        outcome: SourceOutcome,
        pairs: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]],
        rejection_rows: Sequence[dict[str, Any]],
    ) -> None:
        """Insert a source's submission, statement and rejection rows (``PreparedRows``), ids filled in here.

        The rows are used once: a retried transaction converts them afresh (``TreeItem.table_rows``)
        or reuses prepared ones, whose foreign keys are simply overwritten.
        """
        if pairs:
            sub_rows = [row for row, _ in pairs]
            for row in sub_rows:
                row["source_id"] = source_id
            ids = conn.execute(
                insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id, sort_by_parameter_order=True), sub_rows
            ).scalars()
            statement_rows = []
            for sub_id, (_, rows) in zip(list(ids), pairs, strict=True):
                for row in rows:
                    row["submission_id"] = sub_id
                statement_rows.extend(rows)
            if statement_rows:
                conn.execute(insert(_STATEMENTS), statement_rows)
        if rejection_rows:
            conn.execute(insert(_REJECTIONS), [{**row, "source_id": source_id} for row in rejection_rows])

    def _latest_source_id(self, run_id: int, path: str) -> int | None:
        with Session(self.engine) as session:
            return session.scalar(
                select(func.max(DbSource.id)).where(DbSource.run_id == run_id, DbSource.path == clean(path))
            )

    def run_sources(self, run_id: int) -> list[StoredSource]:
        """Every source recorded in a run, in the order recorded."""
        parent = aliased(DbSource)
        query = (
            select(DbSource, parent.path)
            .outerjoin(parent, parent.id == DbSource.parent_id)
            .where(DbSource.run_id == run_id)
            .order_by(DbSource.id)
        )
        with Session(self.engine) as session:
            return [
                StoredSource(
                    row.id, row.run_id, row.parent_id, row.duplicate_of, source_from_row(row, parent_path)
                )
                for row, parent_path in session.execute(query)
            ]

    # reads (connectors.db_read) ----------------------------------------------

    def statement_rows(self, *, include_quarantined: bool = False) -> list[StatementRow]:
        """Every current statement with its respondent, overrides applied, in source order.

        Order: source path, submission order, statement order. See ``connectors.db_read``
        for what "current" and "overrides applied" mean.
        """
        return read_statement_rows(self.engine, include_quarantined)

    def submissions_frame(self, *, include_quarantined: bool = False) -> pd.DataFrame:
        """Current submissions for validation (columns: ``db_read.SUBMISSION_FRAME_COLUMNS``)."""
        return read_submissions_frame(self.engine, include_quarantined)

    def statements_frame(self, *, include_quarantined: bool = False) -> pd.DataFrame:
        """Current statements for validation (columns: ``db_read.STATEMENT_FRAME_COLUMNS``)."""
        return read_statements_frame(self.engine, include_quarantined)

    def submissions_frames(
        self, chunk_rows: int, *, include_quarantined: bool = False
    ) -> Iterator[pd.DataFrame]:
        """``submissions_frame`` in frames of ``chunk_rows`` rows, streamed (at least one frame)."""
        return iter_submissions_frames(self.engine, include_quarantined, chunk_rows)

    def statements_frames(
        self, chunk_rows: int, *, include_quarantined: bool = False
    ) -> Iterator[pd.DataFrame]:
        """``statements_frame`` in frames of ``chunk_rows`` rows, streamed (at least one frame)."""
        return iter_statements_frames(self.engine, include_quarantined, chunk_rows)

    def personal_identifiers(self) -> list[str]:
        """Every stored contact name and e-mail address, sorted: for redacting quotes, never for reports."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for column in (DbSubmission.contact_name, DbSubmission.email):
                found.update(v.strip() for v in conn.scalars(select(column).distinct()) if v and v.strip())
        return sorted(found)

    # writes after ingestion -------------------------------------------------

    def quarantine_rows(
        self, table: Literal["submissions", "statements"], ids: Sequence[int], reason: str
    ) -> int:
        """Set ``quarantine_reason`` on the given rows; returns how many rows exist and were marked."""
        model: type[DbSubmission] | type[DbStatement]
        if table == "submissions":
            model = DbSubmission
        elif table == "statements":
            model = DbStatement
        else:
            raise ValueError(f"cannot quarantine rows of {table!r}; expected 'submissions' or 'statements'")
        marked = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(ids):
                result = conn.execute(
                    update(model).where(model.id.in_(chunk)).values(quarantine_reason=clean(reason))
                )
                marked += result.rowcount
        return marked

    def relabel(self, labels: Mapping[int, Labels]) -> int:
        """Replace model labels of the given statements; analyst overrides stay. Returns rows updated."""
        if not labels:
            return 0
        table = Base.metadata.tables["statements"]
        columns = list(labels_to_values(next(iter(labels.values()))))
        statement = (
            update(table)
            .where(table.c.id == bindparam("statement_id"))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        updated = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(list(labels)):
                existing = list(conn.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
                if not existing:
                    continue
                params = [
                    {"statement_id": sid, **{f"v_{k}": v for k, v in labels_to_values(labels[sid]).items()}}
                    for sid in existing
                ]
                conn.execute(statement, params)
                updated += len(existing)
        return updated

    def data_fingerprint(self) -> str:
        """SHA-256 over what every report is computed from; unchanged data gives the same value.

        Appends show in the max ids and counts; analyst overrides in the audit table
        (every override writes a row there) and in the overridden / quarantined /
        superseded rows themselves; a relabel in the statements per model version.
        Cheap: aggregates and the few flagged rows, never the statement texts.
        """
        import hashlib

        parts: list[Any] = []
        with self.engine.connect() as conn:
            # Only ingested sources: every run records its duplicates and quarantined files again.
            ingested = select(func.count(), func.max(DbSource.id)).where(
                DbSource.status == SourceStatus.INGESTED.value
            )
            parts.append(list(conn.execute(ingested).one()))
            for model in (DbSubmission, DbStatement, DbRejection, DbAudit):
                parts.append(list(conn.execute(select(func.count(), func.max(model.id))).one()))
            parts.append(
                sorted(
                    (str(v), n)
                    for v, n in conn.execute(
                        select(DbStatement.model_version, func.count()).group_by(DbStatement.model_version)
                    )
                )
            )
            flagged_statements = select(
                DbStatement.id,
                DbStatement.override_type,
                DbStatement.override_theme,
                DbStatement.override_stance,
                DbStatement.quarantine_reason,
            ).where(
                DbStatement.override_type.is_not(None)
                | DbStatement.override_theme.is_not(None)
                | DbStatement.override_stance.is_not(None)
                | DbStatement.quarantine_reason.is_not(None)
            )
            flagged_submissions = select(
                DbSubmission.id,
                DbSubmission.override_kommunenummer,
                DbSubmission.quarantine_reason,
                DbSubmission.superseded_by,
            ).where(
                DbSubmission.override_kommunenummer.is_not(None)
                | DbSubmission.quarantine_reason.is_not(None)
                | DbSubmission.superseded_by.is_not(None)
            )
            for query in (flagged_statements, flagged_submissions):
                parts.append(sorted(tuple(row) for row in conn.execute(query)))
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    def last_run(self, kind: str = "run", status: str = "succeeded") -> tuple[int, dict[str, Any]] | None:
        """Id and summary of the newest finished run of this kind and status, if any."""
        query = (
            select(DbRun.id, DbRun.summary)
            .where(DbRun.kind == kind, DbRun.status == status)
            .order_by(DbRun.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return int(row.id), dict(row.summary or {})

    def counts(self) -> dict[str, int]:
        """Sources per status, and stored submissions, statements, rejections (quarantined ones too)."""
        out = dict.fromkeys(SOURCE_STATUSES, 0)
        with self.engine.connect() as conn:
            for status, n in conn.execute(select(DbSource.status, func.count()).group_by(DbSource.status)):
                out[status] = n
            for name, model in (
                ("submissions", DbSubmission),
                ("statements", DbStatement),
                ("rejections", DbRejection),
            ):
                out[name] = conn.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("quarantined_submissions", DbSubmission),
                ("quarantined_statements", DbStatement),
            ):
                query = select(func.count()).select_from(model).where(model.quarantine_reason.is_not(None))
                out[name] = conn.scalar(query) or 0
        return out
