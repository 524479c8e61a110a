"""A run's reports: the workbook, the quality page and the delivery, or the last run's reused.

Also what records a run's outcome on disk: the manifest (``docs/manifest.md``), the
deduplication details and the summary Prefect publishes. The steps in
``flows.outputs`` call these with the run's ``RunState``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.records import SourceStatus

if TYPE_CHECKING:
    from flows.outputs import RunState

log = logging.getLogger(__name__)

MANIFEST_SCHEMA = "samordne.manifest/2"
DEDUPE_DETAILS = "deduplisering.jsonl"
WORKBOOK_NAME = "samordne-analyse.xlsx"
DELIVERY_DIR = "leveranse"


def report_basis(state: RunState) -> dict[str, Any]:
    """Everything the reports are computed from, as hashes: stored data, versions, config, declarations."""
    import hashlib

    from processing.consolidation.config import DEFAULT_CONFIG
    from processing.taxonomy import DEFAULT_TAXONOMY

    def file_sha(path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None

    return {
        "data": state.store.data_fingerprint(),
        "samordne": state.versions.get("samordne"),
        "model": state.versions.get("model"),
        "taxonomy": file_sha(state.settings.taxonomy_path or DEFAULT_TAXONOMY),
        "consolidation_config": file_sha(DEFAULT_CONFIG),
        "declarations": file_sha(state.declarations),
    }


def reuse_previous_reports(state: RunState) -> bool:
    """True (and ``state.reused_*`` set) when the last successful run's reports still hold.

    They hold when this run stored nothing new and its ``report_basis`` equals the
    one that run recorded, and its report files are still there. Validation,
    consolidation and rendering are then skipped; ``write_reports`` copies them.
    """
    if not state.incremental or any(o.status is SourceStatus.INGESTED for o in state.outcomes):
        return False
    last = state.store.last_run()
    if last is None:
        return False
    run_id, summary = last
    outputs = summary.get("outputs") or {}
    basis = summary.get("basis")
    if not basis or not {"workbook", "quality", "delivery"} <= set(outputs):
        return False
    if not all(Path(outputs[k]).exists() for k in ("workbook", "quality", "delivery")):
        return False
    if not (Path(outputs["quality"]).parent / "validering.json").is_file():
        return False
    details = (summary.get("deduplication") or {}).get("details")
    if details and not (Path(outputs["quality"]).parent / details).is_file():
        return False
    current = report_basis(state)
    if current != basis:
        return False
    state.basis = current
    state.dedupe = dict(summary.get("deduplication") or {})  # its details file is copied with the reports
    state.reused_from = run_id
    state.reused_outputs = {k: str(v) for k, v in outputs.items()}
    state.validation = json.loads(
        (Path(outputs["quality"]).parent / "validering.json").read_text(encoding="utf-8")
    )
    log.info("nothing changed since run %s: its reports are reused", run_id)
    return True


def write_dedupe_details(path: Path, deduped: Any) -> None:
    """One JSON object per line: each duplicate link, then each superseded position, in id order.

    A national consultation links hundreds of thousands of statements; kept out of the
    manifest and ``runs.summary`` (which hold the counts), written without building the
    whole document in memory.
    """
    # one encoder: json.dumps with options builds one per call (800,000 links at 1M)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as out:
        for link in deduped.links:
            out.write(encode({"kind": "duplicate", **link.to_json()}) + "\n")
        for item in deduped.superseded:
            out.write(encode({"kind": "superseded", **item.to_json()}) + "\n")


def previous_delivery(out: Path) -> dict[str, Any] | None:
    path = out / DELIVERY_DIR / "consolidated.json"
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("previous delivery %s is unreadable; changes are not computed", path)
        return None
    return data


def write_reports(state: RunState) -> dict[str, str]:
    """Write the analysts' workbook, the quality page and, unless blocked, the delivery; return their paths."""
    from reports.quality import quality_summary, render_quality_html

    state.out.mkdir(parents=True, exist_ok=True)
    if state.reused_from is not None:
        state.quality = quality_summary(state.validation)
        return copy_previous_reports(state)
    # imported only when reports are built: charts, PDF and workbook writers take about a second
    from reports.delivery import delivery_files, delivery_manifest
    from reports.html import render_html
    from reports.pdf import render_pdf
    from reports.workbook import as_dict, write_workbook

    written: dict[str, str] = {}
    state.quality = quality_summary(state.validation)
    (state.out / "validering.json").write_text(
        json.dumps(state.validation, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        encoding="utf-8",
    )
    (state.out / "datakvalitet.html").write_text(render_quality_html(state.validation), encoding="utf-8")
    written["quality"] = str(state.out / "datakvalitet.html")
    consolidated = as_dict(state.consolidation)  # once: each report reads the same JSON form
    html = None if state.blocking else render_html(consolidated)
    # the PDF layout (seconds of pure Python) runs in a worker process while this one writes the workbook
    pdf = state.reporter.submit(render_pdf, html) if state.reporter is not None and html is not None else None
    manifest = build_manifest(state, status="running")
    rows_by_id = sorted(state.rows, key=lambda row: row.statement_id)
    write_workbook(state.out / WORKBOOK_NAME, consolidated, rows_by_id, state.quality, manifest)
    written["workbook"] = str(state.out / WORKBOOK_NAME)
    if state.blocking:
        log.error("delivery withheld: %s", "; ".join(state.blocking))
        return written
    delivery_dir = state.out / DELIVERY_DIR
    delivery_dir.mkdir(parents=True, exist_ok=True)
    assert html is not None  # rendered above unless blocked
    files = delivery_files(consolidated, html, pdf.result() if pdf is not None else render_pdf(html))
    for name, data in sorted(files.items()):
        (delivery_dir / name).write_bytes(data)
    (delivery_dir / "manifest.json").write_bytes(delivery_manifest(files))
    written["delivery"] = str(delivery_dir)
    return written


def copy_previous_reports(state: RunState) -> dict[str, str]:
    """Copy the reused run's reports into this run's ``out`` (nothing to copy when it is the same folder)."""
    import shutil

    previous = state.reused_outputs
    sources = {
        "validering.json": Path(previous["quality"]).parent / "validering.json",
        "datakvalitet.html": Path(previous["quality"]),
        WORKBOOK_NAME: Path(previous["workbook"]),
        DEDUPE_DETAILS: Path(previous["quality"]).parent / DEDUPE_DETAILS,
    }
    for name, source in sources.items():
        if name == DEDUPE_DETAILS and not source.is_file():
            continue  # written by finish_run: absent when that run consolidated nothing
        target = state.out / name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
    delivery_source, delivery_dir = Path(previous["delivery"]), state.out / DELIVERY_DIR
    if delivery_source.resolve() != delivery_dir.resolve():
        delivery_dir.mkdir(parents=True, exist_ok=True)
        for source in sorted(delivery_source.iterdir()):
            if source.is_file():
                shutil.copyfile(source, delivery_dir / source.name)
    return {
        "quality": str(state.out / "datakvalitet.html"),
        "workbook": str(state.out / WORKBOOK_NAME),
        "delivery": str(delivery_dir),
    }


def build_manifest(state: RunState, status: str, finished_at: datetime | None = None) -> dict[str, Any]:
    """The run manifest: every file found, its fate, and counts (schema: docs/manifest.md)."""
    return {
        "schema": MANIFEST_SCHEMA,
        "run_id": state.run_id,
        "status": status,
        "inbox": str(state.inbox),
        "started_at": state.started_at.isoformat(),
        "finished_at": finished_at.isoformat() if finished_at else None,
        "parameters": state.parameters,
        "versions": state.versions,
        "counts": state.counts(),
        "blocking_failures": list(state.blocking),
        "files": [
            {
                "path": o.path,
                "parent": o.parent_path,
                "kind": o.kind,
                "sha256": o.sha256,
                "size": o.size,
                "status": o.status.value,
                "reason": o.reason or None,
                "category": o.category or None,
                "statements": o.n_statements,
                "rejected_rows": o.n_rejections,
            }
            for o in state.outcomes
        ],
    }


def summary_markdown(state: RunState, written: dict[str, str]) -> str:
    counts = state.counts()
    lines = [
        f"# samordne kjøring {state.run_id}",
        "",
        f"* filer funnet: **{counts['files']}** (innlest {counts['ingested']}, duplikat {counts['duplicate']}, "
        f"karantene {counts['quarantined']})",
        f"* utsagn: **{counts['statements']}**",
        f"* leveranse: {'holdt tilbake: ' + '; '.join(state.blocking) if state.blocking else written.get('delivery')}",
        f"* arbeidsbok: {written.get('workbook')}",
    ]
    return "\n".join(lines) + "\n"
