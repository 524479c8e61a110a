"""MODEL_CARD.md for a trained model: data, counts, settings, metrics, throughput."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from processing.classify import read_classifier
from processing.training.data import LabelledExample, default_shared_dev, read_labelled_csv, read_seed
from processing.training.evaluate import cross_validate, evaluate
from processing.training.train import TrainReport, fit

HOLDOUT_EVERY = 5  # every 5th seed row (by id order) is held out for the seed metric


def seed_holdout_split(rows: list[LabelledExample]) -> tuple[list[LabelledExample], list[LabelledExample]]:
    train_rows = [r for i, r in enumerate(rows) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    held = [r for i, r in enumerate(rows) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    return train_rows, held


def measure_throughput(model_dir: Path, n: int = 20_000) -> dict[str, float]:
    """Statements/s of segment + classify, and of a bare blank-nb ``nlp.pipe`` on the same texts."""
    import spacy

    from processing.segment import segment_texts

    clf = read_classifier(model_dir)
    subjects = ("Kommunen", "Vi", "Kommunestyret", "Rådmannen")
    objects = (
        "staten må dekke kostnadene",
        "tidsplanen er for stram, jf. kap. 3",
        "fastlegene trenger tilgang",
    )
    texts = [f"{subjects[i % 4]} {i} mener at {objects[i % 3]}. Vi ber om svar." for i in range(n)]
    clf.classify(texts[:100])
    started = time.perf_counter()
    for _ in spacy.blank("nb").pipe(texts, batch_size=1000):
        pass
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    spans = segment_texts(texts)
    clf.classify([t[a:b] for t, ss in zip(texts, spans, strict=True) for a, b in ss])
    total = time.perf_counter() - started
    return {"n": n, "statements_per_s": n / total, "baseline_per_s": n / baseline, "ratio": total / baseline}


def compute_metrics(report: TrainReport) -> dict[str, Any]:
    options = dict(report.options)
    seed_rows = read_seed()
    metrics: dict[str, Any] = {}
    train_rows, held = seed_holdout_split(seed_rows)
    metrics["seed_holdout"] = evaluate(fit(train_rows, seed=report.seed, **options), held)
    metrics["seed_holdout_n"] = len(held)
    dev_path = default_shared_dev()
    if dev_path is not None:
        dev = read_labelled_csv(dev_path)
        metrics["cv_dev"] = cross_validate(dev, seed_rows, seed=report.seed, **options)
        metrics["seed_only_on_dev"] = evaluate(fit(seed_rows, seed=report.seed, **options), dev)
        metrics["dev_n"] = len(dev)
    metrics["throughput"] = measure_throughput(report.output_dir)
    return metrics


def _row(name: str, scores: dict[str, Any]) -> str:
    cells = [
        f"{scores[h]['macro_f1']:.3f} / {scores[h]['accuracy']:.3f}" for h in ("type", "theme", "stance")
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def render_card(report: TrainReport, metrics: dict[str, Any]) -> str:
    meta = report.meta
    counts = report.counts
    lines = [
        f"# Model card: {report.version}",
        "",
        "Statement classifier for samordne: type (need/position/other), theme (10 taxonomy keys) and",
        "stance (support/oppose/conditional/neutral, positions only).",
        "",
        "## Training",
        "",
        f"- Trained on: {meta.get('trained_on')} with spaCy {meta.get('spacy_version')}, seed {report.seed},"
        f" features `{meta.get('features')}`",
        f"- Architecture: {meta.get('architecture')}; options `{report.options}`",
        "- Inputs to the model: lower-cased words, 5-letter prefixes and rule markers (negation, condition,"
        " need, support/oppose cues, question, theme stems) from `processing/rules.py`.",
        f"- Data: {report.sources['seed']} rows of `processing/training/seed.csv` (samordne-seed, written for the"
        f" project), {report.sources['shared_dev']} rows of the shared dev set"
        f" (`{meta.get('shared_path') or 'not used'}`, real quotations, read at training time only),"
        f" {report.sources['extra']} analyst corrections.",
        "- Retrain: `samordne train` (seed + shared dev when present) or `samordne train --no-shared`"
        " (repository only).",
        "",
        "Counts of the training rows:",
        "",
    ]
    for attr in ("type", "stance", "theme", "lang"):
        lines.append(f"- {attr}: " + ", ".join(f"{k} {v}" for k, v in counts.get(attr, {}).items()))
    lines += [
        "",
        "## Metrics (macro-F1 / accuracy)",
        "",
        "| evaluation | type | theme | stance |",
        "|---|---|---|---|",
    ]
    if "cv_dev" in metrics:
        lines.append(_row(f"shared dev, 5-fold CV grouped by page (n={metrics['dev_n']}, seed + 4 folds)",
                          metrics["cv_dev"]))  # fmt: skip
        lines.append(_row("shared dev, model trained on the seed corpus only", metrics["seed_only_on_dev"]))
    lines.append(
        _row(f"seed hold-out (every 5th row, n={metrics['seed_holdout_n']})", metrics["seed_holdout"])
    )
    if "cv_dev" in metrics:
        folds = "; ".join(
            f"{f['type']:.2f}/{f['theme']:.2f}/{f['stance']:.2f}" for f in metrics["cv_dev"]["folds"]
        )
        lines += ["", f"Per-fold macro-F1 (type/theme/stance): {folds}."]
        lines += ["", "Per-label F1 in the cross-validation:", ""]
        for head in ("type", "theme", "stance"):
            per = metrics["cv_dev"][head]["per_label"]
            lines.append(
                f"- {head}: " + ", ".join(f"{k} {v['f1']:.2f} (n={v['support']})" for k, v in per.items())
            )
    lines += [
        "",
        "Stance is scored on rows whose gold type is `position`, with the stance head alone.",
        "",
        "## Throughput",
        "",
        f"- segment + classify, one process, {metrics['throughput']['n']:,} two-sentence statements:"
        f" {metrics['throughput']['statements_per_s']:,.0f} statements/s; bare blank-nb `nlp.pipe` on the same"
        f" texts {metrics['throughput']['baseline_per_s']:,.0f}/s (ratio {metrics['throughput']['ratio']:.1f}x).",
        "- Measured while training, on a shared 2-core machine; `python bench/bench_classify.py` measures 50k.",
        "",
        "## Limits",
        "",
        "- Trained on a few hundred sentences; rare labels (conditional, neutral, journal, personvern, marked)",
        "  are weak. Predictions below the review threshold are marked `needs_review`, not forced.",
        "- Not tuned on the real test split (page-disjoint, not shared).",
        "",
    ]
    return "\n".join(lines)


def write_card(report: TrainReport, metrics: dict[str, Any] | None = None) -> Path:
    metrics = metrics if metrics is not None else compute_metrics(report)
    path = report.output_dir / "MODEL_CARD.md"
    path.write_text(render_card(report, metrics), encoding="utf-8")
    return path
