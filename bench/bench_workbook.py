"""Cost of the analysts' workbook: time, peak memory and file size, old writer against new.

Each measurement runs in its own subprocess, so peak memory (``ru_maxrss``) is that writer's
alone; the figure reported is the growth over the process's RSS once its input is loaded.

* ``openpyxl`` (baseline, measured in the same run): the statements sheet written the way the
  old workbook wrote it, openpyxl in normal mode through ``reports.xlsx_style.write_table``.
  That sheet was ~90 % of the old workbook's time (profile of the 50k inbox, 2026-11-26).
* ``new``: ``reports.workbook.write_workbook`` to a file, the whole workbook (eight sheets,
  charts), the statements fed as a generator.
* ``new x4``: the same with the statements repeated four times under fresh ids: memory
  should stay flat, time should grow about linearly.

Input: ``--state PATH``, a pickle of ``{"consolidation", "rows", "quality", "manifest"}`` as
``flows.reporting.write_reports`` passes them (e.g. the 50k synthetic inbox), or synthetic rows
from ``bench.bench_consolidate.make_rows`` (``--statements``, default 50,000) consolidated here.

The whole old workbook (commit cee8631, ``render_workbook`` with openpyxl in normal mode),
measured 2026-11-26 on the 50k inbox pickle (54,853 statements), for comparison with ``new``:
CPU 8.7 s, wall 10.3 s, RSS growth 252 MB, file 5.43 MB. The new writer on the same input:
CPU 1.6-1.8 s, wall 2.5-3.3 s, RSS growth 6 MB, file 5.24 MB; cell values identical on every sheet.

Run: ``.venv/bin/python -m bench.bench_workbook [--state PATH | --statements 50000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from models.records import StatementRow
from reports.workbook import STATEMENT_HEADERS, STATEMENT_WIDTHS, statement_cells, write_workbook


def load_input(state: str | None, statements: int) -> dict[str, Any]:
    if state:
        with open(state, "rb") as fh:
            data: dict[str, Any] = pickle.load(fh)
        return data
    from bench.bench_consolidate import make_rows
    from processing.consolidate import consolidate, load_config
    from processing.consolidation.sample import STEERING_GROUP
    from processing.registry import default_registry
    from processing.taxonomy import THEME_KEYS

    rows = make_rows(statements)
    municipalities = default_registry().municipalities
    result = consolidate(rows, municipalities, STEERING_GROUP, load_config(), taxonomy_keys=THEME_KEYS)
    return {"consolidation": result, "rows": rows, "quality": None, "manifest": None}


def repeated(rows: list[StatementRow], times: int) -> Iterator[StatementRow]:
    """The rows ``times`` over, ids shifted each round so they stay unique; generated, never stored."""
    step = max(r.statement_id for r in rows)
    for k in range(times):
        for r in rows:
            yield dataclasses.replace(r, statement_id=r.statement_id + k * step) if k else r


def run_openpyxl(data: dict[str, Any], out: Path) -> None:
    from openpyxl import Workbook

    from reports.xlsx_style import write_table

    wb = Workbook()
    ws = wb.active
    ws.title = "Utsagn"
    rows = sorted(data["rows"], key=lambda r: r.statement_id)
    write_table(ws, 1, STATEMENT_HEADERS, (statement_cells(r) for r in rows), {8: "0.00"}, STATEMENT_WIDTHS)
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(buf.getvalue())


def run_new(data: dict[str, Any], out: Path, times: int) -> None:
    rows = sorted(data["rows"], key=lambda r: r.statement_id)
    write_workbook(out, data["consolidation"], repeated(rows, times), data["quality"], data["manifest"])


def child(args: argparse.Namespace) -> None:
    """One measurement in this process: prints a JSON line."""
    data = load_input(args.state, args.statements)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "book.xlsx"
        cpu, wall = time.process_time(), time.perf_counter()
        if args.child == "openpyxl":
            run_openpyxl(data, out)
        else:
            run_new(data, out, args.times)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        size = out.stat().st_size
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    n = len(data["rows"]) * (args.times if args.child == "new" else 1)
    print(json.dumps({"cpu": cpu, "wall": wall, "rss_mb": growth / 1024, "size_mb": size / 1e6, "rows": n}))


def measure(args: argparse.Namespace, which: str, times: int = 1) -> dict[str, float]:
    """Best CPU and wall of ``--repeat`` subprocess runs; the largest memory growth seen."""
    cmd = [sys.executable, "-m", "bench.bench_workbook", "--child", which, "--times", str(times)]
    cmd += ["--state", args.state] if args.state else ["--statements", str(args.statements)]
    runs = []
    for _ in range(args.repeat):
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "cpu": min(r["cpu"] for r in runs),
        "wall": min(r["wall"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "size_mb": runs[0]["size_mb"],
        "rows": runs[0]["rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", help="pickle of the write_reports inputs (default: synthetic rows)")
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("openpyxl", "new"), help=argparse.SUPPRESS)
    parser.add_argument("--times", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    base = measure(args, "openpyxl")
    results = {"openpyxl statements sheet (baseline)": base, "new, whole workbook": measure(args, "new")}
    results["new, whole workbook, rows x4"] = measure(args, "new", times=4)
    print(f"best of {args.repeat}; memory = RSS growth over the loaded input")
    for name, r in results.items():
        print(
            f"{name:38s} rows {int(r['rows']):>8,}  cpu {r['cpu']:6.2f} s ({r['cpu'] / base['cpu']:.2f}x)"
            f"  wall {r['wall']:6.2f} s ({r['wall'] / base['wall']:.2f}x)"
            f"  memory {r['rss_mb']:7.1f} MB  file {r['size_mb']:6.2f} MB"
        )


if __name__ == "__main__":
    main()
