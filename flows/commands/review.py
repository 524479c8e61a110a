"""``samordne review export|import``, ``samordne approve`` and ``samordne deliver`` (no Prefect).

Analysts correct labels in a review workbook, approve a consolidated run, and
deliver the approved package. Refusals are bokmål messages on stderr with exit code 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from flows.settings import Settings

if TYPE_CHECKING:
    from processing.registry import Registry

_DB_HELP = "SQLAlchemy URL; default a SQLite file under .samordne/ in the working directory."


def _settings(database_url: str | None) -> Settings:
    settings = Settings.from_env()
    return settings.with_database(database_url) if database_url else settings


def _refuse(lines: list[str] | str) -> None:
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(1)


@click.group()
def review() -> None:
    """Export statements for analyst review, and import the corrected workbook."""


@review.command("export")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Review workbook to write (.xlsx).",
)
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None, help=_DB_HELP)
def export(out: Path, database_url: str | None) -> None:  # fmt: skip
    """Write the review workbook: statements needing attention first, then the rest."""
    from connectors.db import Store
    from connectors.review import review_rows
    from processing.registry import default_registry
    from processing.taxonomy import load_taxonomy
    from reports.review_workbook import render_review_workbook

    settings = _settings(database_url)
    with Store.open(settings.database_url) as store:
        rows = review_rows(store)
    names = {number: m.name for number, m in default_registry().municipalities.items()}
    data = render_review_workbook(rows, load_taxonomy(settings.taxonomy_path), names)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    attention = sum(1 for r in rows if r.attention)
    click.echo(f"Arbeidsbok: {out} ({len(rows)} utsagn, {attention} bør sjekkes).")


def municipality_resolver(registry: Registry) -> Callable[[str], str | None]:
    """What an analyst wrote as municipality -> 2024 kommunenummer (number, "4601 Bergen" or name)."""

    def resolve(text: str) -> str | None:
        if text in registry.municipalities:
            return text
        if text.isdigit():
            return None  # an unknown or pre-2024 number is not guessed at
        result = registry.resolve(text)
        return result.kommunenummer if result.is_municipality else None

    return resolve


@review.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", required=True, help="Name of the analyst importing the corrections (audited).")
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None, help=_DB_HELP)
def import_(workbook: Path, by: str, database_url: str | None) -> None:
    """Apply the corrections in WORKBOOK as overrides; a workbook with any bad row is refused whole."""
    from connectors.db import Store
    from connectors.review import CorrectionError, apply_corrections
    from connectors.review_import import read_corrections
    from processing.registry import default_registry
    from processing.taxonomy import load_taxonomy

    settings = _settings(database_url)
    data = workbook.read_bytes()
    read = read_corrections(
        workbook.name,
        data,
        load_taxonomy(settings.taxonomy_path),
        municipality_resolver(default_registry()),
        settings.limits,
    )
    if read.errors:
        _refuse(
            [
                *read.errors,
                f"Ingenting er lagret: rett {len(read.errors)} feil og les inn arbeidsboken på nytt.",
            ]
        )
    with Store.open(settings.database_url) as store:
        try:
            report = apply_corrections(store, read.corrections, by, read.sha256)
        except CorrectionError as exc:
            _refuse(
                [
                    *exc.errors,
                    f"Ingenting er lagret: rett {len(exc.errors)} feil og les inn arbeidsboken på nytt.",
                ]
            )
            return
    if report.already_imported:
        click.echo(f"{workbook.name} er allerede lest inn (samme innhold) – ingenting er endret.")
        return
    click.echo(
        f"{report.changes} endringer i {report.statements} utsagn fra {report.rows} rettede rader er lagret."
    )


@click.command()
@click.option("--run", "run_id", required=True, type=int, help="Run whose consolidated result is approved.")
@click.option("--by", "by", required=True, help="Name of the approver (recorded).")
@click.option("--comment", default=None, help="Optional note kept with the approval.")
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None, help=_DB_HELP)
def approve(run_id: int, by: str, comment: str | None, database_url: str | None) -> None:
    """Record approval of a run's consolidated data (pinned by its sha256)."""
    from connectors.db import Store
    from flows.approval import ApprovalError
    from flows.approval import approve as run_approve

    settings = _settings(database_url)
    with Store.open(settings.database_url) as store:
        try:
            approval = run_approve(store, settings, run_id, by, comment)
        except ApprovalError as exc:
            _refuse(str(exc))
            return
    click.echo(f"Kjøring {run_id} er godkjent av {approval.by} (sha256 {approval.fingerprint}).")


@click.command()
@click.option("--run", "run_id", required=True, type=int, help="Approved run to deliver.")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="New or empty folder for the package; it is made read-only.",
)
@click.option("--by", "by", required=True, help="Name of the person delivering (recorded).")
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None, help=_DB_HELP)
def deliver(run_id: int, target: Path, by: str, database_url: str | None) -> None:  # fmt: skip
    """Write the approved delivery package; refused when not approved or changed since approval."""
    from connectors.db import Store
    from flows.approval import ApprovalError
    from flows.approval import deliver as run_deliver

    settings = _settings(database_url)
    with Store.open(settings.database_url) as store:
        try:
            result = run_deliver(store, settings, run_id, target, by)
        except ApprovalError as exc:
            _refuse(str(exc))
            return
    for item in result.files:
        click.echo(f"{item['sha256']}  {item['name']}")
    click.echo(
        f"Leveranse {result.delivery_id} skrevet til {result.target} (manifest sha256 {result.manifest_sha256})."
    )


COMMANDS = [review, approve, deliver]
