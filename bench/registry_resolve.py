"""Respondent resolution speed: the indexed resolver against a fuzzy-only baseline, same inputs.

Run: .venv/bin/python -m bench.registry_resolve
The baseline folds the text and runs rapidfuzz extractOne over the 357 names for every
query (what a resolver without precomputed indexes would do). Inputs are unique strings, so
the resolver's memo cache misses on the first pass; the second pass shows the cached cost.
"""

from __future__ import annotations

import time

from rapidfuzz import fuzz, process

from processing.registry import Registry, default_registry
from processing.textnorm import fold


def queries(registry: Registry) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for m in registry.municipalities.values():
        out.append((m.name, None))
        out.append((f"{m.name.upper()} KOMMUNE", None))
        out.append((f"Helse- og omsorgsetaten i {m.name} kommune", None))
        out.append((m.name[:-2] + m.name[-1] + m.name[-2], None))  # transposed last letters: fuzzy path
        if m.domains:
            out.append(("", f"postmottak@{m.domains[0]}"))
    return out


def main() -> None:
    started = time.perf_counter()
    default_registry.cache_clear()
    registry = default_registry()
    load = time.perf_counter() - started
    items = queries(registry)

    started = time.perf_counter()
    results = [registry.resolve(text, email=email) for text, email in items]
    first = time.perf_counter() - started
    started = time.perf_counter()
    for text, email in items:
        registry.resolve(text, email=email)
    cached = time.perf_counter() - started

    names = [fold(m.name) for m in registry.municipalities.values()]
    started = time.perf_counter()
    for text, email in items:
        process.extractOne(fold(text or (email or "")), names, scorer=fuzz.WRatio)
    baseline = time.perf_counter() - started

    n = len(items)
    matched = sum(r.is_municipality for r in results)
    print(f"registry load: {load * 1000:.0f} ms")
    print(f"queries: {n} ({matched} matched to a municipality)")
    print(f"resolver, uncached: {first / n * 1e6:.0f} us/query ({n / first:.0f}/s)")
    print(f"resolver, cached:   {cached / n * 1e6:.1f} us/query ({n / cached:.0f}/s)")
    print(f"baseline fuzzy-only extractOne: {baseline / n * 1e6:.0f} us/query ({n / baseline:.0f}/s)")
    print(f"ratio resolver/baseline (uncached): {first / baseline:.2f}")


if __name__ == "__main__":
    main()
