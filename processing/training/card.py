"""MODEL_CARD.md for a trained model: data, counts, settings, metrics, throughput."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from processing.classify import read_classifier
from processing.training.data import LabelledExample, default_shared_dev, read_labelled_csv, read_seed
from processing.training.evaluate import cross_validate, evaluate
from processing.training.train import TrainReport, fit

# What was tried, each row one 5-fold page-grouped CV on the shared dev set (seed + the other folds,
# seed 1 unless the row says otherwise): macro-F1 type / theme / stance. Chosen on these same folds.
EXPERIMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("2026.11.1: 423 seed rows, features-3, BOW, 10 epochs", "0.630", "0.549", "0.582", "baseline"),
    ("+ 138 seed rows in the reported-speech/news genre (seed-0424..0561)", "0.671", "0.538", "0.598", "kept"),
    ("  + shared dev rows weighted x2 (real_weight 2)", "0.671", "0.543", "0.578", "no"),
    ("  + no oversampling of rare labels", "0.671", "0.536", "0.598", "no (same)"),
    ("  + guideline cues (reject/withdraw, reservations, deficits, 'mener + må', report words)", "0.663", "0.538",
     "0.592", "no"),
    ("  + the same cues without the report words", "0.656", "0.535", "0.592", "no"),
    ("  + BOW bigrams (ngram_size 2)", "0.612", "0.519", "0.590", "no"),
    ("  + 20 epochs instead of 10", "0.677", "0.527", "0.588", "no (mixed)"),
    ("  + dropout 0.1 (BOW has no dropout layer: no effect)", "0.671", "0.538", "0.598", "no (same)"),
    ("  + 58 more seed rows aimed at position/other (removed; their ids seed-0562..0619 were reused in 2026.11.4)", "0.648", "0.541", "0.553", "no, removed"),
    ("2026.11.2 as shipped (561 seed rows), measured again for 2026.11.3", "0.671", "0.538", "0.598", "baseline"),
    ("  same, training seeds 2 / 3 / 4 (noise of the training order alone)", "0.670 / 0.673 / 0.664",
     "0.532 / 0.535 / 0.528", "0.598 / 0.596 / 0.585", "noise"),
    ("  + Adam learning rate 0.003 / 0.01 (default 0.001)", "0.680 / 0.673", "0.532 / 0.539", "0.569 / 0.528", "no"),
    ("  + L2 0 / 0.1 (default 0.01)", "0.671 / 0.671", "0.538 / 0.540", "0.598 / 0.598", "no (same)"),
    ("  + batch size 8; 5 epochs; 30 epochs at learning rate 0.0003", "0.674; 0.649; 0.666", "0.543; 0.460; 0.549",
     "0.607; 0.412; 0.598", "no"),
    ("  + suffixes of long words: last 4 / last 5 / both", "0.667 / 0.654 / 0.651", "0.535 / 0.539 / 0.510",
     "0.580 / 0.608 / 0.586", "no"),
    ("  + theme stems found inside compounds: as theme markers / as part tokens", "0.666 / 0.659", "0.548 / 0.550",
     "0.598 / 0.598", "no (noise)"),
    ("  + character 5-grams of words longer than 8 letters", "0.603", "0.515", "0.563", "no"),
    ("  - 5-letter prefixes", "0.670", "0.501", "0.506", "no"),
    ("  per-head features: theme without cue markers; type+stance without theme markers", "0.671; 0.663",
     "0.531; 0.538", "0.598; 0.598", "no"),
    ("  per-head features: stance / type without prefixes", "0.671 / 0.661", "0.538", "0.506 / 0.598", "no"),
    ("  + negation scope (the 3 words after ikke/ikkje/aldri/ingen... as negated tokens)", "0.671", "0.544", "0.598",
     "no (noise)"),
    ("  + modal verb markers (må/bør/skal/vil/kan)", "0.675", "0.545", "0.587", "no (noise)"),
    ("  + reported-speech marker (sier, skriver, uttaler, ifølge, påpeker ...)", "0.663", "0.545", "0.598", "no"),
    ("  + the first word as its own token", "0.647", "0.534", "0.590", "no"),
    ("  theme head fitted as logistic regression (full batch, L2, C 0.3, no oversampling)", "0.671", "0.578",
     "0.598", "kept (2026.11.3)"),
    ("    same with C 0.1", "0.671", "0.561", "0.598", "no"),
    ("    type and theme heads logistic, C 0.3 / C 1 (no oversampling in any head)", "0.666 / 0.672", "0.578 / 0.555", "0.598", "no (type)"),
    ("    theme and stance heads logistic, C 0.3", "0.671", "0.578", "0.543", "no (stance)"),
    ("    + theme stems inside compounds: as theme markers / as part tokens", "0.666 / 0.659", "0.576 / 0.564",
     "0.598 / 0.598", "no"),
    ("2026.11.3 as shipped (561 seed rows), measured again for 2026.11.4", "0.671", "0.578", "0.598", "baseline"),
    ("  13 seed rows that paraphrased dev sentences (mostly guideline examples) rewritten, same labels", "0.642",
     "0.554", "0.427", "kept: rule (figures above leaned on them)"),
    ("  audit: 13 label fixes ('no stance taken' neutral -> other; deficit -> need; theme), on the original rows",
     "0.641", "0.576", "0.566", "-"),
    ("  audit fixes + rewrites (new baseline, 561 rows)", "0.625", "0.556", "0.442", "kept (guideline)"),
    ("  + batch 1: 66 rows, programme/press genre (seed-0562..0627)", "0.668", "0.542", "0.448", "kept"),
    ("    + batch 2: 57 rows, news/council genre", "0.667", "0.556", "0.428", "no"),
    ("    + batch 3: 56 rows, consultation answers (seed-0628..0683)", "0.688", "0.551", "0.446", "kept"),
    ("      + batch 2 again on top of batch 3", "0.671", "0.553", "0.431", "no"),
    ("      + batch 4: 38 rows, organisation statements, half nynorsk (seed-0684..0721)", "0.685", "0.553",
     "0.514", "kept (2026.11.4)"),
    ("2026.11.4 as shipped (721 seed rows), measured again for 2026.11.5", "0.685", "0.553", "0.514", "baseline"),
    ("  same, training seeds 2 / 3 (theme is fitted full-batch: no seed effect)", "0.676 / 0.689", "0.553 / 0.553",
     "0.514 / 0.451", "noise"),
    ("  + lemma tokens beside the words, marked ('kommune=', simplemma nb then nn, only when not the word)",
     "0.700", "0.562", "0.496", "no (mixed)"),
    ("  + lemmas replacing the words (prefixes and markers from the words)", "0.658", "0.572", "0.533", "no (type)"),
    ("  + lemmas (marked) replacing the 5-letter prefixes", "0.702", "0.565", "0.437", "no (stance)"),
    ("  + marked lemmas, bokmål lemma else nynorsk (nb dictionary alone first)", "0.707", "0.562", "0.422",
     "no (stance)"),
    ("  + marked lemmas and the lemma of a compound's head (longest known suffix of 4+ letters)", "0.684",
     "0.563", "0.512", "no (noise)"),
    ("  + lemma tokens beside the words, plain ('kommunane' adds 'kommune': meets the word itself)", "0.688",
     "0.583", "0.529", "kept (2026.11.5)"),
    ("    same, training seeds 2 / 3", "0.690 / 0.681", "0.583 / 0.583", "0.452 / 0.456",
     "stance accuracy 0.703 / 0.703 (baseline 0.683)"),
    ("2026.11.5 as shipped, measured again (issue #4, second round)", "0.688", "0.583", "0.529",
     "baseline (stance accuracy 0.713)"),
    ("  type, theme and stance heads logistic, C 0.3 (with lemmas)", "0.689", "0.583", "0.502",
     "no (type same, stance accuracy 0.683)"),
    ("    same, class-balanced weights (n / (n_labels x n_label)), C 0.3 / C 1", "0.682 / 0.680", "0.576 / 0.579",
     "0.479 / 0.479", "no"),
    ("  type head logistic C 1; theme C 0.5", "0.680", "0.580", "0.529", "no"),
    ("  theme markers also from the lemmas (3 of 993 training rows gain one)", "0.692", "0.580", "0.529",
     "no (noise)"),
    ("  type and stance: 3 models per head (training seeds s, s+1000, s+2000), weights averaged into one layer;"
     " seeds 1 / 2 / 3", "0.688 / 0.691 / 0.684", "0.583", "0.529 / 0.525 / 0.529",
     "no: equals seed 1 (stance accuracy 0.713 in every seed; single models 0.452-0.529)"),
    ("    + oversampling by (largest / n) instead of its square root (conditional x2)", "0.688", "0.583", "0.519",
     "no"),
    ("    + 20 epochs", "0.684", "0.583", "0.531", "no (same)"),
    ("  label-prior correction (logits - beta x log prior; beta from -0.5..1 by an inner page-grouped CV on the"
     " training folds' real rows): all heads, seed 1; stance only, seed 2", "0.692", "0.580",
     "0.457; 0.400", "no (conditional 0 of 5)"),
)  # fmt: skip
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
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in spacy.blank("nb").pipe(texts, batch_size=1000):
        pass
    baseline, baseline_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    spans = segment_texts(texts)
    clf.classify([t[a:b] for t, ss in zip(texts, spans, strict=True) for a, b in ss])
    total, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "n": n,
        "statements_per_s": n / total,
        "baseline_per_s": n / baseline,
        "ratio": total / baseline,
        "cpu_statements_per_s": n / total_cpu,
        "cpu_baseline_per_s": n / baseline_cpu,
        "cpu_ratio": total_cpu / baseline_cpu,
    }


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
        "- Inputs to the model: lower-cased words,"
        + (
            " their lemmas (simplemma, bokmål then nynorsk dictionary),"
            if report.options.get("lemmas")
            else ""
        )
        + " 5-letter prefixes and rule markers (negation, condition,"
        " need, support/oppose cues, question, theme stems) from `processing/rules.py`.",
        f"- Data: {report.sources['seed']} rows of `processing/training/seed.csv` (samordne-seed, all written for"
        " the project from the labelling guideline, never copied or paraphrased from the dev set; column"
        " `origin` tells the genre: direct municipal input, reported speech/news (2026.11.2), programme/press,"
        " consultation answers and organisation statements (2026.11.4)),"
        f" {report.sources['shared_dev']} rows of the shared dev set"
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
        "## What was tried (macro-F1 in the shared-dev cross-validation)",
        "",
        "Every row is one 5-fold cross-validation on the shared dev set grouped by source page (each fold's",
        "model trains on the seed corpus + the other four folds; seed 1). Seed additions and options were",
        "chosen on these same folds, so the figures above are optimistic by that choice; the page-disjoint",
        "test split was never seen. Differences of about 0.01-0.02 are within fold noise (training seeds",
        "alone move the figures by up to 0.01); per-fold scores swing far more (stance 0.3-0.8), because",
        "conditional (n=5) and neutral (n=7) weigh as much as support in the macro average.",
        "The one change kept for 2026.11.3 (theme by logistic regression, C picked from 0.1/0.3/1 on these",
        "folds) gains 0.04 theme macro-F1 pooled, but is not better in every fold; expect less on new pages.",
        "For 2026.11.4, 13 seed rows that paraphrased dev sentences were rewritten (the dev set must not be",
        "copied or paraphrased); the 2026.11.3 figures leaned on them (stance 0.598 -> 0.427, the conditional",
        "and neutral rows held out in the CV had their paraphrase in the seed). Against that honest baseline,",
        "the seed audit and 160 new rows in three genres give type +0.04 and stance +0.09, theme unchanged;",
        "the stance gain rests on one more conditional row predicted right (n=5).",
        "For 2026.11.5, each word's lemma is added beside it as a plain token (simplemma 2, bokmål then",
        "nynorsk dictionary), so inflected and nynorsk forms meet their base form: theme +0.03 macro-F1",
        "(the theme head has no seed noise; better in 4 of 5 folds), type unchanged; stance macro-F1 moves",
        "with one conditional row across training seeds, but stance accuracy is up in every seed (0.683 ->",
        "0.703-0.713, support and oppose F1 up). Marked lemma tokens and the other variants did not hold up.",
        "Trained on the seed corpus only, all three heads gain on the dev set (0.661/0.525/0.477 ->",
        "0.670/0.551/0.489); on the seed hold-out type and theme lose (0.851/0.844 -> 0.812/0.821) and",
        "stance gains (0.749 -> 0.785): the written seed rows need the bridge less than real text does.",
        "A second round on 2026.11.5 (logistic type and stance heads, class-balanced weights, C per head,",
        "theme markers from lemmas, seed ensembles, stronger oversampling, a label-prior correction chosen",
        "inside the training folds) found nothing better beyond noise; 2026.11.5 was kept. Averaging the",
        "weights of three training seeds removes the stance seed noise (0.525-0.529 in seeds 1-3 against",
        "0.452-0.529 for single models) but scores as the shipped seed-1 model does. Conditional (1 of 5",
        "right) and neutral (2 of 7) are what hold stance macro-F1 down; no setting moved them.",
        "",
        "| change | type | theme | stance | kept |",
        "|---|---|---|---|---|",
        *(f"| {name} | {t} | {th} | {st} | {kept} |" for name, t, th, st, kept in EXPERIMENTS),
        "",
        "## Throughput",
        "",
        f"- segment + classify, one process, {metrics['throughput']['n']:,} two-sentence statements:"
        f" {metrics['throughput']['statements_per_s']:,.0f} statements/s; bare blank-nb `nlp.pipe` on the same"
        f" texts {metrics['throughput']['baseline_per_s']:,.0f}/s (ratio {metrics['throughput']['ratio']:.1f}x)"
        " by wall clock; by CPU time (one core, steadier on a shared machine)"
        f" {metrics['throughput']['cpu_statements_per_s']:,.0f} statements/s against"
        f" {metrics['throughput']['cpu_baseline_per_s']:,.0f}/s (ratio {metrics['throughput']['cpu_ratio']:.1f}x).",
        "- Inference reads the three BOW layers as one cached linear map (`processing/classify.py`,"
        " equal to spaCy's own scores to 1e-6, tested); segmentation skips the tokeniser for blocks"
        " without an inner sentence terminal.",
        "- Measured while training, on a shared 2-core machine; `python -m bench.bench_classify` measures 50k.",
        "",
        "## Limits",
        "",
        "- The issue's targets (macro-F1 type 0.80, theme 0.70, stance 0.70 on the shared dev set) are NOT met;",
        "  treat labels as a first sort for analysts, and use the review threshold.",
        "- Trained on a few hundred sentences; rare labels (conditional, neutral, journal, personvern, marked)",
        "  are weak. Predictions below the review threshold are marked `needs_review`, not forced.",
        "- Not tuned on the real test split (page-disjoint, not shared).",
        "",
    ]
    return "\n".join(lines)


def metrics_summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """Macro-F1 per head of each evaluation, and the throughput: what ``meta.json`` records."""
    out: dict[str, Any] = {
        name: {head: metrics[name][head]["macro_f1"] for head in ("type", "theme", "stance")}
        for name in ("cv_dev", "seed_only_on_dev", "seed_holdout")
        if name in metrics
    }
    out["throughput"] = {k: round(v, 1) for k, v in metrics["throughput"].items()}
    return out


def write_card(report: TrainReport, metrics: dict[str, Any] | None = None) -> Path:
    """Write MODEL_CARD.md and add the metrics summary to the model's ``meta.json``."""
    metrics = metrics if metrics is not None else compute_metrics(report)
    path = report.output_dir / "MODEL_CARD.md"
    path.write_text(render_card(report, metrics), encoding="utf-8")
    meta_path = report.output_dir / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["metrics"] = metrics_summary(metrics)
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
