"""Throughput of segment + classify over ~50k synthetic statements, one process.

Baseline (same run, same texts): a bare ``nlp.pipe`` tokenisation with ``spacy.blank("nb")``.
Run: ``.venv/bin/python -m bench.bench_classify [N]``.
"""

from __future__ import annotations

import random
import sys
import time

import spacy

from processing.classify import load_classifier
from processing.segment import segment_texts

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


def main(n: int = 50_000) -> None:
    texts = synthetic(n)
    clf = load_classifier()
    clf.classify(texts[:200])  # warm caches and lazy imports
    segment_texts(texts[:200])

    nlp = spacy.blank("nb")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=1000):
        pass
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    spans = segment_texts(texts)
    segmented = time.perf_counter() - started
    sentences = [t[a:b] for t, ss in zip(texts, spans, strict=True) for a, b in ss]
    started = time.perf_counter()
    clf.classify(sentences)
    classified = time.perf_counter() - started

    total = segmented + classified
    print(f"statements: {n}, sentences: {len(sentences)}, model: {clf.version}")
    print(f"baseline blank nb nlp.pipe: {baseline:.2f} s ({n / baseline:,.0f} texts/s)")
    print(f"segment: {segmented:.2f} s ({n / segmented:,.0f} texts/s)")
    print(f"classify: {classified:.2f} s ({len(sentences) / classified:,.0f} sentences/s)")
    print(
        f"segment + classify: {total:.2f} s ({n / total:,.0f} statements/s); ratio to baseline {total / baseline:.1f}x"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
