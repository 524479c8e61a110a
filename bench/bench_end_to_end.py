"""End to end: ``samordne run`` on the synthetic inbox (all 357 municipalities), full and incremental.

Each measured step runs in its own subprocess, exactly as an operator runs it
(the Prefect flow in ephemeral mode, a fresh SQLite database in a temporary
working directory), so its peak memory can be read from ``os.wait4``:

* ``prefect``: a trivial flow run the same way (Python start, ``import prefect``,
  temporary API server, one flow run, shutdown): Prefect's fixed overhead as
  Prefect starts it;
* ``prefect-early``: the same trivial flow started as ``samordne run`` starts
  (``flows.server``: the API server before Prefect is imported; the console
  script's quick exit): the fixed overhead every ``samordne run`` pays, and the
  baseline the "net of Prefect" figures subtract;
* ``full``: the first run over the inbox (ingest, classify, store, validate,
  consolidate, workbook, HTML/PDF delivery);
* ``incremental``: a second run over the same inbox with nothing new;
* ``spacy``: in this process, a bare ``spacy.blank("nb").pipe`` over the same
  statement texts (read back from the database), the baseline the full run is
  compared with.

The inbox is generated once per (seed, statements) and cached under the temp dir.
Prefect's own database is warmed up once (not timed) so no step pays its migrations.

Run: ``.venv/bin/python -m bench.bench_end_to_end [--statements 50000] [--json FIGURES.json]``
(``--statements 1000000`` for the large run; ``--database-url`` for an empty PostgreSQL database).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_PREPARE = """
import atexit, os, sys, threading
from pathlib import Path
from flows.settings import prepare_prefect_env
prepare_prefect_env(Path.cwd())
"""
_FLOW = """
from prefect import flow, task

@task
def one() -> int:
    return 1

@flow(name="bench-trivial")
def trivial() -> int:
    return one()
"""
TRIVIAL_FLOW = _PREPARE + _FLOW + "trivial()\n"

# As `samordne run` starts and ends (flows.commands.pipeline.run, flows.cli.entry).
TRIVIAL_FLOW_EARLY = (
    _PREPARE
    + "from flows import server as api_server\nserver = api_server.start_early()\n"
    + _FLOW
    + """
with api_server.serving(server):
    trivial()
threading._shutdown()
atexit._run_exitfuncs()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""
)


@dataclass
class Step:
    name: str
    wall_s: float
    peak_rss_mb: float
    peak_tree_mb: float | None = None  # the process and its descendants together (see run_measured)
    in_flow_s: float | None = None  # started_at -> finished_at in the run's manifest
    phases: dict[str, float] | None = None  # from the run's log (see phase_seconds)
    cpu_s: float | None = None  # user + system time of the process and the children it waited for
    started_at: float | None = None  # time.time() at start and end, to place the log's phases
    ended_at: float | None = None


def cached_inbox(seed: int, statements: int, cache: Path) -> Path:
    """The synthetic inbox for (seed, statements), generated on first use."""
    target = cache / f"seed{seed}_n{statements}"
    done = target / ".complete"
    if not done.is_file():
        from connectors.synthetic import generate_inbox

        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        print(
            f"generating synthetic inbox ({statements} statements, seed {seed}) in {target} ...", flush=True
        )
        generate_inbox(target, seed=seed, statements=statements)
        done.write_text("ok\n", encoding="utf-8")
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    return target / "inbox"


def tree_rss_mb(root: int) -> float | None:
    """Resident size of ``root`` and all its descendants (Linux ``/proc``; None elsewhere)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    pages, stack = 0, [root]
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):  # exited meanwhile
            pages += int((proc / str(pid) / "statm").read_text(encoding="ascii").split()[1])
        stack.extend(children.get(pid, ()))
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_measured(name: str, argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> Step:
    """Run ``argv`` in a subprocess; wall time, the child's peak RSS (ru_maxrss, KiB on Linux) and
    the peak of the summed RSS of the child and its descendants (workers, Prefect's server),
    sampled every 0.2 s."""
    started, started_at = time.perf_counter(), time.time()
    peak_tree: list[float] = []
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                size = tree_rss_mb(proc.pid)
                if size is not None:
                    peak_tree.append(max(size, peak_tree.pop() if peak_tree else 0.0))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    ended_at = time.time()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: the run finished but a gate withheld the delivery
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"{name} failed with exit code {proc.returncode}; log {log}:\n{tail}")
    return Step(
        name,
        wall,
        usage.ru_maxrss / 1024,
        peak_tree_mb=peak_tree[0] if peak_tree else None,
        cpu_s=usage.ru_utime + usage.ru_stime,
        started_at=started_at,
        ended_at=ended_at,
    )


_LOG_LINE = re.compile(
    r"^(\d\d):(\d\d):(\d\d\.\d+) \| \w+\s+\| "
    r"(?:Task run '([a-z-]+)-\w+' - Finished|Flow run '[\w-]+' - (Beginning|Finished in state))"
)


def _seconds_of_day(at: float) -> float:
    """A time.time() value as seconds since local midnight, the clock of Prefect's log lines."""
    local = datetime.fromtimestamp(at).astimezone()
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def phase_seconds(log: Path, started: float | None = None, ended: float | None = None) -> dict[str, float]:
    """Seconds per phase from the run's Prefect log: start-up, ingest, validate, consolidate, write, exit.

    A task's phase ends when it logs ``Finished``; ingestion spans every ``ingest-batch``.
    With the process's ``started`` and ``ended`` times (``time.time()``), ``start-up`` runs
    from the process's start to the flow's first line (imports, warm-up, Prefect's server)
    and ``exit`` from the flow's last line to the process's end.
    """
    marks: list[tuple[str, float]] = [] if started is None else [("process", _seconds_of_day(started))]
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LOG_LINE.match(line)
        if match:
            hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3])
            name = match[4] or ("flow" if match[5] == "Beginning" else "flow-end")
            marks.append((name, hours * 3600 + minutes * 60 + seconds))
    if ended is not None:
        marks.append(("exit", _seconds_of_day(ended)))
    if not marks:
        return {}
    phases: dict[str, float] = {}
    previous_at = marks[0][1]
    for name, at in marks[1:]:
        key = {"flow": "start-up", "ingest-batch": "ingest", "flow-end": "flow end"}.get(name, name)
        phases[key] = phases.get(key, 0.0) + max(0.0, (at - previous_at) % 86400)
        previous_at = at
    return {k: round(v, 1) for k, v in phases.items()}


def in_flow_seconds(out: Path) -> float | None:
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        start = datetime.fromisoformat(manifest["started_at"])
        end = datetime.fromisoformat(manifest["finished_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (end - start).total_seconds()


def stored_texts(database_url: str) -> list[str]:
    from sqlalchemy import create_engine, select

    from models.tables import DbStatement

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(DbStatement.text).order_by(DbStatement.id)))
    finally:
        engine.dispose()


def time_blank_spacy(texts: list[str]) -> float:
    import spacy

    nlp = spacy.blank("nb")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=1000):
        pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "samordne-bench")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file per bench run")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (outputs, logs)")
    args = parser.parse_args(argv)

    inbox = cached_inbox(args.seed, args.statements, args.cache)
    work = Path(tempfile.mkdtemp(prefix="samordne-e2e-"))
    database_url = args.database_url or f"sqlite:///{work / 'samordne.db'}"
    env = {
        **os.environ,
        "SAMORDNE_DATABASE_URL": database_url,
        "PREFECT_HOME": str(work / "prefect"),
        "PYTHONUNBUFFERED": "1",
    }
    samordne = str(Path(sys.executable).with_name("samordne"))
    python = sys.executable
    try:
        run_measured("prefect-warmup", [python, "-c", TRIVIAL_FLOW], work, env, work / "warmup.log")
        prefect = run_measured("prefect", [python, "-c", TRIVIAL_FLOW], work, env, work / "prefect.log")
        early = run_measured(
            "prefect-early", [python, "-c", TRIVIAL_FLOW_EARLY], work, env, work / "prefect-early.log"
        )

        def samordne_run(name: str) -> Step:
            """``samordne run`` over the inbox into out-NAME, with its in-flow time and phases."""
            step = run_measured(
                name,
                [samordne, "run", str(inbox), "--out", str(work / f"out-{name}")],
                work,
                env,
                work / f"{name}.log",
            )
            step.in_flow_s = in_flow_seconds(work / f"out-{name}")
            step.phases = phase_seconds(work / f"{name}.log", step.started_at, step.ended_at)
            return step

        full = samordne_run("full")
        incremental = samordne_run("incremental")
        texts = stored_texts(database_url)
        spacy_s = time_blank_spacy(texts)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    n = len(texts)
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "sqlite" if database_url.startswith("sqlite") else database_url.split(":", 1)[0],
        "statements_requested": args.statements,
        "statements_stored": n,
        "steps": [asdict(s) for s in (prefect, early, full, incremental)],
        "statements_per_s": n / full.wall_s if full.wall_s else None,
        "spacy_blank_pipe_s": spacy_s,
        "full_vs_spacy": full.wall_s / spacy_s if spacy_s else None,
        "incremental_vs_full": incremental.wall_s / full.wall_s,
        "incremental_vs_full_net_of_prefect": (incremental.wall_s - early.wall_s)
        / max(1e-9, full.wall_s - early.wall_s),
        "incremental_vs_full_in_flow": incremental.in_flow_s / full.in_flow_s
        if incremental.in_flow_s and full.in_flow_s
        else None,
    }
    print_table(figures, (prefect, early, full, incremental))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def print_table(figures: dict[str, Any], steps: tuple[Step, ...]) -> None:
    n = figures["statements_stored"]
    print(f"\nend to end, {n} statements stored; {figures['machine']}; {figures['database']}")
    print(
        f"{'step':<28}{'wall s':>10}{'in flow s':>11}{'CPU s':>8}{'peak RSS MB':>13}{'all processes MB':>18}"
    )
    for step in steps:
        flow_s = f"{step.in_flow_s:.1f}" if step.in_flow_s is not None else "–"
        cpu_s = f"{step.cpu_s:.1f}" if step.cpu_s is not None else "–"
        tree = f"{step.peak_tree_mb:.0f}" if step.peak_tree_mb is not None else "–"
        print(f"{step.name:<28}{step.wall_s:>10.1f}{flow_s:>11}{cpu_s:>8}{step.peak_rss_mb:>13.0f}{tree:>18}")
    print(f"{'spacy.blank(nb).pipe':<28}{figures['spacy_blank_pipe_s']:>10.1f}")
    for step in steps:
        if step.phases:
            print(f"{step.name} phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in step.phases.items()))
    rows = [
        ("statements/s (full run)", f"{figures['statements_per_s']:,.0f}"),
        ("full run / bare spaCy pipe", f"{figures['full_vs_spacy']:.1f}x"),
        ("incremental / full (wall)", f"{100 * figures['incremental_vs_full']:.1f} %"),
        (
            "incremental / full (net of prefect-early)",
            f"{100 * figures['incremental_vs_full_net_of_prefect']:.1f} %",
        ),
    ]
    if figures["incremental_vs_full_in_flow"] is not None:
        rows.append(("incremental / full (in flow)", f"{100 * figures['incremental_vs_full_in_flow']:.1f} %"))
    print()
    for label, value in rows:
        print(f"{label:<44}{value}")


if __name__ == "__main__":
    main()
