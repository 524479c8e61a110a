"""Cost of consolidation and report rendering on a realistic volume.

Synthetic statement rows (default 50,000) from all 357 municipalities over the shipped
themes, with need wordings drawn from a few hundred variants. Measures, best of N:

* ``consolidate`` (one voice per municipality/theme, figures, need grouping, quotes),
  against a baseline measured in the same run: a bare per-theme set-of-municipalities
  count over the same rows (what any consolidation must at least do);
* ``consolidated_json``, ``render_workbook`` and ``build_delivery`` (HTML + PDF).

Run: ``.venv/bin/python -m bench.bench_consolidate [--statements 50000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from models.records import Channel, RespondentKind, Stance, StatementRow, StatementType
from processing.consolidate import consolidate, load_config
from processing.consolidation.sample import STEERING_GROUP, statement_row
from processing.registry import default_registry
from processing.taxonomy import THEME_KEYS
from reports.delivery import build_delivery, consolidated_json
from reports.workbook import render_workbook

NEED_WORDS = ("opplæring", "finansiering", "integrasjon", "tilgangsstyring", "support", "fremdriftsplan")


def make_rows(n: int, seed: int = 1) -> list[StatementRow]:
    rnd = random.Random(seed)
    munis = list(default_registry().municipalities.values())
    rows = []
    for i in range(1, n + 1):
        m = rnd.choice(munis)
        kind = rnd.choices(list(RespondentKind), weights=(90, 3, 4, 3))[0]
        typ = rnd.choice(list(StatementType))
        if typ is StatementType.NEED:
            text = f"Kommunene trenger mer {rnd.choice(NEED_WORDS)} for {rnd.randint(1, 40)} tjenester."
        else:
            text = f"{m.name} kommune mener noe om tema nummer {rnd.randint(1, 1000)}."
        rows.append(
            statement_row(
                i,
                text,
                kommunenummer=m.kommunenummer,
                kind=kind,
                name=None if kind is RespondentKind.UNKNOWN else m.name,
                theme=rnd.choice(THEME_KEYS),
                type=typ,
                stance=rnd.choice(list(Stance)) if typ is StatementType.POSITION else None,
                channel=rnd.choice([Channel.EMAIL, Channel.SURVEY, Channel.SPREADSHEET]),
                confidence=rnd.random(),
                submission_id=i // 5,
            )
        )
    return rows


def baseline(rows: list[StatementRow]) -> dict[str, int]:
    seen: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.kommunenummer:
            seen[r.theme].add(r.kommunenummer)
    return {t: len(s) for t, s in seen.items()}


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    registry = default_registry()
    rows = make_rows(args.statements)
    config = load_config()
    t_base, _ = best(lambda: baseline(rows), args.repeat)
    t_cons, result = best(
        lambda: consolidate(rows, registry.municipalities, STEERING_GROUP, config, taxonomy_keys=THEME_KEYS),
        args.repeat,
    )
    t_json, data = best(lambda: consolidated_json(result), args.repeat)
    t_wb, book = best(lambda: render_workbook(result, rows), 1)
    t_del, files = best(lambda: build_delivery(result, rows), 1)
    print(f"statements: {len(rows)}  need groups: {len(result.needs)}")
    print(f"baseline per-theme municipality sets: {t_base * 1000:8.1f} ms")
    print(f"consolidate:                          {t_cons * 1000:8.1f} ms  ({t_cons / t_base:.1f}x baseline)")
    print(f"consolidated_json:                    {t_json * 1000:8.1f} ms  ({len(data) / 1e6:.2f} MB)")
    print(f"render_workbook:                      {t_wb * 1000:8.1f} ms  ({len(book) / 1e6:.2f} MB)")
    sizes = ", ".join(f"{k} {len(v) / 1e6:.2f} MB" for k, v in sorted(files.items()))
    print(f"build_delivery (HTML + PDF + JSON):   {t_del * 1000:8.1f} ms  ({sizes})")


if __name__ == "__main__":
    main()
