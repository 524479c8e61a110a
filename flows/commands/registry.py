"""The ``resolve`` command: look a respondent up in the municipality registry.

Plain Python, no Prefect and no spaCy on this path, so it answers in well under a second.
"""

from __future__ import annotations

import json

import click

from models.records import MatchStatus, Resolution
from processing.registry import DEFAULT_THRESHOLD, Registry, default_registry

_OK = frozenset({MatchStatus.MATCHED, MatchStatus.NON_MUNICIPAL})


def render_resolution(result: Resolution, registry: Registry) -> str:
    """The text form of a resolution: one headline, then candidates and the reason if any."""
    if result.status is MatchStatus.MATCHED:
        lines = [
            f"matched: {result.kommunenummer} {result.name} "
            f"(score {result.score:.1f}, method {result.method})"
        ]
    elif result.status is MatchStatus.NON_MUNICIPAL:
        lines = [f"non-municipal {result.kind.value}: {result.name} (method {result.method})"]
    else:
        lines = [f"{result.status.value.replace('_', ' ')}: {result.query!r}"]
    for number in result.candidates:
        municipality = registry.municipalities.get(number)
        label = f"{number} {municipality.name} ({municipality.fylke})" if municipality else number
        lines.append(f"  candidate: {label}")
    if result.reason and result.status is not MatchStatus.NON_MUNICIPAL:
        lines.append(f"reason: {result.reason}")
    return "\n".join(lines)


@click.command()
@click.argument("text")
@click.option("--email", default=None, help="Sender address; its domain counts as evidence.")
@click.option(
    "--context",
    "context",
    multiple=True,
    help="A signature or letterhead line that may name the respondent; repeat for several lines.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Lowest fuzzy score (0-100) accepted as a match for a misspelt name.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.pass_context
def resolve(
    ctx: click.Context,
    text: str,
    email: str | None,
    context: tuple[str, ...],
    threshold: float,
    output_format: str,
) -> None:
    """Resolve TEXT (a respondent as written) to a municipality, county authority or organisation.

    Prints kommunenummer, name, score and method, or why it did not match (not found,
    ambiguous with candidates, below threshold with the best candidates, non-municipal
    respondent). Exit code 0 when matched or non-municipal, 1 otherwise.

    Example: samordne resolve "Herøy" --email postmottak@heroy-no.kommune.no
    """
    registry = default_registry()
    result = registry.resolve(text, email=email, context=context, threshold=threshold)
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_resolution(result, registry))
    ctx.exit(0 if result.status in _OK else 1)


COMMANDS = [resolve]
