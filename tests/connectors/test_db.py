"""Storage: migrations, the record <-> row round trip, the duplicate guard, overrides, quarantine.

Every test that takes ``database_url`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from connectors.db import IngestedSubmission, RecordedSource, Store, StoreError
from connectors.db_convert import (
    clean,
    hint_flags,
    rejection_from_row,
    resolution_from_row,
    source_from_row,
    statement_from_row,
    submission_from_row,
    submissions_to_rows,
)
from connectors.db_engine import alembic_config, current_revision, upgrade
from connectors.db_read import STATEMENT_FRAME_COLUMNS, SUBMISSION_FRAME_COLUMNS
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
from models.tables import Base, DbRejection, DbRun, DbSource, DbStatement, DbSubmission

SHA_A = "a" * 64
SHA_B = "b" * 64
TABLES = {
    "alembic_version",
    "approvals",
    "audit",
    "contents",
    "deliveries",
    "rejections",
    "review_imports",
    "runs",
    "sources",
    "statements",
    "submissions",
}


def labels(theme: str = "samhandling", confidence: float = 0.9, version: str = "m1") -> Labels:
    return Labels(
        type=StatementType.NEED,
        theme=theme,
        stance=Stance.SUPPORT,
        type_confidence=confidence,
        theme_confidence=0.8,
        stance_confidence=0.7,
        model_version=version,
        needs_review=True,
        review_reasons=("lav sikkerhet",),
    )


def ingested(path: str, respondent: str = "Bergen kommune", key: str = "k1") -> IngestedSubmission:
    """One spreadsheet submission with two passages (the first states its theme) and three statements."""
    sheet = Locator(file=path, sheet="Innspill", row=14)
    passages = (
        Passage(
            "Vi trenger felles journal. Det haster.", Locator(path, "Innspill", 14, "B"), hint_theme="journal"
        ),
        Passage("Vi støtter Akson.", Locator(path, "Innspill", 14, "C"), priority="høy", segment=False),
    )
    submission = Submission(
        respondent=respondent,
        channel=Channel.SPREADSHEET,
        locator=sheet,
        passages=passages,
        email="ola@bergen.kommune.no",
        contact_name="Ola Nordmann",
        submitted_on=date(2024, 5, 2),
        context=("Bergen kommune, helseetaten",),
    )
    resolution = Resolution(
        status=MatchStatus.MATCHED,
        query=respondent,
        kind=RespondentKind.MUNICIPALITY,
        kommunenummer="4601",
        name="Bergen",
        score=100.0,
        method="exact_name",
        candidates=("4601",),
        reason="",
    )
    text_ = submission.text
    spans = [(0, 25), (26, 38), (40, 57)]
    statements = tuple(
        Statement(
            submission_key=key,
            order=i,
            start=start,
            end=end,
            text=text_[start:end],
            locator=passages[0 if i < 2 else 1].locator,
            labels=labels(),
            priority="høy" if i == 2 else None,
        )
        for i, (start, end) in enumerate(spans)
    )
    return IngestedSubmission(submission, resolution, statements)


def outcome(path: str, sha256: str = SHA_A, **changes: object) -> SourceOutcome:
    values: dict[str, object] = {
        "path": path,
        "kind": "xlsx",
        "sha256": sha256,
        "size": 1234,
        "received_at": datetime(2024, 5, 2, 10, 30, tzinfo=UTC),
        "status": SourceStatus.INGESTED,
    }
    values.update(changes)
    return SourceOutcome(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


def record(store: Store, path: str = "Bergen_innspill.xlsx", sha256: str = SHA_A) -> RecordedSource:
    run_id = store.start_run({"inbox": "innboks"}, {"samordne": "0.1.0"})
    return store.record_source(
        run_id,
        outcome(path, sha256, n_statements=3, n_rejections=1),
        submissions=[ingested(path)],
        rejections=[Rejection(Locator(path, "Innspill", 15), "rad 15: kolonnen 'Tema' er tom", "empty")],
    )


def test_migrations_create_exactly_the_model_tables(store: Store) -> None:
    """Upgrading an empty database to head yields the tables of models.tables and nothing else."""
    Store.open(store.engine.url.render_as_string(hide_password=False)).close()  # a second upgrade is a no-op
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert set(inspect(store.engine).get_table_names()) == TABLES
    assert current_revision(store.engine) == "0002"


def test_downgrade_to_base_and_upgrade_again(store: Store) -> None:
    """The initial migration's downgrade drops every table, and upgrading recreates them."""
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) == {"alembic_version"}
    upgrade(store.engine)
    assert set(inspect(store.engine).get_table_names()) == TABLES


def test_open_creates_sqlite_parent_directory(tmp_path: Path) -> None:
    """A SQLite file under a missing directory gets its directory created."""
    path = tmp_path / "state" / "nested" / "samordne.db"
    with Store.open(f"sqlite:///{path}") as opened:
        assert opened.counts()["statements"] == 0
    assert path.is_file()


@pytest.mark.parametrize(
    ("pragma", "expected"), [("foreign_keys", 1), ("journal_mode", "wal"), ("busy_timeout", 30000)]
)
def test_sqlite_connections_are_configured(sqlite_url: str, pragma: str, expected: object) -> None:
    """Every SQLite connection enforces foreign keys, uses WAL and waits for locks."""
    with Store.open(sqlite_url) as opened, opened.engine.connect() as conn:
        assert conn.execute(text(f"PRAGMA {pragma}")).scalar() == expected


def test_record_source_round_trips_records(store: Store) -> None:
    """Submissions, resolutions, statements and rejections read back equal to what was recorded."""
    item = ingested("Bergen_innspill.xlsx")
    recorded = record(store)
    assert recorded == RecordedSource(recorded.source_id, SourceStatus.INGESTED, None)
    with Session(store.engine) as session:
        sub = session.scalars(select(DbSubmission)).one()
        statements = session.scalars(select(DbStatement).order_by(DbStatement.order)).all()
        rejection = session.scalars(select(DbRejection)).one()
        source = session.get(DbSource, recorded.source_id)
        assert source is not None
        assert source_from_row(source, None) == outcome(
            "Bergen_innspill.xlsx", n_statements=3, n_rejections=1
        )
        assert submission_from_row(sub) == item.submission
        assert resolution_from_row(sub) == item.resolution
        assert [statement_from_row(s, sub.key) for s in statements] == list(item.statements)
        assert [(s.hint_type, s.hint_theme, s.hint_stance) for s in statements] == [
            (False, True, False),
            (False, True, False),
            (False, False, False),
        ]
        assert rejection_from_row(rejection) == Rejection(
            Locator("Bergen_innspill.xlsx", "Innspill", 15), "rad 15: kolonnen 'Tema' er tom", "empty"
        )
    assert store.find_content(SHA_A) == recorded.source_id
    assert store.source_path(recorded.source_id) == "Bergen_innspill.xlsx"


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        (
            datetime(2024, 5, 2, 12, 30, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 5, 2, 10, 30, tzinfo=UTC),
        ),
        (
            datetime(2024, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
            datetime(2024, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
        ),
        (None, None),
    ],
)
def test_timestamps_come_back_as_aware_utc(
    store: Store, received_at: datetime | None, expected: object
) -> None:
    """Timestamps are stored in UTC and read back timezone-aware on both databases."""
    run_id = store.start_run({}, {})
    store.record_source(run_id, outcome("x.csv", received_at=received_at, status=SourceStatus.QUARANTINED))
    (stored,) = store.run_sources(run_id)
    assert stored.outcome.received_at == expected
    if expected is not None:
        assert stored.outcome.received_at is not None and stored.outcome.received_at.tzinfo is UTC


def test_naive_timestamp_is_refused(store: Store) -> None:
    """A naive datetime is refused with a StoreError naming the source, and nothing is stored."""
    run_id = store.start_run({}, {})
    with pytest.raises(
        StoreError, match=r"^x\.csv: the database refused the source: naive datetime 2024-05-02T10:30:00"
    ):
        store.record_source(run_id, outcome("x.csv", received_at=datetime(2024, 5, 2, 10, 30)))
    assert store.counts()["ingested"] == 0


def test_same_content_twice_is_a_duplicate_and_stores_nothing_new(store: Store) -> None:
    """Recording the same sha256 again yields a duplicate pointing at the first, with nothing else stored."""
    first = record(store, "Bergen_innspill.xlsx")
    second = record(store, "kopi/Bergen_innspill.xlsx")
    assert second == RecordedSource(second.source_id, SourceStatus.DUPLICATE, first.source_id)
    assert store.counts() == {
        "ingested": 1,
        "duplicate": 1,
        "quarantined": 0,
        "submissions": 1,
        "statements": 3,
        "rejections": 1,
        "quarantined_submissions": 0,
        "quarantined_statements": 0,
    }
    (dup,) = store.run_sources(store.start_run({}, {}) - 1)
    assert (dup.id, dup.duplicate_of, dup.category, dup.n_statements) == (
        second.source_id,
        first.source_id,
        "duplicate",
        0,
    )
    assert dup.reason == (
        "'kopi/Bergen_innspill.xlsx' har samme innhold som 'Bergen_innspill.xlsx', "
        "som alt er lest inn – ingenting nytt er lagret"
    )


def test_duplicate_outcome_keeps_its_reason_and_links_the_first(store: Store) -> None:
    """A source the flow already knows is a duplicate keeps the flow's reason and gets duplicate_of."""
    first = record(store)
    run_id = store.start_run({}, {})
    dup = outcome(
        "b.xlsx", status=SourceStatus.DUPLICATE, reason="samme innhold som a.xlsx", category="duplicate"
    )
    recorded = store.record_source(run_id, dup)
    assert recorded == RecordedSource(recorded.source_id, SourceStatus.DUPLICATE, first.source_id)
    assert [s.outcome for s in store.run_sources(run_id)] == [dup]


def test_failure_inside_record_source_leaves_no_partial_rows(store: Store) -> None:
    """A statement violating NOT NULL rolls back the source, its content claim and its submissions."""
    good = ingested("a.xlsx")
    broken = Statement("k1", 0, 0, 5, None, Locator("a.xlsx"), labels())  # type: ignore[arg-type]
    run_id = store.start_run({}, {})
    with pytest.raises(StoreError, match=r"^a\.xlsx: the database refused the source: "):
        store.record_source(
            run_id,
            outcome("a.xlsx"),
            submissions=[IngestedSubmission(good.submission, good.resolution, (broken,))],
            rejections=[Rejection(Locator("a.xlsx"), "x")],
        )
    assert store.counts() == dict.fromkeys(
        (
            "ingested",
            "duplicate",
            "quarantined",
            "submissions",
            "statements",
            "rejections",
            "quarantined_submissions",
            "quarantined_statements",
        ),
        0,
    )
    assert store.find_content(SHA_A) is None
    assert store.record_source(run_id, outcome("a.xlsx"), submissions=[good]).status is SourceStatus.INGESTED


def test_submissions_only_on_ingested_sources(store: Store) -> None:
    """Submissions on a quarantined source are a programming error, reported as such."""
    run_id = store.start_run({}, {})
    with pytest.raises(
        ValueError, match=r"^q\.xlsx: only an ingested source can carry submissions \(quarantined\)$"
    ):
        store.record_source(
            run_id, outcome("q.xlsx", status=SourceStatus.QUARANTINED), submissions=[ingested("q")]
        )


def test_attachment_parent_resolved_from_parent_path(store: Store) -> None:
    """An attachment names its parent by path; run_sources gives parent id and path back."""
    run_id = store.start_run({}, {})
    mail = store.record_source(run_id, outcome("innspill.eml", SHA_A, kind="eml"))
    att = store.record_source(
        run_id, outcome("innspill.eml!/1.2/Bergen.xlsx", SHA_B, parent_path="innspill.eml")
    )
    rows = store.run_sources(run_id)
    assert [(r.id, r.parent_id, r.outcome.parent_path) for r in rows] == [
        (mail.source_id, None, None),
        (att.source_id, mail.source_id, "innspill.eml"),
    ]


def test_overrides_win_and_survive_relabel(store: Store) -> None:
    """An analyst's theme wins in statement_rows; relabel changes model labels but not the override."""
    record(store)
    rows = store.statement_rows()
    target = rows[1].statement_id
    with store.engine.begin() as conn:
        conn.execute(update(DbStatement).where(DbStatement.id == target).values(override_theme="personvern"))
    new = Labels(StatementType.POSITION, "finansiering", None, 0.55, 0.65, None, "m2", True, ("ny modell",))
    assert store.relabel({r.statement_id: new for r in rows} | {999_999: new}) == 3
    after = {r.statement_id: r for r in store.statement_rows()}
    assert [
        (r.type, r.theme, r.stance, r.confidence, r.needs_review, r.overridden) for r in after.values()
    ] == [
        (StatementType.POSITION, "finansiering", None, 0.55, True, False),
        (StatementType.POSITION, "personvern", None, 0.55, False, True),
        (StatementType.POSITION, "finansiering", None, 0.55, True, False),
    ]
    with Session(store.engine) as session:
        assert session.get(DbStatement, target).override_theme == "personvern"  # type: ignore[union-attr]


def test_override_kommunenummer_is_effective(store: Store) -> None:
    """An override kommunenummer makes the respondent that municipality in rows and frames."""
    record(store)
    with store.engine.begin() as conn:
        conn.execute(update(DbSubmission).values(override_kommunenummer="5001"))
    row = store.statement_rows()[0]
    assert (row.kommunenummer, row.respondent_kind, row.match_status, row.respondent_name) == (
        "5001",
        RespondentKind.MUNICIPALITY,
        MatchStatus.MATCHED,
        None,
    )
    assert store.submissions_frame()["kommunenummer"].tolist() == ["5001"]


@pytest.mark.parametrize(("table", "expected_statements"), [("submissions", 0), ("statements", 2)])
def test_quarantined_rows_are_hidden_unless_asked_for(
    store: Store, table: str, expected_statements: int
) -> None:
    """Quarantined submissions hide their statements; a quarantined statement hides itself."""
    record(store)
    rows = store.statement_rows()
    ids = [rows[0].submission_id] if table == "submissions" else [rows[0].statement_id]
    assert store.quarantine_rows(table, [*ids, 424242], "tema mangler") == 1  # type: ignore[arg-type]
    assert len(store.statement_rows()) == expected_statements
    assert len(store.statements_frame()) == expected_statements
    assert len(store.submissions_frame()) == (0 if table == "submissions" else 1)
    assert len(store.statement_rows(include_quarantined=True)) == 3
    assert store.counts()[f"quarantined_{table}"] == 1


def test_quarantine_rejects_unknown_table(store: Store) -> None:
    """Only submissions and statements can be quarantined."""
    with pytest.raises(
        ValueError, match=r"^cannot quarantine rows of 'sources'; expected 'submissions' or 'statements'$"
    ):
        store.quarantine_rows("sources", [1], "x")  # type: ignore[arg-type]


def test_statement_rows_are_in_source_order(store: Store) -> None:
    """Rows come by source path, then submission and statement order, whatever the insert order."""
    record(store, "b.xlsx", SHA_B)
    record(store, "a.xlsx", SHA_A)
    rows = store.statement_rows()
    assert [(r.source_file, r.order) for r in rows] == [
        (f, o) for f in ("a.xlsx", "b.xlsx") for o in range(3)
    ]
    first = rows[0]
    assert (
        first.source_sha256,
        first.kommunenummer,
        first.respondent_name,
        first.channel,
        first.priority,
    ) == (
        SHA_A,
        "4601",
        "Bergen",
        Channel.SPREADSHEET,
        None,
    )
    assert (first.text, first.submission_text[first.start : first.end]) == ("Vi trenger felles journal",) * 2
    assert (first.confidence, first.needs_review, first.overridden) == (0.7, True, False)


def test_frames_have_the_agreed_columns(store: Store) -> None:
    """The validation frames carry exactly the agreed columns and values."""
    record(store)
    subs, stmts = store.submissions_frame(), store.statements_frame()
    assert list(subs.columns) == SUBMISSION_FRAME_COLUMNS
    assert list(stmts.columns) == STATEMENT_FRAME_COLUMNS
    assert subs.iloc[0][["source_path", "channel", "match_status", "locator", "submitted_on"]].tolist() == [
        "Bergen_innspill.xlsx",
        "spreadsheet",
        "matched",
        "Bergen_innspill.xlsx | sheet=Innspill | row=14",
        date(2024, 5, 2),
    ]
    assert stmts[["order", "start", "end", "type", "theme", "stance", "type_confidence"]].values.tolist() == [
        [0, 0, 25, "need", "samhandling", "support", 0.9],
        [1, 26, 38, "need", "samhandling", "support", 0.9],
        [2, 40, 57, "need", "samhandling", "support", 0.9],
    ]


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 10])
def test_frames_in_chunks_add_up_to_the_whole(store: Store, chunk_rows: int) -> None:
    """Streamed in chunks, the validation frames are the whole frames cut in order, none empty but a lone one."""
    record(store)
    record(store, path="Oslo_innspill.xlsx", sha256=SHA_B)
    for whole, chunks in (
        (store.submissions_frame(), list(store.submissions_frames(chunk_rows))),
        (store.statements_frame(), list(store.statements_frames(chunk_rows))),
    ):
        assert [len(c) for c in chunks] == [
            min(chunk_rows, len(whole) - start) for start in range(0, len(whole), chunk_rows)
        ]
        pandas.testing.assert_frame_equal(pandas.concat(chunks, ignore_index=True), whole)


def test_empty_frames_still_have_columns(store: Store) -> None:
    """An empty database gives empty frames with the agreed columns."""
    assert (list(store.submissions_frame().columns), len(store.statements_frame())) == (
        SUBMISSION_FRAME_COLUMNS,
        0,
    )
    chunks = list(store.statements_frames(100))
    assert [(list(c.columns), len(c)) for c in chunks] == [(STATEMENT_FRAME_COLUMNS, 0)]


def test_runs_record_parameters_versions_and_outcome(store: Store) -> None:
    """A run starts as running and finishes with status, counts and summary (paths stored as text)."""
    run_id = store.start_run({"inbox": Path("/inn")}, {"model": "m1"}, kind="report")
    store.finish_run(run_id, "succeeded", {"ingested": 2}, {"outputs": ["a.xlsx"]})
    with Session(store.engine) as session:
        run = session.get(DbRun, run_id)
        assert run is not None
        assert (run.kind, run.status, run.parameters, run.versions, run.counts, run.summary) == (
            "report",
            "succeeded",
            {"inbox": "/inn"},
            {"model": "m1"},
            {"ingested": 2},
            {"outputs": ["a.xlsx"]},
        )
        assert (
            run.started_at.tzinfo is UTC and run.finished_at is not None and run.finished_at >= run.started_at
        )


def test_runs_whose_process_is_gone_are_closed_as_failed(store: Store) -> None:
    """A run killed outright stays running until the next start finds its process gone on this machine."""
    import socket

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    killed = store.start_run({}, {})
    alive = store.start_run({}, {})  # this process: still running
    elsewhere = store.start_run({}, {})
    finished = store.start_run({}, {})
    store.finish_run(finished, "succeeded", {})
    with Session(store.engine) as session, session.begin():
        for run_id, process in (
            (killed, {"pid": gone.pid}),
            (elsewhere, {"host": "annen-maskin", "pid": gone.pid}),
        ):
            run = session.get(DbRun, run_id)
            assert run is not None and run.summary is not None
            assert run.summary["process"] == {"host": socket.gethostname(), "pid": os.getpid()}
            run.summary = {"process": {**run.summary["process"], **process}}
    assert store.close_interrupted_runs() == [killed]
    assert store.close_interrupted_runs() == []
    with Session(store.engine) as session:
        status = {run.id: (run.status, run.finished_at is not None) for run in session.scalars(select(DbRun))}
        assert [status[r] for r in (killed, alive, elsewhere, finished)] == [
            ("failed", True),
            ("running", False),
            ("running", False),
            ("succeeded", True),
        ]
        killed_run = session.get(DbRun, killed)
        assert killed_run is not None and killed_run.summary is not None
        assert f"prosess {gone.pid}" in killed_run.summary["error"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.start_run({}, {}, kind="deliver"), ValueError, "unknown run kind 'deliver'; expected one of run, report, validate"),
        (lambda s: s.finish_run(s.start_run({}, {}), "done", {}), ValueError, "unknown final run status 'done'; expected one of succeeded, failed"),
        (lambda s: s.finish_run(987654, "failed", {}), LookupError, "run 987654 does not exist"),
        (lambda s: s.source_path(987654), LookupError, "source 987654 does not exist"),
    ],
)  # fmt: skip
def test_run_and_source_misuse_is_reported(
    store: Store, call: object, error: type[Exception], message: str
) -> None:
    """Unknown kinds, statuses and ids raise with a message saying what was wrong."""
    with pytest.raises(error) as info:
        call(store)  # type: ignore[operator]
    assert info.value.args[0] == message


@pytest.mark.parametrize("bad", ["\x00", "\udcff", "\ud800"])
def test_unstorable_characters_are_replaced_not_fatal(store: Store, bad: str) -> None:
    """NULs and lone surrogates (hostile or mis-decoded input) become U+FFFD, keeping offsets valid."""
    item = ingested("bad.xlsx", respondent=f"Bergen{bad}kommune")
    statement = replace(item.statements[0], text=f"Vi{bad}trenger")
    item = replace(item, statements=(statement, *item.statements[1:]))
    run_id = store.start_run({"note": f"a{bad}b"}, {})
    rejection = Rejection(Locator(f"bad{bad}.xlsx"), f"rad{bad}")
    recorded = store.record_source(run_id, outcome("bad.xlsx"), submissions=[item], rejections=[rejection])
    assert recorded.status is SourceStatus.INGESTED
    row = store.statement_rows()[0]
    assert (row.respondent, row.text) == ("Bergen\ufffdkommune", "Vi\ufffdtrenger")


def test_concurrent_recording_of_same_content_ingests_once(database_url: str) -> None:
    """Threads racing to record the same sha256 (separate connections) end with exactly one ingested."""
    store = Store.open(database_url)
    run_id = store.start_run({}, {})
    barrier = threading.Barrier(4)
    results: list[RecordedSource] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            results.append(
                store.record_source(run_id, outcome(f"kopi{n}.xlsx"), submissions=[ingested(f"kopi{n}.xlsx")])
            )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    store.close()
    assert errors == []
    ingested_ids = [r.source_id for r in results if r.status is SourceStatus.INGESTED]
    assert len(ingested_ids) == 1
    assert [r.duplicate_of for r in results if r.status is SourceStatus.DUPLICATE] == ingested_ids * 3
    with Store.open(database_url) as check:
        assert (check.counts()["submissions"], check.counts()["statements"], check.find_content(SHA_A)) == (
            1,
            3,
            ingested_ids[0],
        )


# Property tests: from_row(to_row(r)) == r through a real database ------------------------------------

_chars = st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"])
_text = st.text(_chars, max_size=20)
_opt = st.none() | _text
_locators = st.builds(
    Locator,
    file=_text.filter(bool),
    sheet=_opt,
    row=st.none() | st.integers(1, 1_048_576),
    column=_opt,
    message_id=_opt,
    part=_opt,
    response_id=_opt,
    question=_opt,
    line=st.none() | st.integers(1, 10**6),
)
_passages = st.builds(
    Passage,
    text=_text,
    locator=_locators,
    hint_type=st.none() | st.sampled_from(StatementType),
    hint_theme=_opt,
    hint_stance=st.none() | st.sampled_from(Stance),
    priority=_opt,
    segment=st.booleans(),
)
_submissions = st.builds(
    Submission,
    respondent=_text,
    channel=st.sampled_from(Channel),
    locator=_locators,
    passages=st.lists(_passages, max_size=3).map(tuple),
    email=_opt,
    contact_name=_opt,
    submitted_on=st.none() | st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    context=st.lists(_text, max_size=2).map(tuple),
)
_unit = st.floats(0, 1, allow_nan=False)
_resolutions = st.builds(
    Resolution,
    status=st.sampled_from(MatchStatus),
    query=_text,
    kind=st.sampled_from(RespondentKind),
    kommunenummer=st.none() | st.from_regex(r"\A[0-9]{4}\Z"),
    name=_opt,
    score=st.floats(0, 100, allow_nan=False),
    method=st.text(_chars, max_size=10),
    candidates=st.lists(_text, max_size=3).map(tuple),
    reason=_text,
)
_labels = st.builds(
    Labels,
    type=st.sampled_from(StatementType),
    theme=_text,
    stance=st.none() | st.sampled_from(Stance),
    type_confidence=_unit,
    theme_confidence=_unit,
    stance_confidence=st.none() | _unit,
    model_version=_text,
    needs_review=st.booleans(),
    review_reasons=st.lists(_text, max_size=2).map(tuple),
)


@st.composite
def _ingested(draw: st.DrawFn) -> IngestedSubmission:
    submission = draw(_submissions)
    n = draw(st.integers(0, 3))
    statements = tuple(
        Statement(
            submission_key="key",
            order=i,
            start=draw(st.integers(0, 10**6)),
            end=draw(st.integers(0, 10**6)),
            text=draw(_text),
            locator=draw(_locators),
            labels=draw(_labels),
            priority=draw(_opt),
        )
        for i in range(n)
    )
    return IngestedSubmission(submission, draw(_resolutions), statements)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(_ingested(), min_size=1, max_size=3),
    rejections=st.lists(st.builds(Rejection, _locators, _text, _text), max_size=2),
)
def test_converter_round_trip_property(
    store: Store, items: list[IngestedSubmission], rejections: list[Rejection]
) -> None:
    """Any records (text without NUL) read back from either database equal what was recorded."""
    run_id = store.start_run({}, {})
    recorded = store.record_source(
        run_id, outcome("p.csv", uuid.uuid4().hex * 2), submissions=items, rejections=rejections
    )
    with Session(store.engine) as session:
        subs = session.scalars(
            select(DbSubmission)
            .where(DbSubmission.source_id == recorded.source_id)
            .order_by(DbSubmission.order)
        ).all()
        back = [
            IngestedSubmission(
                submission_from_row(s),
                resolution_from_row(s),
                tuple(statement_from_row(st_, "key") for st_ in s.statements),
            )
            for s in subs
        ]
        stored_rejections = session.scalars(
            select(DbRejection).where(DbRejection.source_id == recorded.source_id).order_by(DbRejection.id)
        ).all()
        assert [rejection_from_row(r) for r in stored_rejections] == rejections
    assert back == items


@pytest.mark.slow
def test_concurrent_first_open_migrates_once(database_url: str) -> None:
    """Processes opening a fresh database at the same moment all succeed; the schema is created once."""
    code = "import sys; from connectors.db import Store; Store.open(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, database_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with Store.open(database_url) as opened:
        assert current_revision(opened.engine) == "0002"


def test_personal_identifiers_list_contacts_for_redaction(store: Store) -> None:
    """Stored contact names and e-mail addresses come back distinct and sorted, blanks left out."""
    record(store, "a.xlsx", SHA_A)
    run_id = store.start_run({}, {})
    other = ingested("b.xlsx")
    other = replace(
        other, submission=replace(other.submission, contact_name="  ", email="kari@molde.kommune.no")
    )
    store.record_source(run_id, outcome("b.xlsx", SHA_B), submissions=[other])
    assert store.personal_identifiers() == ["Ola Nordmann", "kari@molde.kommune.no", "ola@bergen.kommune.no"]


def test_record_tree_stores_a_mail_and_its_attachments_together(store: Store) -> None:
    """A parent and its children are one transaction; a repeated attachment inside it is a duplicate."""
    from connectors.db import TreeItem

    run_id = store.start_run({}, {})
    items = [
        TreeItem(outcome("mail.eml", SHA_A), (ingested("mail.eml"),)),
        TreeItem(
            outcome("mail.eml!/2/a.xlsx", SHA_B, parent_path="mail.eml"),
            (ingested("mail.eml!/2/a.xlsx", key="k2"),),
        ),
        TreeItem(outcome("mail.eml!/3/kopi.xlsx", SHA_B, parent_path="mail.eml")),
    ]
    recorded = store.record_tree(run_id, items)
    assert [r.status for r in recorded] == [
        SourceStatus.INGESTED,
        SourceStatus.INGESTED,
        SourceStatus.DUPLICATE,
    ]
    assert recorded[2].duplicate_of == recorded[1].source_id
    sources = {s.path: s for s in store.run_sources(run_id)}
    assert sources["mail.eml!/2/a.xlsx"].parent_id == recorded[0].source_id
    assert sources["mail.eml!/3/kopi.xlsx"].parent_id == recorded[0].source_id


def test_record_tree_failure_keeps_nothing_of_the_tree(store: Store) -> None:
    """When an attachment cannot be stored, the mail is not stored either, so a re-run reads both."""
    from connectors.db import TreeItem

    good = ingested("mail.eml!/2/a.xlsx")
    broken = Statement("k1", 0, 0, 5, None, Locator("mail.eml!/2/a.xlsx"), labels())  # type: ignore[arg-type]
    run_id = store.start_run({}, {})
    items = [
        TreeItem(outcome("mail.eml", SHA_A), (ingested("mail.eml"),)),
        TreeItem(
            outcome("mail.eml!/2/a.xlsx", SHA_B, parent_path="mail.eml"),
            (IngestedSubmission(good.submission, good.resolution, (broken,)),),
        ),
    ]
    with pytest.raises(StoreError, match=r"^mail\.eml: the database refused the file: "):
        store.record_tree(run_id, items)
    assert store.find_content(SHA_A) is None
    assert store.find_content(SHA_B) is None
    assert store.run_sources(run_id) == []


def _reference_clean(value: object) -> object:
    """What ``clean`` must do, written plainly: replace NUL and lone surrogates in every string."""
    if isinstance(value, str):
        return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in value)
    if isinstance(value, list | tuple):
        return type(value)(_reference_clean(v) for v in value)
    if isinstance(value, dict):
        return {_reference_clean(k): _reference_clean(v) for k, v in value.items()}
    return value


_unstorable_text = st.text(st.sampled_from(["a", "ø", " ", "\x00", "\ud800", "\udcff", "\udfff", "\ue000"]))
_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _unstorable_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_unstorable_text | st.integers(), children, max_size=3)
    ),
    max_leaves=12,
)


@given(value=_json_like)
def test_clean_replaces_unstorable_characters_at_any_depth(value: object) -> None:
    """``clean`` replaces NUL and lone surrogates in strings, keys and nested values; nothing else changes."""
    cleaned = clean(value)
    assert cleaned == _reference_clean(value)
    assert type(cleaned) is type(value)


def _hinted_submission() -> Submission:
    passages = (
        Passage("Vi trenger felles journal.", Locator("h.xlsx", "Innspill", 2, "B"), hint_theme="journal"),
        Passage("Støtter.", Locator("h.xlsx", "Innspill", 2, "C"), hint_type=StatementType.NEED),
    )
    return Submission("Bergen kommune", Channel.SPREADSHEET, Locator("h.xlsx", "Innspill", 2), passages)


@pytest.mark.parametrize(
    ("start", "flags"),
    [
        (0, (False, True, False)),  # start of the first passage
        (26, (False, True, False)),  # its end (an empty statement there still belongs to it)
        (27, (False, False, False)),  # inside the blank line between passages
        (28, (True, False, False)),  # start of the second passage
        (36, (True, False, False)),  # its end
        (37, (False, False, False)),  # past the text
    ],
)
def test_hint_flags_follow_the_passage_holding_the_statement(
    start: int, flags: tuple[bool, bool, bool]
) -> None:
    """Statement rows flag the hints of the passage the statement starts in, and none outside passages."""
    submission = _hinted_submission()
    statement = Statement("k", 0, start, start, "", submission.passages[0].locator, labels())
    resolution = Resolution(MatchStatus.MATCHED, "Bergen kommune", RespondentKind.MUNICIPALITY, "4601")
    [(_, [row])] = submissions_to_rows([(submission, resolution, [statement])], fallback_key="f")
    assert (row["hint_type"], row["hint_theme"], row["hint_stance"]) == flags
    assert hint_flags(submission, statement) == flags
