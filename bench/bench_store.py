"""Cost of the storage layer: ``Store.record_source`` and ``Store.statement_rows``.

Synthetic sources (default 200 files x 20 submissions x 5 statements = 20,000
statements). Baselines measured in the same run on a fresh database with the
same schema: plain Core ``executemany`` inserts of the same rows (what any
storage must at least do), and a bare Core select of the same join.

Run: ``.venv/bin/python -m bench.bench_store [--files 200] [--url sqlite:///...]``
(default: a temporary SQLite file; pass a PostgreSQL URL of an empty database to measure it).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from connectors.db import IngestedSubmission, Store
from connectors.db_read import statement_query
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
from models.tables import DbContent, DbRun, DbSource, DbStatement, DbSubmission

LABELS = Labels(StatementType.NEED, "samhandling", Stance.SUPPORT, 0.9, 0.8, 0.7, "m1")


def make_file(
    index: int, n_submissions: int, n_statements: int
) -> tuple[SourceOutcome, list[IngestedSubmission]]:
    path = f"kommune_{index:04d}.xlsx"
    sha = hashlib.sha256(path.encode()).hexdigest()
    items = []
    for s in range(n_submissions):
        sentences = [f"Setning {k} om felles journal fra rad {s}." for k in range(n_statements)]
        passage = Passage(" ".join(sentences), Locator(path, "Innspill", s + 2, "B"))
        sub = Submission("Bergen kommune", Channel.SPREADSHEET, Locator(path, "Innspill", s + 2), (passage,))
        res = Resolution(
            MatchStatus.MATCHED, "Bergen kommune", RespondentKind.MUNICIPALITY, "4601", "Bergen", 100.0
        )
        statements, pos = [], 0
        for k, sentence in enumerate(sentences):
            statements.append(
                Statement(f"{sha[:16]}:{s}", k, pos, pos + len(sentence), sentence, passage.locator, LABELS)
            )
            pos += len(sentence) + 1
        items.append(IngestedSubmission(sub, res, tuple(statements)))
    outcome = SourceOutcome(path, "xlsx", sha, 1000, datetime.now(UTC), SourceStatus.INGESTED)
    return outcome, items


def run_store(
    url: str, files: list[tuple[SourceOutcome, list[IngestedSubmission]]]
) -> tuple[float, float, int]:
    store = Store.open(url)
    run_id = store.start_run({}, {})
    t0 = time.perf_counter()
    for outcome, items in files:
        store.record_source(run_id, outcome, submissions=items)
    t_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = len(store.statement_rows())
    t_read = time.perf_counter() - t0
    store.close()
    return t_write, t_read, n


def run_baseline(
    url: str, files: list[tuple[SourceOutcome, list[IngestedSubmission]]]
) -> tuple[float, float, int]:
    """Same rows through Core executemany, one transaction per file, no converter, no ORM."""
    store = Store.open(url)
    engine = store.engine
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(DbRun).values(
                kind="run", started_at=datetime.now(UTC), status="running", parameters={}, versions={}
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    t0 = time.perf_counter()
    for outcome, items in files:
        with engine.begin() as conn:
            source_id = conn.execute(
                insert(DbSource).values(
                    run_id=run_id,
                    path=outcome.path,
                    kind=outcome.kind,
                    sha256=outcome.sha256,
                    size=outcome.size,
                    received_at=outcome.received_at,
                    status="ingested",
                    reason="",
                    category="",
                    n_statements=0,
                    n_rejections=0,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(insert(DbContent).values(sha256=outcome.sha256, first_source_id=source_id))
            sub_ids = conn.execute(
                insert(DbSubmission).returning(DbSubmission.id, sort_by_parameter_order=True),
                [
                    {
                        "source_id": source_id,
                        "order": i,
                        "respondent": it.submission.respondent,
                        "channel": "spreadsheet",
                        "locator": it.submission.locator.to_dict(),
                        "key": "k",
                        "passages": [],
                        "context": [],
                        "text": it.submission.text,
                        "match_status": "matched",
                        "match_query": "",
                        "respondent_kind": "municipality",
                        "kommunenummer": "4601",
                        "match_score": 100.0,
                        "match_method": "",
                        "match_reason": "",
                        "candidates": [],
                    }
                    for i, it in enumerate(items)
                ],
            ).scalars()
            rows = []
            for sub_id, it in zip(list(sub_ids), items, strict=True):
                for st in it.statements:
                    rows.append(
                        {
                            "submission_id": sub_id,
                            "order": st.order,
                            "start": st.start,
                            "end": st.end,
                            "text": st.text,
                            "locator": st.locator.to_dict(),
                            "hint_type": False,
                            "hint_theme": False,
                            "hint_stance": False,
                            "type": "need",
                            "theme": "samhandling",
                            "stance": "support",
                            "type_confidence": 0.9,
                            "theme_confidence": 0.8,
                            "stance_confidence": 0.7,
                            "model_version": "m1",
                            "needs_review": False,
                            "review_reasons": [],
                        }
                    )
            conn.execute(insert(DbStatement), rows)
    t_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.connect() as conn:
        n = len(conn.execute(statement_query(False)).all())
    t_read = time.perf_counter() - t0
    # sanity: the bare select reads as many rows as statement_rows
    with engine.connect() as conn:
        assert conn.execute(select(DbStatement.id)).all()
    store.close()
    return t_write, t_read, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--statements", type=int, default=5)
    parser.add_argument("--url", help="an empty database; default: temporary SQLite files")
    parser.add_argument("--baseline-url", help="a second empty database for the baseline")
    args = parser.parse_args()
    files = [make_file(i, args.submissions, args.statements) for i in range(args.files)]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'store.db'}"
        base_url = args.baseline_url or f"sqlite:///{Path(tmp) / 'baseline.db'}"
        base_write, base_read, base_n = run_baseline(base_url, files)
        write, read, n = run_store(url, files)
    print(f"database: {url.split(':')[0]}; {args.files} files, {n} statements ({base_n} in baseline)")
    print(f"record_source:  {write:7.3f} s  {n / write:9.0f} statements/s")
    print(
        f"baseline write: {base_write:7.3f} s  {base_n / base_write:9.0f} statements/s  ratio {write / base_write:.2f}x"
    )
    print(f"statement_rows: {read:7.3f} s  {n / read:9.0f} rows/s")
    print(
        f"baseline read:  {base_read:7.3f} s  {base_n / base_read:9.0f} rows/s  ratio {read / base_read:.2f}x"
    )


if __name__ == "__main__":
    main()
