"""Resident memory of a full samordne run, phase by phase, without Prefect.

The steps ``flows.pipeline.run_flow`` sequences (ingest with local worker
processes, then one PDF process; validate, consolidate, write the reports, finish) are called directly
in this process, and a sampler thread reads this process's resident size every
20 ms. For each phase it prints the peak and the size at its end, so a memory
target (issue 8: 1,000,000 statements under 2 GB) can be traced to the phase that
misses it. Worker processes are not counted (they are separate processes and
exit with the pool); Prefect's own cost is measured by ``bench_end_to_end``.

    python -m bench.bench_memory --statements 250000 [--workers 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.bench_end_to_end import cached_inbox


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fp:
        pages = int(fp.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler:
    """Peak resident size since the last ``mark``, sampled on a background thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = rss_mb()
        self.phases: list[dict[str, Any]] = []
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def mark(self, phase: str) -> None:
        now = rss_mb()
        seconds = time.perf_counter() - self._started
        self.phases.append(
            {
                "phase": phase,
                "seconds": round(seconds, 1),
                "peak_mb": round(max(self.peak, now)),
                "end_mb": round(now),
            }
        )
        print(
            f"{phase:<12} {seconds:7.1f} s  peak {max(self.peak, now):7.0f} MB  end {now:7.0f} MB", flush=True
        )
        self.peak = now
        self._started = time.perf_counter()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def run(inbox: Path, work: Path, workers: int) -> list[dict[str, Any]]:
    from dataclasses import replace

    from flows import outputs, parallel, reporting
    from flows.ingest import ingest_files, ingest_known
    from flows.pipeline import release_pool
    from flows.settings import Settings

    sampler = Sampler()
    settings = Settings.from_env().with_database(f"sqlite:///{work / 'samordne.db'}")
    state = outputs.start_run(settings, inbox, work / "out")
    known, fresh, earlier = outputs.split_known(state)
    batches = list(outputs.batches(fresh, settings.batch_files))
    state.pool = parallel.take(state.inbox, settings, workers) if workers > 1 and len(batches) > 1 else None
    ctx = outputs.ingest_context(state, load_model=state.pool is None)
    sampler.mark("start")
    if known:
        state.outcomes.extend(ingest_known(replace(ctx, preknown=earlier), known))
    if state.pool is not None:
        state.pool.plan(fresh)
    for batch in batches:
        state.outcomes.extend(ingest_files(ctx, batch, state.pool))
    state.outcomes = outputs.in_inbox_order(state.outcomes, state.inbox_files)
    if state.pool is not None:
        release_pool(state)  # as run_flow: the readers make way for one PDF process
    sampler.mark("ingest")
    state = outputs.validate_stored(state)
    sampler.mark("validate")
    state = outputs.consolidate_stored(state)
    sampler.mark("consolidate")
    written = reporting.write_reports(state)
    sampler.mark("reports")
    if state.reporter is not None:
        state.reporter.shutdown()
        state.reporter = None
    outputs.finish_run(state, written)
    sampler.mark("finish")
    sampler.close()
    return sampler.phases


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "samordne-bench")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it: database, reports")
    args = parser.parse_args(argv)
    inbox = cached_inbox(args.seed, args.statements, args.cache)
    if args.keep:
        args.keep.mkdir(parents=True)
        phases = run(inbox, args.keep, args.workers)
    else:
        with tempfile.TemporaryDirectory(prefix="samordne-mem-") as tmp:
            phases = run(inbox, Path(tmp), args.workers)
    figures = {
        "statements": args.statements,
        "workers": args.workers,
        "peak_mb": max(p["peak_mb"] for p in phases),
        "phases": phases,
    }
    print(f"peak of this process: {figures['peak_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
