"""Analysts' corrections as training data, and a retrained model that learns from them."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.db import IngestedSubmission, Store
from connectors.review import Correction, apply_corrections, corrections, statement_fingerprint
from models.records import (
    Channel,
    Locator,
    MatchStatus,
    Passage,
    Resolution,
    SourceOutcome,
    SourceStatus,
    Statement,
    Submission,
)
from processing.classify import load_classifier
from processing.corrections import CORRECTION_ORIGIN, training_examples
from processing.training.data import LabelledExample, read_labelled_csv
from processing.training.train import train

THEME = "styring"  # the theme with most held-back rows in the shared dev set


@dataclass(frozen=True)
class Fixed:
    statement_id: int
    text: str
    type: str
    theme: str
    stance: str | None


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            [Fixed(2, " Vi trenger mer penger. ", "need", "finansiering", "support")],
            [LabelledExample("Vi trenger mer penger.", "need", "finansiering", None, "statement-2", "", CORRECTION_ORIGIN)],
        ),
        (
            [Fixed(1, "Vi støtter Akson.", "position", "styring", "support")],
            [LabelledExample("Vi støtter Akson.", "position", "styring", "support", "statement-1", "", CORRECTION_ORIGIN)],
        ),
        ([Fixed(1, "Vi støtter Akson.", "position", "styring", None)], []),  # cannot teach the stance head
        ([Fixed(1, "   ", "other", "annet", None)], []),
        (
            [Fixed(5, "Samme tekst.", "other", "annet", None), Fixed(3, "Samme tekst.", "need", "styring", None)],
            [LabelledExample("Samme tekst.", "need", "styring", None, "statement-3", "", CORRECTION_ORIGIN)],
        ),
    ],
)  # fmt: skip
def test_training_examples(items: list[Fixed], expected: list[LabelledExample]) -> None:
    """Effective labels become examples; stance only for positions; blanks and repeated texts are dropped."""
    assert training_examples(items) == expected


def _store_with_predictions(store: Store, rows: list[LabelledExample], model_dir: Path) -> list[int]:
    """Store ``rows`` as one submission labelled by the model in ``model_dir``; returns statement ids."""
    labels = load_classifier(model_dir).classify([r.text for r in rows])
    passages = tuple(Passage(r.text, Locator("innspill.csv", line=i + 2)) for i, r in enumerate(rows))
    submission = Submission("Bergen kommune", Channel.SURVEY, Locator("innspill.csv"), passages)
    offsets = submission.passage_offsets()
    statements = [
        Statement("k", i, offsets[i], offsets[i] + len(r.text), r.text, passages[i].locator, labels[i])
        for i, r in enumerate(rows)
    ]
    resolution = Resolution(MatchStatus.NOT_FOUND, "Bergen kommune")
    run_id = store.start_run({}, {})
    outcome = SourceOutcome(
        "innspill.csv", "csv", hashlib.sha256(b"x").hexdigest(), 1, datetime(2024, 5, 2, tzinfo=UTC),
        SourceStatus.INGESTED,
    )  # fmt: skip
    store.record_source(run_id, outcome, submissions=[IngestedSubmission(submission, resolution, statements)])
    return [r.statement_id for r in store.statement_rows()]


def _theme_accuracy(model_dir: Path, held: list[LabelledExample]) -> float:
    predicted = load_classifier(model_dir).classify([r.text for r in held])
    return sum(p.theme == THEME for p in predicted) / len(held)


@pytest.mark.slow
def test_retraining_with_imported_corrections_improves_that_theme(
    shared_dir: Path, sqlite_url: str, tmp_path: Path
) -> None:
    """After corrections for one theme are imported and the model retrained, held-back rows of it score better."""
    dev = read_labelled_csv(shared_dir / "reference" / "real_statements_dev.csv")
    rows = sorted((r for r in dev if r.theme == THEME), key=lambda r: r.text)
    random.Random(1).shuffle(rows)
    corrected_rows, held = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    baseline = train(tmp_path / "before", seed=1, include_shared=None).output_dir

    with Store.open(sqlite_url) as store:
        ids = _store_with_predictions(store, corrected_rows, baseline)
        stored = {r.statement_id: r for r in store.statement_rows()}
        batch = [
            Correction(sid, statement_fingerprint(stored[sid].text, stored[sid].start, stored[sid].end),
                       f"rad {i + 2}", type=r.type, theme=r.theme, stance=r.stance)
            for i, (sid, r) in enumerate(zip(ids, corrected_rows, strict=True))
        ]  # fmt: skip
        report = apply_corrections(store, batch, "Kari", "a" * 64)
        extra = training_examples(corrections(store))
    assert report.changes > 0
    assert 0 < len(extra) <= len(corrected_rows)  # only rows the model got wrong were corrected
    assert {e.theme for e in extra} == {THEME}

    retrained = train(tmp_path / "after", seed=1, include_shared=None, extra=extra)
    assert retrained.sources == {"seed": retrained.sources["seed"], "shared_dev": 0, "extra": len(extra)}
    before, after = _theme_accuracy(baseline, held), _theme_accuracy(retrained.output_dir, held)
    # at least 4 of the 33 held-back rows gained (features-4 with lemmas: 0.485 -> 0.606; features-3 without
    # lemmas: 0.424 -> 0.606, the seed-only model already gets more of them right with lemmas)
    assert after >= before + 0.1, (before, after)
