"""``samordne train | evaluate | classify``: the statement classifier from the command line.

None of these import Prefect; spaCy is imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Model directory to write (default: the shipped model directory).",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Random seed (training is reproducible)."
)
@click.option("--no-shared", is_flag=True, help="Train on the repository's seed corpus only.")
@click.option(
    "--with-corrections",
    is_flag=True,
    help="Add analysts' label corrections from the database as training examples.",
)
@click.option(
    "--database-url",
    default=None,
    help="Database with the corrections (default: SAMORDNE_DATABASE_URL or .samordne/samordne.db).",
)
@click.option(
    "--epochs", type=click.IntRange(min=1), default=None, help="Training epochs (default: the model's own)."
)
@click.option(
    "--card/--no-card",
    default=True,
    show_default=True,
    help="Write MODEL_CARD.md with cross-validated metrics and throughput (takes a few minutes).",
)
def train(
    out: Path | None,
    seed: int,
    no_shared: bool,
    with_corrections: bool,
    database_url: str | None,
    epochs: int | None,
    card: bool,
) -> None:
    """Train the type/theme/stance classifier and write it with its model card."""
    from processing.classify import DEFAULT_MODEL
    from processing.training.card import write_card
    from processing.training.train import AUTO, report_dict
    from processing.training.train import train as run_train

    extra = _corrections(database_url) if with_corrections else []
    if with_corrections:
        click.echo(f"corrections used: {len(extra)}", err=True)
    options: dict[str, Any] = {} if epochs is None else {"epochs": epochs}
    target = out or DEFAULT_MODEL
    report = run_train(target, seed=seed, include_shared=None if no_shared else AUTO, extra=extra, **options)
    if card:
        write_card(report)
    click.echo(json.dumps(report_dict(report), indent=2, ensure_ascii=False))


def _corrections(database_url: str | None) -> list[Any]:
    """Analysts' corrections in the store as labelled training examples."""
    from connectors.db import Store
    from connectors.review import corrections
    from flows.settings import Settings
    from processing.corrections import training_examples

    url = database_url or Settings.from_env().database_url
    with Store.open(url) as store:
        return list(training_examples(corrections(store)))


def _table(name: str, scores: dict[str, Any]) -> str:
    lines = [f"{name}: macro-F1 {scores['macro_f1']:.3f}  accuracy {scores['accuracy']:.3f}",
             f"  {'label':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]  # fmt: skip
    for label, row in scores["per_label"].items():
        lines.append(
            f"  {label:<14}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>10}"
        )
    return "\n".join(lines)


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Model directory (default: the shipped model).",
)
@click.option(
    "--cross-validate",
    "cv",
    is_flag=True,
    help="5-fold cross-validation grouped by source page on the shared dev set (trains 5 models).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed for --cross-validate.")
def evaluate(path: Path | None, fmt: str, model: Path | None, cv: bool, seed: int) -> None:  # fmt: skip
    """Score the classifier on PATH.csv (columns text,type,stance,theme)."""
    from processing.training.data import DataError, default_shared_dev, read_labelled_csv, read_seed
    from processing.training.evaluate import cross_validate
    from processing.training.evaluate import evaluate as run_evaluate

    try:
        if cv:
            dev = path or default_shared_dev()
            if dev is None:
                _fail(
                    "no dev set: pass PATH.csv or place shared/reference/real_statements_dev.csv beside the repo"
                )
                return
            result = cross_validate(read_labelled_csv(dev), read_seed(), seed=seed)
        else:
            if path is None:
                _fail("PATH.csv is required unless --cross-validate is given")
                return
            from processing.classify import load_classifier

            result = run_evaluate(load_classifier(model), read_labelled_csv(path))
    except DataError as exc:
        _fail(str(exc))
        return
    if fmt == "json":
        click.echo(json.dumps({k: result[k] for k in ("type", "theme", "stance")}, ensure_ascii=False))
        return
    for head in ("type", "theme", "stance"):
        click.echo(_table(head, result[head]))
    if "folds" in result:
        click.echo("folds (macro-F1 type/theme/stance): " + "; ".join(
            f"{f['type']:.2f}/{f['theme']:.2f}/{f['stance']:.2f}" for f in result["folds"]))  # fmt: skip


@click.command()
@click.argument("text")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--model", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--threshold", type=float, default=0.6, show_default=True, help="Review threshold.")
def classify(text: str, fmt: str, model: Path | None, threshold: float) -> None:
    """Classify one statement and print its labels and confidences."""
    from processing.classify import load_classifier
    from processing.taxonomy import load_taxonomy

    labels = load_classifier(model).classify([text], threshold=threshold)[0]
    data = {
        "type": labels.type.value,
        "type_confidence": labels.type_confidence,
        "theme": labels.theme,
        "theme_confidence": labels.theme_confidence,
        "stance": labels.stance.value if labels.stance else None,
        "stance_confidence": labels.stance_confidence,
        "needs_review": labels.needs_review,
        "review_reasons": list(labels.review_reasons),
        "model_version": labels.model_version,
    }
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    taxonomy = load_taxonomy()
    click.echo(
        f"type:   {data['type']} ({taxonomy.type_label(labels.type.value)}) {labels.type_confidence:.2f}"
    )
    click.echo(f"theme:  {data['theme']} ({taxonomy.label(labels.theme)}) {labels.theme_confidence:.2f}")
    if labels.stance is not None:
        click.echo(
            f"stance: {data['stance']} ({taxonomy.stance_label(labels.stance.value)}) {labels.stance_confidence:.2f}"
        )
    if labels.needs_review:
        click.echo(f"needs review: {', '.join(labels.review_reasons)}")
    click.echo(f"model:  {labels.model_version}")


COMMANDS = [train, evaluate, classify]
