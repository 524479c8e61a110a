"""``samordne synth``: write a seeded synthetic inbox with ground truth (no Prefect)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from models.records import Municipality


def _registry_municipalities() -> Sequence[Municipality] | None:
    """The registry's municipalities, or None (the generator then reads the shared reference CSV)."""
    try:
        from processing.registry import default_registry
    except ImportError:
        return None
    return list(default_registry().municipalities.values())


def _parse_channels(values: tuple[str, ...]) -> tuple[str, ...]:
    from connectors.synthetic import CHANNELS

    chosen = tuple(dict.fromkeys(c.strip() for v in values for c in v.split(",") if c.strip()))
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown:
        raise click.BadParameter(
            f"unknown channel(s) {', '.join(unknown)}; choose from {', '.join(CHANNELS)}",
            param_hint="--channels",
        )
    return chosen or CHANNELS


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True, help="Same seed, same files, byte for byte.")
@click.option(
    "--statements",
    default=50_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Statements to generate.",
)
@click.option(
    "--channels",
    multiple=True,
    metavar="LIST",
    help="Comma-separated channels: survey, spreadsheet, email (default: all three).",
)
@click.option("--no-variants", is_flag=True, help="Plain formats only (UTF-8 ';' CSV, plain-text mail).")
def synth(out_dir: Path, seed: int, statements: int, channels: tuple[str, ...], no_variants: bool) -> None:
    """Write a synthetic inbox to OUT_DIR/inbox and its ground truth to OUT_DIR/ground_truth.csv.

    Covers all 357 municipalities (when --statements is at least 357) in survey exports,
    KS-template and free-form spreadsheets, .eml files and .mbox mailboxes, in bokmål and nynorsk.
    """
    from connectors.synthetic import generate_inbox

    chosen = _parse_channels(channels)
    try:
        report = generate_inbox(
            out_dir,
            seed=seed,
            municipalities=_registry_municipalities(),
            statements=statements,
            channels=chosen,
            variants=not no_variants,
        )
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())


COMMANDS = [synth]
