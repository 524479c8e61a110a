"""Throughput of segment + classify over ~50k synthetic statements, one process.

Baseline (same run, same texts): a bare ``nlp.pipe`` tokenisation with ``spacy.blank("nb")``.
Run: ``.venv/bin/python -m bench.bench_classify [N]``.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import spacy

from processing.classify import load_classifier
from processing.segment import segment_texts

T = TypeVar("T")
SUBJECTS = ["Kommunen", "Vi", "Kommunestyret", "Rådmannen", "Helse- og omsorgstjenesten", "Kommunen vår"]
VERBS = ["mener at", "ber om at", "støtter at", "er bekymret for at", "krev at", "meiner at"]
OBJECTS = [
    "staten må dekke kostnadene ved innføringen",
    "fastlegene får tilgang til journalen, f.eks. via kjernejournal",
    "tidsplanen er for stram, jf. kap. 3 i høringsnotatet",
    "opplæringa av dei tilsette blir finansiert nasjonalt",
    "leverandørene får konkurrere på like vilkår",
    "tilgangsstyringen ivaretar personvernet",
]


def synthetic(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}." for _ in range(n)]


def _timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall and CPU seconds of ``fn()`` (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main(n: int = 50_000) -> None:
    texts = synthetic(n)
    clf = load_classifier()
    clf.classify(texts[:200])  # warm caches and lazy imports
    segment_texts(texts[:200])
    nlp = spacy.blank("nb")

    base_wall, base_cpu, _ = _timed(lambda: sum(1 for _ in nlp.pipe(texts, batch_size=1000)))
    seg_wall, seg_cpu, spans = _timed(lambda: segment_texts(texts))
    sentences = [t[a:b] for t, ss in zip(texts, spans, strict=True) for a, b in ss]
    cls_wall, cls_cpu, _ = _timed(lambda: clf.classify(sentences))

    print(f"statements: {n}, sentences: {len(sentences)}, model: {clf.version}")
    for name, wall, cpu, count in (
        ("baseline blank nb nlp.pipe", base_wall, base_cpu, n),
        ("segment", seg_wall, seg_cpu, n),
        ("classify", cls_wall, cls_cpu, len(sentences)),
        ("segment + classify", seg_wall + cls_wall, seg_cpu + cls_cpu, n),
    ):
        print(f"{name}: wall {wall:.2f} s ({count / wall:,.0f}/s), cpu {cpu:.2f} s ({count / cpu:,.0f}/s)")
    print(
        f"ratio segment + classify to baseline: wall {(seg_wall + cls_wall) / base_wall:.1f}x,"
        f" cpu {(seg_cpu + cls_cpu) / base_cpu:.1f}x"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
