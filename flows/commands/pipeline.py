"""Commands that run the pipeline: ``run`` (a Prefect flow), ``report`` and ``validate`` (plain, no Prefect)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from flows.settings import Settings, prepare_prefect_env


@click.command()
@click.argument("inbox", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the workbook, manifest, quality report and delivery (leveranse/).",
)
@click.option(
    "--database-url",
    envvar="SAMORDNE_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL; default a SQLite file under .samordne/ in the working directory.",
)
@click.option(
    "--declarations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Intent-declaration list (csv or xlsx: municipality, signed yes/no, date).",
)
@click.option(
    "--dask-address",
    envvar="SAMORDNE_DASK_ADDRESS",
    default=None,
    help="Run the ingest batches on the Dask scheduler at this address (e.g. tcp://10.0.0.5:8786).",
)
@click.option(
    "--dask-workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Run the ingest batches on a local Dask cluster of N worker processes (0: no Dask).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    envvar="SAMORDNE_WORKERS",
    default=None,
    help="Local processes that read and classify files (default: the cores, at most 4; 1: none). "
    "Used for inboxes of more than one batch.",
)
def run(
    inbox: Path,
    out: Path,
    database_url: str | None,
    declarations: Path | None,
    dask_address: str | None,
    dask_workers: int,
    workers: int | None,
) -> None:
    """Ingest INBOX recursively, classify, validate, consolidate and write the reports into --out.

    Runs as a Prefect flow in ephemeral mode (no server needed). Files already
    ingested in an earlier run are reported as duplicates and not read again.
    """
    if not inbox.is_dir():
        raise click.ClickException(f"innboksen {inbox} finnes ikke eller er ikke en mappe")
    prepare_prefect_env(Path.cwd())
    from flows import server as api_server

    server = api_server.start_early()  # comes up while the pipeline is imported and warmed up
    from flows import parallel
    from flows.pipeline import run_flow

    if not (dask_address or dask_workers):
        parallel.warm_up(inbox, database_url, workers)
    try:
        with api_server.serving(server):
            result = run_flow(
                str(inbox),
                str(out),
                database_url,
                str(declarations) if declarations else None,
                dask_address=dask_address,
                dask_workers=dask_workers,
                workers=workers,
            )
    finally:
        parallel.discard_prestarted()
    counts = result["counts"]
    click.echo(
        f"Kjøring {result['run_id']}: {counts['files']} filer (innlest {counts['ingested']}, "
        f"duplikat {counts['duplicate']}, karantene {counts['quarantined']}), {counts['statements']} nye utsagn."
    )
    click.echo(f"Manifest: {result['manifest']}")
    click.echo(f"Rapport (arbeidsbok): {result['outputs']['workbook']}")
    if result["blocking"]:
        click.echo("Leveransen er holdt tilbake: " + "; ".join(result["blocking"]), err=True)
        sys.exit(1)
    click.echo(f"Leveranse: {result['outputs']['delivery']}")


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the workbook and delivery into.",
)
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None)
@click.option("--declarations", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def report(out: Path, database_url: str | None, declarations: Path | None) -> None:
    """Rebuild the workbook and delivery from stored data, without reading any input."""
    from flows.outputs import rebuild_reports

    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    result = rebuild_reports(settings, out, declarations)
    click.echo(f"Rapport (arbeidsbok): {result['outputs']['workbook']}")
    if result["blocking"]:
        click.echo("Leveransen er holdt tilbake: " + "; ".join(result["blocking"]), err=True)
        sys.exit(1)
    click.echo(f"Leveranse: {result['outputs']['delivery']}")


@click.command()
@click.option(
    "--run", "run_id", type=int, default=None, help="Run to record the validation against (default: latest)."
)
@click.option("--database-url", envvar="SAMORDNE_DATABASE_URL", default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def validate(run_id: int | None, database_url: str | None, fmt: str) -> None:
    """Re-run the Great Expectations suites on stored data; exit 1 when a gate fails."""
    from flows.outputs import revalidate

    settings = Settings.from_env()
    if database_url:
        settings = settings.with_database(database_url)
    result = revalidate(settings, run_id)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        for line in result["lines"]:
            click.echo(line)
    if not result["success"]:
        sys.exit(1)


COMMANDS = [run, report, validate]
