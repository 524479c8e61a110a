"""Cost of validation with Great Expectations.

1. Import cost: ``python -c "import great_expectations"`` against ``python -c "import pandas"``
   (fresh subprocesses, best of N).
2. Validating 50,000 statements (plus 10,000 submissions and a consolidated result of
   357 municipalities x 12 themes) through all three suites, against a pure-pandas
   computation of the same checks in the same run (the derived ``check_*`` columns are
   computed the same way in both, so the ratio measures GX's own overhead).

Run: ``.venv/bin/python -m bench.bench_validation [--statements 50000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from processing.validation import GxRuntime, ValidationOutcome, run_validation
from processing.validation.checks import (
    add_statement_checks,
    add_submission_checks,
    citations_frame,
    consolidated_rows,
    theme_figures_frame,
)
from processing.validation.suites import build_suite

THEMES = tuple(f"tema{i:02d}" for i in range(12))
TODAY = date(2026, 11, 26)
SENTENCE = "vi trenger felles journal for helse og omsorg i kommunen med god styring og finansiering"
WORDS = SENTENCE.split()


def make_data(
    n_statements: int, seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    rng = random.Random(seed)
    n_sub = max(1, n_statements // 5)
    subs: dict[str, list[Any]] = {k: [] for k in (
        "submission_id", "source_id", "source_sha256", "source_path", "channel", "respondent", "match_status",
        "respondent_kind", "kommunenummer", "submitted_on", "locator", "text")}  # fmt: skip
    stmts: list[dict[str, Any]] = []
    sid = 0
    for i in range(n_sub):
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(5, 14))).capitalize() + "." for _ in range(5)]
        text = " ".join(sentences)
        matched = rng.random() < 0.9
        for key, value in (
            ("submission_id", i + 1), ("source_id", i // 10 + 1), ("source_sha256", f"{i // 10:064x}"),
            ("source_path", f"fil{i // 10}.xlsx"), ("channel", rng.choice(["survey", "spreadsheet", "email"])),
            ("respondent", f"Kommune {i}"), ("match_status", "matched" if matched else "not_found"),
            ("respondent_kind", "municipality" if matched else "unknown"),
            ("kommunenummer", f"{rng.randint(301, 5699):04d}" if matched else None),
            ("submitted_on", pd.Timestamp(2024, 1, 1) + pd.Timedelta(days=rng.randint(0, 600))),
            ("locator", f"fil{i // 10}.xlsx | row={i % 10 + 2}"), ("text", text),
        ):  # fmt: skip
            subs[key].append(value)
        pos = 0
        for order, sentence in enumerate(sentences):
            sid += 1
            type_ = rng.choice(["need", "position", "other"])
            stance = (
                rng.choice(["support", "oppose", "conditional", "neutral"]) if type_ == "position" else None
            )
            stmts.append({
                "statement_id": sid, "submission_id": i + 1, "order": order, "start": pos,
                "end": pos + len(sentence), "text": sentence, "submission_text": text, "type": type_,
                "theme": rng.choice(THEMES), "stance": stance, "type_confidence": rng.random(),
                "theme_confidence": rng.random(), "stance_confidence": rng.random() if stance else None,
                "model_version": "bench", "needs_review": False,
            })  # fmt: skip
            pos += len(sentence) + 1
    submissions = pd.DataFrame(subs)
    submissions["submitted_on"] = pd.to_datetime(submissions["submitted_on"])
    statements = pd.DataFrame(stmts)
    rows = [
        {"theme": t, "kommunenummer": f"{k:04d}", "population": 1000 + k,
         "stance": rng.choice(["support", "oppose", "mixed", None])}
        for t in THEMES for k in range(301, 301 + 357)
    ]  # fmt: skip
    consolidated = pd.DataFrame(rows)
    figures = []
    for theme, group in consolidated.groupby("theme"):
        figures.append({
            "theme": theme, "municipalities": len(group), "population": int(group["population"].sum()),
            "share_national": 0.5, "share_outside_midt": 0.55,
            "stance_counts": {str(s): int(n) for s, n in group["stance"].dropna().value_counts().items()},
        })  # fmt: skip
    cited = statements.sample(n=min(len(statements), 72), random_state=seed)
    citations = [
        {"statement_id": r.statement_id, "quote": r.text, "source_text": r.submission_text}
        for r in cited.itertuples()
    ]
    return (
        submissions,
        statements,
        consolidated,
        {"themes": THEMES, "today": TODAY, "theme_figures": figures, "citations": citations},
    )


def pandas_baseline(
    submissions: pd.DataFrame, statements: pd.DataFrame, consolidated: pd.DataFrame, ctx: dict[str, Any]
) -> int:
    """The same checks in plain pandas; returns the number of failing (check, row) pairs."""
    failures = 0
    sub = add_submission_checks(submissions)
    st = add_statement_checks(statements)
    cons = consolidated_rows(consolidated)
    parts = {
        "submissions": {"rows": sub},
        "statements": {"rows": st},
        "consolidated": {
            "rows": cons,
            "themes": theme_figures_frame(cons, ctx["theme_figures"]),
            "citations": citations_frame(ctx["citations"], set(statements["statement_id"])),
        },
    }
    for stage, frames in parts.items():
        for check in build_suite(stage, ctx).checks:
            frame, kw = frames[check.part], check.kwargs
            col = frame[kw["column"] if "column" in kw else frame.columns[0]]
            if check.expectation == "ExpectColumnValuesToNotBeNull":
                bad = col.isna()
            elif check.expectation == "ExpectColumnValuesToBeInSet":
                bad = col.notna() & ~col.isin(kw["value_set"])
            elif check.expectation == "ExpectColumnValuesToBeBetween":
                lo, hi = kw.get("min_value"), kw.get("max_value")
                bad = col.notna() & (
                    ((col < lo) if lo is not None else False) | ((col > hi) if hi is not None else False)
                )
            elif check.expectation == "ExpectColumnValuesToMatchRegex":
                bad = col.notna() & ~col.astype(str).str.contains(kw["regex"], regex=True)
            elif check.expectation == "ExpectColumnValuesToBeUnique":
                bad = col.duplicated(keep=False)
            elif check.expectation == "ExpectCompoundColumnsToBeUnique":
                bad = frame.duplicated(subset=list(kw["column_list"]), keep=False)
            elif check.expectation == "ExpectColumnPairValuesToBeEqual":
                bad = frame[kw["column_A"]] != frame[kw["column_B"]]
            else:
                raise AssertionError(check.expectation)
            failures += int(bad.sum())
    return failures


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def import_cost(module: str, repeat: int) -> list[float]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    gx_times, pd_times = import_cost("great_expectations", args.repeat), import_cost("pandas", args.repeat)
    print(f"import great_expectations (subprocess): best {min(gx_times):.2f} s, "
          f"median {statistics.median(gx_times):.2f} s")  # fmt: skip
    print(f"import pandas (subprocess, baseline):    best {min(pd_times):.2f} s, "
          f"median {statistics.median(pd_times):.2f} s")  # fmt: skip
    print(f"ratio GX / pandas import: {min(gx_times) / min(pd_times):.1f}x")

    t0 = time.perf_counter()
    data = make_data(args.statements)
    print(f"\ndata: {len(data[0]):,} submissions, {len(data[1]):,} statements, {len(data[2]):,} consolidated rows "
          f"(generated in {time.perf_counter() - t0:.2f} s)")  # fmt: skip
    t0 = time.perf_counter()
    runtime = GxRuntime()
    print(f"GxRuntime() in-process (import + ephemeral context): {time.perf_counter() - t0:.2f} s")

    gx_best, outcome = _timed(lambda: run_validation(*data[:3], data[3], runtime), args.repeat)
    pd_best, failures = _timed(lambda: pandas_baseline(*data), args.repeat)
    assert isinstance(outcome, ValidationOutcome)
    success = outcome.success
    print(f"run_validation, 3 stages, GX (best of {args.repeat}): {gx_best:.2f} s (success={success})")
    print(f"same checks in pure pandas (baseline):    {pd_best:.2f} s (failing pairs={failures})")
    print(f"ratio GX / pandas: {gx_best / pd_best:.1f}x")


if __name__ == "__main__":
    main()
