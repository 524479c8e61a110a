"""Validation, deduplication and consolidation of stored statements at 50k, 200k and 1M.

Issue #8 asks for 1,000,000 statements end to end in 10 minutes under 2 GB. This bench
measures the steps that run after ingestion (``flows.outputs.validate_stored`` and
``consolidate_stored``) on databases of the wanted size, without ingesting anything:

* **Scale input.** A stored run of the synthetic inbox (``--base``, default the 50k
  profile database) is multiplied: copy *k* gets new ids, its own source paths and
  SHA-256, and every word of six letters or more in its texts gets a suffix of its own
  (statement texts and submission texts alike, offsets recomputed), so copies are
  distinct submissions of the *same* respondents (357 municipalities, as in a real
  national consultation: each one's statements grow with the input) and never
  duplicates of each other, while the duplicates inside a copy stay duplicates.
  Contact e-mail addresses get the suffix too (the redaction list grows).
* **Steps** (each size in its own subprocess, so peak memory is that size's):
  read submissions and statements (frames and rows), the submissions/statements suites,
  ``dedupe_statements``, ``consolidate``, the consolidated-stage suite. GX import and
  context creation are done before timing (the flow warms them in a background thread).
* **Baseline** in the same subprocess: ``pandas.read_sql`` of the statements table;
  every step is reported as a ratio to it, plus wall and CPU seconds and peak RSS.

Run: ``.venv/bin/python -m bench.bench_scale [--statements 50000 200000 1000000]``
(databases are cached in ``--workdir``; ``--profile N`` writes a cProfile of size N).
Without ``--base`` the base is made once: ``samordne run`` over the synthetic 50k
inbox (seed 1, the inbox ``bench.bench_end_to_end`` caches) into ``--workdir``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "samordne-scale"
_LONG_WORD = re.compile(r"\w{6,}")

# -- scale input ---------------------------------------------------------------------------


def _suffix(copy: int) -> str:
    """A short letter tag per copy ("", "qb", "qc", ...): the copy's words stay words."""
    if copy == 0:
        return ""
    letters = []
    while copy:
        copy, digit = divmod(copy, 26)
        letters.append(chr(ord("a") + digit))
    return "q" + "".join(letters)


def _retext(text: str, suffix: str) -> str:
    return _LONG_WORD.sub(lambda m: m.group(0) + suffix, text) if suffix else text


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def build_database(base: Path, target: Path, statements: int) -> int:
    """Writes ``target``: copies of ``base``'s current data until ``statements`` rows; returns the count."""
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    shutil.copyfile(base, tmp)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    src_cols, sub_cols, st_cols = (_columns(conn, t) for t in ("sources", "submissions", "statements"))
    sources = conn.execute("SELECT * FROM sources ORDER BY id").fetchall()
    submissions = conn.execute("SELECT * FROM submissions ORDER BY id").fetchall()
    rows = conn.execute("SELECT * FROM statements ORDER BY submission_id, start").fetchall()
    by_submission: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_submission.setdefault(row[st_cols.index("submission_id")], []).append(row)
    offsets = {
        t: conn.execute(f"SELECT max(id) FROM {t}").fetchone()[0]
        for t in ("sources", "submissions", "statements")
    }
    count = len(rows)
    copy = 0
    i_src = {c: src_cols.index(c) for c in ("id", "path", "sha256", "parent_id", "duplicate_of")}
    i_sub = {c: sub_cols.index(c) for c in ("id", "source_id", "text", "locator", "email", "superseded_by")}
    i_st = {c: st_cols.index(c) for c in ("id", "submission_id", "start", "end", "text")}
    while count < statements:
        copy += 1
        suffix = _suffix(copy)
        new_sources = []
        for src in sources:
            values = list(src)
            values[i_src["id"]] += offsets["sources"] * copy
            values[i_src["path"]] = f"kopi{copy}/{src[i_src['path']]}"
            values[i_src["sha256"]] = hashlib.sha256(f"{src[i_src['sha256']]}:{copy}".encode()).hexdigest()
            for ref in ("parent_id", "duplicate_of"):
                if values[i_src[ref]] is not None:
                    values[i_src[ref]] += offsets["sources"] * copy
            new_sources.append(values)
        new_submissions, new_statements = [], []
        for sub in submissions:
            if count >= statements:
                break
            values = list(sub)
            old_id = sub[i_sub["id"]]
            values[i_sub["id"]] += offsets["submissions"] * copy
            values[i_sub["source_id"]] += offsets["sources"] * copy
            locator = json.loads(sub[i_sub["locator"]])
            locator["file"] = f"kopi{copy}/{locator['file']}"
            values[i_sub["locator"]] = json.dumps(locator)
            if sub[i_sub["email"]]:
                local, _, domain = sub[i_sub["email"]].partition("@")
                values[i_sub["email"]] = f"{local}.{suffix}@{domain}"
            text, pieces, pos = sub[i_sub["text"]], [], 0
            for st in by_submission.get(old_id, []):
                start, end = st[i_st["start"]], st[i_st["end"]]
                pieces.append(_retext(text[pos:start], suffix))
                new_start = sum(len(p) for p in pieces)
                new_text = _retext(st[i_st["text"]], suffix)
                pieces.append(new_text)
                pos = end
                st_values = list(st)
                st_values[i_st["id"]] += offsets["statements"] * copy
                st_values[i_st["submission_id"]] = values[i_sub["id"]]
                st_values[i_st["start"]], st_values[i_st["end"]] = new_start, new_start + len(new_text)
                st_values[i_st["text"]] = new_text
                st_loc = json.loads(st_values[st_cols.index("locator")])
                st_loc["file"] = f"kopi{copy}/{st_loc['file']}"
                st_values[st_cols.index("locator")] = json.dumps(st_loc)
                new_statements.append(st_values)
                count += 1
            pieces.append(_retext(text[pos:], suffix))
            values[i_sub["text"]] = "".join(pieces)
            new_submissions.append(values)
        for table, cols, values_list in (
            ("sources", src_cols, new_sources),
            ("submissions", sub_cols, new_submissions),
            ("statements", st_cols, new_statements),
        ):
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join("?" * len(cols))
            conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values_list)
        conn.commit()
    conn.close()
    tmp.replace(target)
    return count


def default_base(workdir: Path) -> Path:
    """The stored 50k run every size is scaled from, made on first use (``samordne run``, ~20 s)."""
    from bench.bench_end_to_end import cached_inbox

    target = workdir / "base-50k.db"
    if target.is_file():
        return target
    inbox = cached_inbox(1, 50_000, Path(tempfile.gettempdir()) / "samordne-bench")
    work = workdir / "base-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "SAMORDNE_DATABASE_URL": f"sqlite:///{work / 'samordne.db'}"}
    env.pop("PREFECT_API_URL", None)
    env["PREFECT_HOME"] = str(work / "prefect")
    samordne = str(Path(sys.executable).with_name("samordne"))
    print(f"storing the base run (50k synthetic inbox) in {target} ...", file=sys.stderr, flush=True)
    with (workdir / "base-run.log").open("wb") as log:
        done = subprocess.run(
            [samordne, "run", str(inbox), "--out", str(work / "out")],
            check=False,
            cwd=work,
            env=env,
            stdout=log,
            stderr=log,
        )
    if done.returncode != 0:
        raise SystemExit(
            f"storing the base run failed (exit {done.returncode}); see {workdir / 'base-run.log'}"
        )
    (work / "samordne.db").rename(target)
    shutil.rmtree(work, ignore_errors=True)
    return target


def database_for(base: Path, workdir: Path, statements: int) -> Path:
    stat = base.stat()
    tag = hashlib.sha256(f"{base.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:8]
    target = workdir / f"scale-{tag}-{statements}.db"
    if not target.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        n = build_database(base, target, statements)
        print(f"built {target} ({n} statements) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return target


# -- measuring ----------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Steps:
    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.results.append(
            {
                "step": name,
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "rss_mb": _rss_mb(),
                "peak_mb": _peak_mb(),
            }
        )


def measure(db: Path, profile: Path | None) -> dict[str, Any]:
    """The post-ingestion steps on ``db``, as ``flows.outputs`` runs them (minus writes to the store)."""
    import pandas as pd
    import sqlalchemy as sa

    from connectors.db import Store
    from processing.consolidate import consolidate, load_config
    from processing.dedupe import dedupe_statements
    from processing.registry import default_registry
    from processing.taxonomy import load_taxonomy
    from processing.validation import default_runtime, run_validation, validate_frame
    from processing.validation.adapt import consolidated_inputs

    default_runtime()  # GX import and context: warmed in the background by the flow
    registry = default_registry()
    taxonomy = load_taxonomy(None)
    store = Store.open(f"sqlite:///{db}")
    steps = Steps()
    with steps.step("baseline read_sql statements"), store.engine.connect() as conn:
        baseline = pd.read_sql(sa.text("SELECT * FROM statements"), conn)
    n_statements = len(baseline)
    del baseline
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with steps.step("read frames"):
        submissions, statements = store.submissions_frame(), store.statements_frame()
    with steps.step("validate submissions+statements"):
        outcome = run_validation(submissions, statements, None, {"themes": list(taxonomy.keys)})
    quarantined = sum(len(v) for v in outcome.quarantine.values())
    del submissions, statements
    with steps.step("read rows"):
        stored = store.statement_rows()
        known = store.personal_identifiers()
    with steps.step("dedupe"):
        deduped = dedupe_statements(stored)
    with steps.step("consolidate"):
        result = consolidate(
            deduped.rows,
            registry.municipalities,
            registry.steering_group,
            load_config(),
            taxonomy_keys=taxonomy.keys,
            known_names=known,
        )
    with steps.step("validate consolidated"):
        frame, context = consolidated_inputs(result, deduped.rows, taxonomy.keys)
        stage = validate_frame("consolidated", frame, context)
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    digest = hashlib.sha256(
        json.dumps(
            {
                "consolidation": result.to_dict(),
                "links": [(x.kept_id, x.dropped_id, x.reason) for x in deduped.links],
                "superseded": [
                    (x.old_statement_id, x.new_submission_id, x.reason) for x in deduped.superseded
                ],
                "quarantine": {t: sorted(map(str, v.items())) for t, v in outcome.quarantine.items()},
                "consolidated_stage": stage.to_json(),
            },
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    return {
        "statements": n_statements,
        "kept": len(deduped.rows),
        "links": len(deduped.links),
        "superseded": len(deduped.superseded),
        "need_groups": len(result.needs),
        "quarantined": quarantined,
        "result_sha256": digest,
        "steps": steps.results,
    }


def report(sizes: list[dict[str, Any]]) -> str:
    lines = []
    for size in sizes:
        base = size["steps"][0]
        lines.append(
            f"\n{size['statements']:,} statements (kept {size['kept']:,}, links {size['links']:,}, "
            f"superseded {size['superseded']:,}, need groups {size['need_groups']:,}, "
            f"quarantined {size['quarantined']:,}); result {size['result_sha256'][:16]}"
        )
        lines.append(f"  {'step':34} {'wall s':>8} {'cpu s':>8} {'x base':>7} {'rss MB':>8} {'peak MB':>8}")
        total_wall = total_cpu = 0.0
        for step in size["steps"]:
            if step is not base:
                total_wall += step["wall"]
                total_cpu += step["cpu"]
            lines.append(
                f"  {step['step']:34} {step['wall']:8.2f} {step['cpu']:8.2f} {step['cpu'] / base['cpu']:7.1f} "
                f"{step['rss_mb']:8.0f} {step['peak_mb']:8.0f}"
            )
        lines.append(
            f"  {'total (without baseline)':34} {total_wall:8.2f} {total_cpu:8.2f} "
            f"{total_cpu / base['cpu']:7.1f} {'':8} {size['steps'][-1]['peak_mb']:8.0f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, nargs="+", default=[50_000, 200_000, 1_000_000])
    parser.add_argument(
        "--base", type=Path, default=None, help="a stored run of the synthetic inbox (default: made once)"
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument(
        "--profile", type=int, default=None, help="size to profile (cProfile file in workdir)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.profile_out)))
        return
    if args.base is None:
        args.base = default_base(args.workdir)
    elif not args.base.is_file():
        parser.error(f"no base database {args.base}: a database `samordne run` stored")
    sizes = []
    for n in args.statements:
        db = database_for(args.base, args.workdir, n)
        command = [sys.executable, "-m", "bench.bench_scale", "--measure", str(db)]
        if args.profile == n:
            command += ["--profile-out", str(args.workdir / f"scale-{n}.prof")]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        sizes.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(report(sizes[-1:]), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(sizes, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
