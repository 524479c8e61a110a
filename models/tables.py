"""SQLAlchemy tables: the stored shape of runs, sources, submissions, statements and overrides.

Portable across SQLite and PostgreSQL: plain ``JSON``, strings for enum values
(guarded by CHECK constraints), and ``UTCDateTime`` for timestamps. Records in
``models.records`` stay separate; ``connectors.db_convert`` is the one converter.

``connectors/migrations/versions`` must describe exactly these tables; a test
compares them with Alembic's autogenerate on both databases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("running", "succeeded", "failed")
RUN_KINDS = ("run", "report", "validate")
SOURCE_STATUSES = ("ingested", "duplicate", "quarantined")
AUDIT_ENTITIES = ("statement", "submission")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out.

    PostgreSQL keeps the offset (``timestamptz``); SQLite stores text without
    one and hands back naive values, which are UTC by construction here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored: attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute as is
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class DbRun(Base):
    """One invocation of a flow (ingest run, report build, validation)."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint(_in("kind", RUN_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="run")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    parameters: Mapped[dict[str, Any]]
    counts: Mapped[dict[str, Any] | None]
    versions: Mapped[dict[str, Any]]
    summary: Mapped[dict[str, Any] | None]


class DbSource(Base):
    """One file found in a run: top-level, e-mail attachment or archive member."""

    __tablename__ = "sources"
    __table_args__ = (CheckConstraint(_in("status", SOURCE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the inbox; "mail.eml!/1.2/name.xlsx"
    kind: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    n_statements: Mapped[int] = mapped_column(Integer, default=0)
    n_rejections: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    submissions: Mapped[list[DbSubmission]] = relationship(back_populates="source")
    rejections: Mapped[list[DbRejection]] = relationship(back_populates="source")


class DbContent(Base):
    """The unique guard: one row per distinct file content ever ingested.

    Inserted in the same transaction as the ingested source, so two runs
    racing on the same bytes cannot both ingest them.
    """

    __tablename__ = "contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))


class DbSubmission(Base):
    """One respondent's input from one place in a source, with how the respondent resolved."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    order: Mapped[int] = mapped_column(Integer)
    respondent: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)  # personal data: stored, never reported
    contact_name: Mapped[str | None] = mapped_column(Text)  # personal data: stored, never reported
    channel: Mapped[str] = mapped_column(String(16))
    submitted_on: Mapped[date | None]
    locator: Mapped[dict[str, Any]]
    key: Mapped[str] = mapped_column(Text)  # the key processing gave it (Statement.submission_key)
    passages: Mapped[list[Any]]  # the passages as read, with their hints and locators
    context: Mapped[list[Any]]
    text: Mapped[str] = mapped_column(Text)  # passages joined; statement offsets point into it
    match_status: Mapped[str] = mapped_column(String(32))
    match_query: Mapped[str] = mapped_column(Text)
    respondent_kind: Mapped[str] = mapped_column(String(32))
    kommunenummer: Mapped[str | None] = mapped_column(String(4), index=True)
    respondent_name: Mapped[str | None] = mapped_column(Text)
    match_score: Mapped[float] = mapped_column(Float)
    match_method: Mapped[str] = mapped_column(String(32))
    match_reason: Mapped[str] = mapped_column(Text)
    candidates: Mapped[list[Any]]
    override_kommunenummer: Mapped[str | None] = mapped_column(String(4))
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))

    source: Mapped[DbSource] = relationship(back_populates="submissions")
    statements: Mapped[list[DbStatement]] = relationship(
        back_populates="submission", order_by="DbStatement.order"
    )


class DbStatement(Base):
    """A labelled segment of a submission's text, with analyst overrides beside the model labels."""

    __tablename__ = "statements"
    __table_args__ = (Index("ix_statements_theme", "theme"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    order: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    locator: Mapped[dict[str, Any]]
    priority: Mapped[str | None] = mapped_column(Text)
    # True when the passage this statement comes from stated the label itself.
    hint_type: Mapped[bool] = mapped_column(Boolean, default=False)
    hint_theme: Mapped[bool] = mapped_column(Boolean, default=False)
    hint_stance: Mapped[bool] = mapped_column(Boolean, default=False)
    type: Mapped[str] = mapped_column(String(16))
    theme: Mapped[str] = mapped_column(String(64))
    stance: Mapped[str | None] = mapped_column(String(16))
    type_confidence: Mapped[float] = mapped_column(Float)
    theme_confidence: Mapped[float] = mapped_column(Float)
    stance_confidence: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(64))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[list[Any]]
    override_type: Mapped[str | None] = mapped_column(String(16))
    override_theme: Mapped[str | None] = mapped_column(String(64))
    override_stance: Mapped[str | None] = mapped_column(String(16))
    override_by: Mapped[str | None] = mapped_column(Text)
    override_at: Mapped[datetime | None]
    override_comment: Mapped[str | None] = mapped_column(Text)
    quarantine_reason: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[DbSubmission] = relationship(back_populates="statements")


class DbRejection(Base):
    """A part of a source a connector did not accept (row, message, attachment)."""

    __tablename__ = "rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    locator: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))

    source: Mapped[DbSource] = relationship(back_populates="rejections")


class DbAudit(Base):
    """One analyst change to one field, kept forever (issue 7)."""

    __tablename__ = "audit"
    __table_args__ = (
        CheckConstraint(_in("entity", AUDIT_ENTITIES), name="entity"),
        Index("ix_audit_entity_entity_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(64))  # sha256 of the imported override file


class DbApproval(Base):
    """An analyst's approval of a run's consolidated data, pinned by its sha256 (issue 7)."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    by: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the consolidated.json approved
    comment: Mapped[str | None] = mapped_column(Text)


class DbDelivery(Base):
    """A delivered package: where it went, under which approval, and every file's sha256."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)  # the folder written, as given
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[Any]]  # [{"name", "sha256", "size"}], sorted by name


class DbReviewImport(Base):
    """One imported review workbook; its sha256 makes a second import of the same file a no-op."""

    __tablename__ = "review_imports"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    by: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    changes: Mapped[int] = mapped_column(Integer)
