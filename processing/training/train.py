"""Reproducible training of the statement classifier (one BOW ``textcat`` per head).

Type and stance are trained with spaCy's own minibatch updates; the theme head is fitted as a
full-batch logistic regression over the same hashed buckets and written into its BOW layer
(``logistic_heads``), which gave the better theme model in the cross-validation.

``fit`` trains in memory (used by cross-validation); ``train`` fits on the seed
corpus (+ the shared dev set when present, + analysts' corrections) and writes the
model directory with ``meta.json``. Everything is ordered and seeded: the same data,
seed and spaCy version give the same model and the same predictions.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.vocab import Vocab

from processing.classify import HEADS, Classifier, lean_vocab
from processing.model_meta import DEFAULT_VERSION
from processing.rules import FEATURES_VERSION, features
from processing.training.data import (
    LabelledExample,
    count_by,
    default_shared_dev,
    read_labelled_csv,
    read_seed,
)
from processing.training.evaluate import HEAD_LABELS

AUTO = Path("<auto>")  # sentinel: use ../shared/... when present

DEFAULT_OPTIONS: dict[str, Any] = {
    "ngram_size": 1,
    "length": 2**16,
    "epochs": 10,
    "dropout": 0.2,
    "batch_size": 32,
    "prefixes": True,
    "oversample": True,
    "learn_rate": 0.001,  # Adam, spaCy's default (0.003 and 0.01 measured: no better)
    "l2": 0.01,  # spaCy's default; 0 and 0.1 give the same models
    # Heads fitted as L2-regularised multinomial logistic regression (full batch, to convergence)
    # instead of spaCy's minibatch updates; the weights go into the same BOW layer, so inference,
    # the saved format and the fast path do not change. Theme: +0.04 macro-F1 in the CV (model card).
    "logistic_heads": ("theme",),
    "lr_c": 0.3,  # inverse L2 strength of the logistic heads (0.1 and 1 measured: lower)
    "real_weight": 1,  # repeats of real (non-seed) rows: the shared dev set and analysts' corrections
    # Lemma of each word beside it (simplemma, bokmål then nynorsk; processing.rules.features):
    # theme +0.03 macro-F1 in the CV, type and stance within noise (model card of 2026.11.5).
    # Models without the option in meta.json (2026.11.4 and older) are read without lemmas.
    "lemmas": True,
}
SEED_ORIGIN = "samordne-seed"
LOGISTIC_STEPS = 400  # full-batch Adam steps; 1,000 gave the same CV figures (converged)


@dataclass(frozen=True)
class TrainReport:
    output_dir: Path
    version: str
    seed: int
    n_examples: int
    sources: dict[str, int]
    counts: dict[str, dict[str, int]]
    options: dict[str, Any]
    seconds: float
    shared_path: str | None = None
    extra: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def _label_of(row: LabelledExample, head: str) -> str | None:
    return {"type": row.type, "theme": row.theme, "stance": row.stance}[head]


def _oversampled(rows: list[tuple[list[str], str]], cap: float = 3.0) -> list[tuple[list[str], str]]:
    """Repeat rows of rare labels (up to ``cap`` times) so each label weighs closer to the largest."""
    counts = Counter(label for _, label in rows)
    largest = max(counts.values())
    out: list[tuple[list[str], str]] = []
    for feats, label in rows:
        repeats = max(1, round(min(cap, (largest / counts[label]) ** 0.5)))
        out.extend([(feats, label)] * repeats)
    return out


def _fit_head(
    head: str, rows: list[tuple[list[str], str]], seed: int, options: dict[str, Any], vocab: Vocab
) -> Language:
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    fix_random_seed(seed)
    nlp = spacy.blank("nb", vocab=vocab)
    textcat = nlp.add_pipe(
        "textcat",
        config={
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "ngram_size": options["ngram_size"],
                "no_output_layer": False,
                "length": options["length"],
            }
        },
    )
    labels = HEAD_LABELS[head]
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]
    if options["oversample"] and head not in options["logistic_heads"]:
        rows = _oversampled(rows)
    examples = [
        Example.from_dict(Doc(nlp.vocab, words=feats), {"cats": {lab: float(lab == gold) for lab in labels}})
        for feats, gold in rows
    ]
    if head in options["logistic_heads"]:
        nlp.initialize(get_examples=lambda: examples[:1])  # labels are set; this only allocates the layer
        _fit_logistic(textcat.model.get_ref("output_layer"), rows, labels, options["lr_c"])  # type: ignore[attr-defined]
        return nlp
    optimizer = nlp.initialize(
        get_examples=lambda: examples, sgd=Adam(options["learn_rate"], L2=options["l2"], grad_clip=1.0)
    )
    rng = random.Random(seed)
    for _epoch in range(options["epochs"]):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=options["batch_size"]):
            nlp.update(batch, sgd=optimizer, drop=options["dropout"], losses=losses)
    return nlp


def _bucket_design(
    rows: list[tuple[list[str], str]], length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows x hashed buckets as COO arrays: each feature occurrence counts in its two buckets.

    thinc's ``SparseLinear`` scores a key as ``W[c, h0(key) % length] + W[c, h1(key) % length]``
    (MurmurHash3 of the key's 8 bytes with seeds 0 and 1), so a linear model over these
    buckets is exactly what the BOW layer computes.
    """
    from murmurhash.mrmr import hash_bytes
    from spacy.strings import get_string_id

    buckets: dict[str, tuple[int, int]] = {}
    r_idx: list[int] = []
    c_idx: list[int] = []
    for i, (feats, _) in enumerate(rows):
        for f in feats:
            if f not in buckets:
                key = get_string_id(f).to_bytes(8, "little")
                buckets[f] = (
                    (hash_bytes(key, 0) & 0xFFFFFFFF) % length,
                    (hash_bytes(key, 1) & 0xFFFFFFFF) % length,
                )
            r_idx.extend((i, i))
            c_idx.extend(buckets[f])
    return np.asarray(r_idx, dtype=np.intp), np.asarray(c_idx, dtype=np.intp), np.ones(len(r_idx))


def _fit_logistic(
    layer: Any,
    rows: list[tuple[list[str], str]],
    labels: Sequence[str],
    c: float,
    steps: int = LOGISTIC_STEPS,
) -> None:
    """Multinomial logistic regression with L2 (1 / ``c``), full-batch Adam; sets ``layer``'s W and b."""
    length = layer.get_dim("length")
    n_out = layer.get_dim("nO")
    r_idx, c_idx, vals = _bucket_design(rows, length)
    used, cols = np.unique(c_idx, return_inverse=True)
    y = np.asarray([list(labels).index(gold) for _, gold in rows])
    onehot = np.eye(n_out)[y]
    params = np.zeros((len(used) + 1, n_out))  # last row: bias
    m, v = np.zeros_like(params), np.zeros_like(params)
    lam = 1.0 / c
    for step in range(1, steps + 1):
        weights, bias = params[:-1], params[-1]
        z = np.zeros((len(rows), n_out))
        np.add.at(z, r_idx, weights[cols] * vals[:, None])
        z += bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p - onehot
        grad = np.zeros_like(params)
        np.add.at(grad[:-1], cols, g[r_idx] * vals[:, None])
        grad[:-1] += lam * weights
        grad[-1] = g.sum(axis=0)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        params -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    full = np.zeros((n_out, length), dtype=np.float32)
    full[:, used] = params[:-1].T
    layer.set_param("W", full.ravel())
    layer.set_param("b", params[-1].astype(np.float32))


def fit(
    rows: Sequence[LabelledExample], seed: int = 1, version: str = "in-memory", **options: Any
) -> Classifier:
    """Train the three heads in memory; stance learns from positions only."""
    opts = {**DEFAULT_OPTIONS, **options}
    unknown = set(opts) - set(DEFAULT_OPTIONS)
    if unknown:
        raise TypeError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    # a fixed order independent of how the caller assembled the rows
    ordered = sorted(rows, key=lambda r: (r.text, r.type, r.theme, r.stance or ""))
    if opts["real_weight"] > 1:
        ordered = [
            r for r in ordered for _ in range(1 if r.origin.startswith(SEED_ORIGIN) else opts["real_weight"])
        ]
    feats = [features(r.text, prefixes=opts["prefixes"], lemmas=opts["lemmas"]) for r in ordered]
    pipelines: dict[str, Language] = {}
    vocab = lean_vocab(Vocab(strings=[]))
    for head in HEADS:
        head_rows = [(f, lab) for f, r in zip(feats, ordered, strict=True) if (lab := _label_of(r, head))]
        pipelines[head] = _fit_head(head, head_rows, seed, opts, vocab)
    meta = {"version": version, "features": FEATURES_VERSION, "seed": seed, "options": opts}
    return Classifier(pipelines=pipelines, meta=meta)


def train(
    output_dir: Path,
    seed: int = 1,
    include_shared: Path | None = AUTO,
    extra: Sequence[LabelledExample] = (),
    version: str = DEFAULT_VERSION,
    **options: Any,
) -> TrainReport:
    """Fit on seed (+ shared dev + ``extra``) and write the model to ``output_dir``."""
    import spacy

    started = time.perf_counter()
    shared_path = default_shared_dev() if include_shared == AUTO else include_shared
    seed_rows = read_seed()
    shared_rows = read_labelled_csv(shared_path) if shared_path is not None else []
    rows = [*seed_rows, *shared_rows, *extra]
    clf = fit(rows, seed=seed, version=version, **options)
    output_dir.mkdir(parents=True, exist_ok=True)
    # The models read hashes only; the string table is kept for spaCy but sorted, so the saved
    # vocabulary is a word list that cannot give back the order of any training sentence.
    for vocab in {id(nlp.vocab): nlp.vocab for nlp in clf.pipelines.values()}.values():
        vocab.strings._reset_and_load(sorted(vocab.strings))
    for head, nlp in clf.pipelines.items():
        nlp.to_disk(output_dir / head)
    counts = {attr: count_by(rows, attr) for attr in ("type", "theme", "stance", "lang")}
    sources = {"seed": len(seed_rows), "shared_dev": len(shared_rows), "extra": len(extra)}
    meta = {
        **clf.meta,
        "trained_on": date.today().isoformat(),
        "spacy_version": spacy.__version__,
        "architecture": "one blank-nb pipeline per head, textcat (exclusive) spacy.TextCatBOW.v3"
        + (
            f"; weights of {', '.join(opts)} fitted by logistic regression"
            if (opts := clf.meta["options"]["logistic_heads"])
            else ""
        ),
        **({"lemmatizer": f"simplemma {_simplemma_version()}"} if clf.meta["options"]["lemmas"] else {}),
        "sources": sources,
        "shared_path": shared_path.name if shared_path else None,
        "counts": counts,
    }
    clf.meta = meta
    (output_dir / "meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return TrainReport(
        output_dir=output_dir,
        version=version,
        seed=seed,
        n_examples=len(rows),
        sources=sources,
        counts=counts,
        options=dict(meta["options"]),
        seconds=round(time.perf_counter() - started, 2),
        shared_path=str(shared_path) if shared_path else None,
        extra=len(extra),
        meta=meta,
    )


def _simplemma_version() -> str:
    from importlib.metadata import version

    return version("simplemma")  # its dictionaries decide the lemma tokens: recorded with the model


def report_dict(report: TrainReport) -> dict[str, Any]:
    out = asdict(report)
    out["output_dir"] = str(report.output_dir)
    return out
