"""End-to-end ingestion of an inbox in-process, against a bare ``spacy.blank("nb").pipe`` baseline.

Ingests every file of the inbox with ``flows.ingest.ingest_files`` into a fresh
SQLite database (read, sniff, parse, resolve, segment, classify, store, one
transaction per inbox file) and prints wall and CPU seconds, statements/s and
files/s. The baseline, measured in the same run, tokenises the same statement
texts with a blank Norwegian spaCy pipeline: the least any NLP pass over them costs.

``--dump FILE`` writes every stored row of sources, contents, submissions,
statements and rejections (all columns, ids included, ordered by id; runs are left
out as they hold timestamps) as JSON lines, and prints a SHA-256 of it: two code
versions store the same data when their dumps are identical.

Run: ``.venv/bin/python -m bench.bench_ingest [--inbox DIR] [--keep DIR] [--dump FILE]``
(default inbox: ``/tmp/samordne-bench/seed1_n50000/inbox``, made by the synthetic generator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

DEFAULT_INBOX = Path("/tmp/samordne-bench/seed1_n50000/inbox")
DUMP_TABLES = ("sources", "contents", "submissions", "statements", "rejections")


def dump_database(db_path: Path, out: Path) -> str:
    """Every stored row of ``DUMP_TABLES`` as JSON lines in ``out``; returns the file's SHA-256."""
    digest = hashlib.sha256()
    with sqlite3.connect(db_path) as conn, out.open("w", encoding="utf-8") as fh:
        for table in DUMP_TABLES:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                line = json.dumps([table, dict(zip(columns, row, strict=True))], ensure_ascii=False) + "\n"
                fh.write(line)
                digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def statement_texts(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [text for (text,) in conn.execute("SELECT text FROM statements ORDER BY id")]


def spacy_baseline(texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of tokenising ``texts`` with ``spacy.blank("nb").pipe``."""
    import spacy

    nlp = spacy.blank("nb")
    start, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=1000):
        pass
    return time.perf_counter() - start, time.process_time() - cpu


def run(inbox: Path, work: Path) -> tuple[float, float, int, int, Path]:
    from flows import outputs
    from flows.ingest import ingest_files
    from flows.settings import Settings

    db_path = work / "samordne.db"
    settings = Settings.from_env(workdir=work).with_database(f"sqlite:///{db_path}")
    state = outputs.start_run(settings, inbox, work / "out")
    ctx = outputs.ingest_context(state)
    start, cpu = time.perf_counter(), time.process_time()
    outcomes = ingest_files(ctx, state.inbox_files)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    state.store.close()
    n_statements = sum(o.n_statements for o in outcomes)
    return wall, cpu, n_statements, len(outcomes), db_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inbox", type=Path, default=DEFAULT_INBOX)
    parser.add_argument("--keep", type=Path, help="work directory to keep (default: a temporary one)")
    parser.add_argument("--dump", type=Path, help="write the stored rows as JSON lines here")
    args = parser.parse_args()
    if not args.inbox.is_dir():
        raise SystemExit(f"no inbox at {args.inbox}; generate it with the synthetic generator first")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if (work / "samordne.db").exists():
            raise SystemExit(f"{work / 'samordne.db'} exists; the benchmark needs a fresh database")
        n_inbox = sum(1 for p in args.inbox.rglob("*") if p.is_file())
        wall, cpu, n_statements, n_files, db_path = run(args.inbox, work)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        texts = statement_texts(db_path)
        base_wall, base_cpu = spacy_baseline(texts)
        print(f"inbox: {args.inbox} ({n_inbox} files)")
        print(
            f"ingest_files:         wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
            f"{n_statements / wall:8.0f} statements/s  {n_files / wall:6.1f} files/s  "
            f"({n_statements} statements, {n_files} files incl. attachments, peak RSS {peak_mb:.0f} MB)"
        )
        print(f'spacy.blank("nb").pipe: wall {base_wall:6.2f} s  cpu {base_cpu:6.2f} s  ({len(texts)} texts)')
        print(f"ratio ingest/spacy:   wall {wall / base_wall:6.1f}x  cpu {cpu / base_cpu:6.1f}x")
        if args.dump:
            print(f"dump {args.dump}: sha256 {dump_database(db_path, args.dump)}")


if __name__ == "__main__":
    main()
