"""Crash safety: SIGKILL a run at random points, re-run, and get what one uninterrupted run stores.

The killed runs call the plain steps of ``flows.pipeline.run_flow`` (``flows.outputs``,
``flows.ingest``) in a subprocess, without Prefect: Prefect's ephemeral server takes 7-15 s
to start and varies with load while ingesting this inbox takes about 2 s, and a SIGKILL
would orphan the server subprocess. The state at risk is the database, which the plain
steps write exactly as the flow's tasks do.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "inbox"

# The steps of ``flows.pipeline.run_flow`` without Prefect, printing a marker before each
# phase and batch so the test can place a SIGKILL inside the phase it picked.
RUN_SCRIPT = """
import dataclasses, json, os, signal, sys
from pathlib import Path
from flows import outputs, reporting
from flows.ingest import ingest_files
from flows.settings import Settings

inbox, out, url, batch_files, kill_after, until, workers = sys.argv[1:8]
settings = Settings.from_env(workdir=Path.cwd()).with_database(url)
settings = dataclasses.replace(settings, batch_files=int(batch_files))
state = outputs.start_run(settings, Path(inbox), Path(out))
ctx = outputs.ingest_context(state)
pool = None
if int(workers) > 1:  # worker processes read and classify, this one stores (as run_flow does)
    from flows import parallel
    pool = state.pool = parallel.take(state.inbox, settings, int(workers))
if kill_after:
    # Die inside the file's transaction, right after the named source and what was read from
    # it are written and before the files found inside it are.
    insert_children = ctx.store._insert_children

    def insert_then_die(conn, source_id, outcome, submissions, rejections):
        insert_children(conn, source_id, outcome, submissions, rejections)
        if outcome.path == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    ctx.store._insert_children = insert_then_die
for number, batch in enumerate(outputs.batches(state.inbox_files, settings.batch_files)):
    print(f"batch {number}", flush=True)
    state.outcomes.extend(ingest_files(ctx, batch, pool))
if until == "ingest":
    print("done {}", flush=True)
    sys.exit(0)
print("validate", flush=True)
state = outputs.validate_stored(state)
print("consolidate", flush=True)
state = outputs.consolidate_stored(state)
print("write", flush=True)
written = reporting.write_reports(state)
if pool is not None:
    pool.close()
result = outputs.finish_run(state, written)
print("done " + json.dumps(result), flush=True)
"""


def build_inbox(target: Path, statements: int = 100, seed: int = 3) -> Path:
    """A synthetic inbox plus sample files with attachments, a broken workbook and an exact copy."""
    from connectors.synthetic import generate_inbox

    report = generate_inbox(target, seed=seed, statements=statements)
    for name in (
        "epost_vedlegg_molde.eml",
        "skadet.xlsx",
        "Innspillsmal_Stavanger.xlsx",
        "Kopi av Innspillsmal_Stavanger.xlsx",
    ):
        shutil.copy2(EXAMPLES / name, report.inbox_dir / name)
    return report.inbox_dir


def start_run(
    inbox: Path,
    out: Path,
    url: str,
    cwd: Path,
    *,
    batch_files: int = 5,
    kill_after: str = "",
    until: str = "all",
    workers: int = 1,
) -> subprocess.Popen[str]:
    """Start the run in its own session (process group), so a SIGKILL reaches all of it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SAMORDNE_DATABASE_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            RUN_SCRIPT,
            str(inbox),
            str(out),
            url,
            str(batch_files),
            kill_after,
            until,
            str(workers),
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> dict[str, Any]:
    """Wait for a run to end; return its result (the ``done`` line) or raise with its markers."""
    assert proc.stdout is not None
    lines = proc.stdout.read().splitlines()
    proc.wait(timeout=timeout)
    done = [line for line in lines if line.startswith("done ")]
    if proc.returncode != 0 or not done:
        raise AssertionError(f"run exited {proc.returncode} after markers {lines[-5:]}")
    result: dict[str, Any] = json.loads(done[0][5:])
    return result


def stored_state(url: str) -> dict[str, Any]:
    """What a database holds, without ids, run ids or times, keyed by source path.

    ``fate`` is each path's final status: "ingested" when any run ingested it,
    else the status its latest row was given. ``ingested_twice`` lists paths and
    contents ingested more than once (there must be none).
    """
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sources = conn.execute(
                text(
                    "select s.path, s.status, s.sha256, p.path as parent from sources s "
                    "left join sources p on p.id = s.parent_id order by s.id"
                )
            ).all()
            contents = conn.execute(text("select count(*) from contents")).scalar_one()
            submissions = _rows_without_ids(
                conn,
                "select src.path as source_path, sub.* from submissions sub "
                "join sources src on src.id = sub.source_id",
            )
            statements = _rows_without_ids(
                conn,
                'select src.path as source_path, sub."order" as submission_order, st.* '
                "from statements st join submissions sub on sub.id = st.submission_id "
                "join sources src on src.id = sub.source_id",
            )
            rejections = _rows_without_ids(
                conn,
                "select src.path as source_path, r.* from rejections r "
                "join sources src on src.id = r.source_id",
            )
            running = conn.execute(text("select count(*) from runs where status = 'running'")).scalar_one()
    finally:
        engine.dispose()
    statuses: dict[str, list[str]] = defaultdict(list)
    parents: dict[str, str | None] = {}
    ingested_sha: dict[str, int] = defaultdict(int)
    for row in sources:
        statuses[row.path].append(row.status)
        parents[row.path] = row.parent
        if row.status == "ingested":
            ingested_sha[row.sha256] += 1
    return {
        "fate": {
            path: ("ingested" if "ingested" in seen else seen[-1], parents[path])
            for path, seen in sorted(statuses.items())
        },
        "ingested_twice": sorted(
            [p for p, seen in statuses.items() if seen.count("ingested") > 1]
            + [sha for sha, n in ingested_sha.items() if n > 1]
        ),
        "contents_claimed": contents,
        "submissions": submissions,
        "statements": statements,
        "rejections": rejections,
        "runs_left_running": running,
    }


def _rows_without_ids(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    result = conn.execute(text(sql))
    keep = [
        i
        for i, name in enumerate(result.keys())
        if name not in {"id", "source_id", "submission_id", "superseded_by"}
    ]
    return sorted((tuple(repr(row[i]) for i in keep) for row in result), key=str)


def consolidated(result: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (Path(result["outputs"]["delivery"]) / "consolidated.json").read_text(encoding="utf-8")
    )
    return data


pytestmark = [pytest.mark.slow]

KILL_SEED = 20261126
KILLS = 4


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_inbox(tmp_path_factory.mktemp("crash"))


def _markers(inbox: Path, batch_files: int) -> list[str]:
    from connectors.inbox import list_inbox

    n_batches = -(-len(list_inbox(inbox)) // batch_files)
    return [f"batch {i}" for i in range(n_batches)] + ["validate", "consolidate", "write"]


@pytest.mark.parametrize(
    ("workers", "kills"),
    [(1, KILLS), (2, 2)],
    ids=["one-process", "worker-pool"],
)
def test_sigkill_at_random_points_then_rerun_equals_one_run(
    inbox: Path, tmp_path: Path, statement_places: Callable[[Any, str], Any], workers: int, kills: int
) -> None:
    """Runs killed at seeded random points, then one to completion, store what one run stores.

    With a worker pool the kill reaches the workers too (its process group), while they read
    files ahead of the one being stored; the pooled runs are compared with a run in one process.
    """
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    # The uninterrupted run goes alongside the killed ones: same result, half the wall time.
    reference_run = start_run(inbox, tmp_path / "reference", reference_url, tmp_path)
    rng = random.Random(KILL_SEED + workers)
    url = f"sqlite:///{tmp_path / 'samordne.db'}"
    markers = _markers(inbox, 5)
    killed_at: list[tuple[str, float, int | None]] = []
    for attempt in range(kills):
        marker, delay = rng.choice(markers), rng.uniform(0.0, 0.5)
        proc = start_run(inbox, tmp_path / f"out{attempt}", url, tmp_path, workers=workers)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == marker:
                time.sleep(delay)
                break
        kill(proc)
        killed_at.append((marker, round(delay, 2), proc.returncode))
    assert [code for *_, code in killed_at] == [-signal.SIGKILL] * kills, killed_at
    final = finish(start_run(inbox, tmp_path / "final", url, tmp_path, workers=workers))
    reference = finish(reference_run)
    state, expected = stored_state(url), stored_state(reference_url)
    assert state["ingested_twice"] == []
    assert state["fate"] == expected["fate"], killed_at
    assert state["contents_claimed"] == expected["contents_claimed"]
    assert state["submissions"] == expected["submissions"]
    assert state["statements"] == expected["statements"]
    assert state["rejections"] == expected["rejections"]
    assert state["runs_left_running"] == 0  # each start closed the killed runs before it as failed
    assert statement_places(consolidated(final), url) == statement_places(
        consolidated(reference), reference_url
    )


MOLDE = "epost_vedlegg_molde.eml"


def test_kill_between_mail_and_its_attachments_loses_nothing(inbox: Path, tmp_path: Path) -> None:
    """A SIGKILL after a mail is written, before its attachments are, loses no attachment.

    The mail and its attachments share one transaction (``Store.record_tree``): the kill
    rolls the mail back too, so the next run reads it and its attachments again.
    """
    url = f"sqlite:///{tmp_path / 'samordne.db'}"
    proc = start_run(inbox, tmp_path / "out0", url, tmp_path, kill_after=MOLDE, until="ingest")
    assert proc.wait(timeout=300) == -signal.SIGKILL
    finish(start_run(inbox, tmp_path / "final", url, tmp_path, until="ingest"))
    fate = stored_state(url)["fate"]
    assert {path: fate.get(path) for path in (MOLDE, *ATTACHMENTS)} == {
        MOLDE: ("ingested", None),
        **dict.fromkeys(ATTACHMENTS, ("ingested", MOLDE)),
    }


ATTACHMENTS = (f"{MOLDE}!/2/Innspillsmal_Molde.xlsx", f"{MOLDE}!/3/Vedtak_Akson_Molde.pdf")
