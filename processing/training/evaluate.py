"""Scores of a classifier on labelled rows, and page-grouped cross-validation.

Stance is scored on the rows whose *gold* type is ``position`` using the stance head
alone, so a type error does not count twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from processing.classify import Classifier, _best
from processing.training.data import LabelledExample

HEAD_LABELS: dict[str, tuple[str, ...]] = {
    "type": ("need", "position", "other"),
    "theme": (
        "finansiering", "styring", "samhandling", "journal", "teknologi",
        "personvern", "innforing", "fremdrift", "marked", "annet",
    ),
    "stance": ("support", "oppose", "conditional", "neutral"),
}  # fmt: skip


def score(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy, per-label P/R/F1/support and confusion for one head."""
    labels = sorted(set(gold) | set(pred))
    confusion: dict[str, dict[str, int]] = {g: {} for g in sorted(set(gold))}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] = confusion[g].get(p, 0) + 1
    per_label: dict[str, dict[str, float | int]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        n_pred = sum(1 for p in pred if p == label)
        support = sum(1 for g in gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    macro = sum(float(v["f1"]) for v in per_label.values()) / len(per_label) if per_label else 0.0
    accuracy = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return {
        "macro_f1": round(macro, 4),
        "accuracy": round(accuracy, 4),
        "per_label": per_label,
        "confusion": confusion,
    }


def predict_heads(clf: Classifier, texts: Sequence[str]) -> list[dict[str, str]]:
    """Arg-max label of every head for each text (no hints, no threshold)."""
    return [{head: _best(cats)[0] for head, cats in scored.items()} for scored in clf.scores(texts)]


def score_predictions(rows: Sequence[LabelledExample], preds: Sequence[dict[str, str]]) -> dict[str, Any]:
    positions = [i for i, r in enumerate(rows) if r.type == "position"]
    return {
        "type": score([r.type for r in rows], [p["type"] for p in preds]),
        "theme": score([r.theme for r in rows], [p["theme"] for p in preds]),
        "stance": score([rows[i].stance or "" for i in positions], [preds[i]["stance"] for i in positions]),
    }


def evaluate(clf: Classifier, rows: Sequence[LabelledExample | Mapping[str, Any]]) -> dict[str, Any]:
    """Scores per head (``type``, ``theme``, ``stance``) of ``clf`` on ``rows``.

    Rows are ``LabelledExample`` records or mappings with ``text``, ``type``, ``theme``
    and ``stance`` (empty or None unless a position).
    """
    examples = [
        row
        if isinstance(row, LabelledExample)
        else LabelledExample(
            text=str(row["text"]),
            type=str(row["type"]),
            theme=str(row["theme"]),
            stance=(str(row["stance"]) if row.get("stance") else None) if row["type"] == "position" else None,
        )
        for row in rows
    ]
    return score_predictions(examples, predict_heads(clf, [r.text for r in examples]))


def group_folds(rows: Sequence[LabelledExample], k: int = 5) -> list[list[int]]:
    """Row indices per fold; every group (source page) lands in one fold, folds balanced by size."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.group or f"row-{i}"].append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for _name, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        smallest = min(range(k), key=lambda f: (len(folds[f]), f))
        folds[smallest].extend(members)
    return [sorted(f) for f in folds]


def cross_validate(
    rows: Sequence[LabelledExample],
    base: Sequence[LabelledExample] = (),
    k: int = 5,
    seed: int = 1,
    **options: Any,
) -> dict[str, Any]:
    """k-fold CV grouped by ``group``: each fold trains on ``base`` + the other folds.

    Returns the pooled scores (as :func:`evaluate`) plus ``folds`` with per-fold macro-F1.
    """
    from processing.training.train import fit

    preds: list[dict[str, str]] = [{} for _ in rows]
    fold_scores: list[dict[str, float]] = []
    for fold in group_folds(rows, k):
        held = set(fold)
        train_rows = [*base, *(r for i, r in enumerate(rows) if i not in held)]
        clf = fit(train_rows, seed=seed, **options)
        fold_rows = [rows[i] for i in fold]
        fold_preds = predict_heads(clf, [r.text for r in fold_rows])
        for i, pred in zip(fold, fold_preds, strict=True):
            preds[i] = pred
        scored = score_predictions(fold_rows, fold_preds)
        fold_scores.append({head: scored[head]["macro_f1"] for head in ("type", "theme", "stance")})
    result = score_predictions(rows, preds)
    result["folds"] = fold_scores
    return result
