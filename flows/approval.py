"""Approval and delivery of a consolidated run: plain functions, plus a Prefect flow that pauses for input.

The fingerprint of a run is the sha256 of ``consolidated.json`` as computed now
from the stored data (overrides applied), so any change after approval (a new
file, a correction, a relabelling) changes it and ``deliver`` refuses. Runs are
incremental: the consolidation covers everything stored, and the run id names
which run's result an analyst looked at.

``approve_flow`` / ``ApprovalInput`` are built on first access (module
``__getattr__``), so the CLI can import this module without starting Prefect.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from connectors.db import Store
from connectors.review import (
    Approval,
    latest_approval,
    record_approval,
    record_delivery,
    run_info,
)
from flows.settings import Settings
from models.records import StatementRow

APPROVABLE_KINDS = ("run", "report")


class ApprovalError(Exception):
    """Approval or delivery refused; the message (bokmål) says why and what to do."""


@dataclass(frozen=True)
class Current:
    """The consolidation of everything stored now, its rows and its fingerprint."""

    consolidation: Any
    rows: list[StatementRow]
    json_bytes: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.json_bytes).hexdigest()


def _generated_from(rows: Sequence[StatementRow]) -> dict[str, Any]:
    """As ``flows.outputs`` records it, but the model versions come from the stored labels."""
    sources = sorted({row.source_sha256 for row in rows})
    return {
        "sources": len(sources),
        "sources_sha256": hashlib.sha256("\n".join(sources).encode()).hexdigest(),
        "statements": len(rows),
        "model": ",".join(sorted({row.model_version for row in rows})) or None,
        "samordne": package_version("samordne"),
    }


def current_consolidation(store: Store, settings: Settings, declarations: Path | None = None) -> Current:
    """Consolidate what is stored now, writing nothing (``previous`` is not used: no change section)."""
    from processing.consolidate import consolidate, load_config
    from processing.dedupe import dedupe_statements
    from processing.registry import default_registry
    from processing.taxonomy import load_taxonomy
    from reports.delivery import consolidated_json

    registry = default_registry()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    found = None
    if declarations is not None and declarations.is_file():
        from connectors.declarations import read_declarations

        found = read_declarations(declarations, registry).declarations
    stored = store.statement_rows()
    deduped = dedupe_statements(stored)
    consolidation = consolidate(
        deduped.rows,
        registry.municipalities,
        registry.steering_group,
        load_config(),
        declarations=found,
        taxonomy_keys=taxonomy.keys,
        known_names=store.personal_identifiers(),
        generated_from=_generated_from(stored),
    )
    return Current(consolidation, stored, consolidated_json(consolidation))


def _declarations_of(parameters: dict[str, Any]) -> Path | None:
    value = parameters.get("declarations")
    return Path(value) if value else None


def run_current(store: Store, settings: Settings, run_id: int) -> Current:
    """The current consolidation for an approvable run; ``ApprovalError`` when the run cannot be approved."""
    info = run_info(store, run_id)
    if info is None:
        raise ApprovalError(f"kjøring {run_id} finnes ikke – se kjøringens nummer i manifest.json (run_id)")
    if info.kind not in APPROVABLE_KINDS:
        raise ApprovalError(
            f"kjøring {run_id} er en {info.kind}-kjøring uten sammenstilling – godkjenn en kjøring fra "
            "'samordne run' eller 'samordne report'"
        )
    if info.status != "succeeded":
        raise ApprovalError(
            f"kjøring {run_id} har status '{info.status}' – bare en vellykket kjøring kan godkjennes; "
            "rett feilene i datakvalitet.html og kjør 'samordne report' på nytt"
        )
    return current_consolidation(store, settings, _declarations_of(info.parameters))


def approve(store: Store, settings: Settings, run_id: int, by: str, comment: str | None = None) -> Approval:
    """Record that ``by`` approved the run's consolidated data as it is now."""
    if not by.strip():
        raise ApprovalError("oppgi hvem som godkjenner med --by NAVN")
    current = run_current(store, settings, run_id)
    record_approval(store, run_id, by, current.fingerprint, comment)
    approval = latest_approval(store, run_id)
    assert approval is not None
    return approval


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: int
    target: Path
    files: list[dict[str, Any]]
    manifest_sha256: str


def deliver(store: Store, settings: Settings, run_id: int, target: Path, by: str) -> DeliveryResult:
    """Write the approved package to ``target`` (new or empty), make it read-only, and record it."""
    if not by.strip():
        raise ApprovalError("oppgi hvem som leverer med --by NAVN")
    approval = latest_approval(store, run_id)
    if approval is None:
        raise ApprovalError(
            f"kjøring {run_id} er ikke godkjent – gå gjennom arbeidsboken og godkjenn med "
            f"'samordne approve --run {run_id} --by NAVN' før levering"
        )
    current = run_current(store, settings, run_id)
    if current.fingerprint != approval.fingerprint:
        raise ApprovalError(
            f"dataene for kjøring {run_id} er endret etter godkjenningen {approval.at:%Y-%m-%d %H:%M} UTC "
            f"({approval.by}) – se over endringene og godkjenn på nytt før levering"
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ApprovalError(
            f"målmappen {target} finnes og er ikke tom – en levert pakke endres aldri; velg en ny, tom mappe"
        )
    from reports.delivery import build_delivery, delivery_manifest

    files = build_delivery(current.consolidation, current.rows)
    manifest = delivery_manifest(files)
    target.mkdir(parents=True, exist_ok=True)
    listing = []
    for name, data in sorted({**files, "manifest.json": manifest}.items()):
        path = target / name
        path.write_bytes(data)
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        listing.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    manifest_sha = hashlib.sha256(manifest).hexdigest()
    delivery_id = record_delivery(store, run_id, approval.id, by, str(target), manifest_sha, listing)
    return DeliveryResult(delivery_id, target, listing, manifest_sha)


# Prefect human-in-the-loop variant --------------------------------------------------------------


def _build() -> dict[str, Any]:
    from prefect import flow, get_run_logger
    from prefect.flow_runs import pause_flow_run
    from prefect.input import RunInput

    class ApprovalInput(RunInput):
        """What the approver fills in on the flow run's Resume form."""

        approved: bool
        by: str
        comment: str = ""

    @flow(name="samordne-approve", log_prints=True)
    def approve_flow(
        run_id: int, database_url: str | None = None, timeout: int = 3600, poll_interval: int = 10
    ) -> dict[str, Any]:
        """Compute the run's fingerprint, pause for an analyst's decision, record the approval."""
        logger = get_run_logger()
        settings = Settings.from_env()
        if database_url:
            settings = settings.with_database(database_url)
        with Store.open(settings.database_url) as store:
            before = run_current(store, settings, run_id).fingerprint
            logger.info("run %s: consolidated sha256 %s; waiting for approval", run_id, before)
            answer = pause_flow_run(
                wait_for_input=ApprovalInput, timeout=timeout, poll_interval=poll_interval
            )
            if not answer.approved:
                logger.info("run %s not approved by %s: %s", run_id, answer.by, answer.comment)
                return {"run_id": run_id, "approved": False, "by": answer.by, "fingerprint": before}
            after = run_current(store, settings, run_id).fingerprint
            if after != before:
                raise ApprovalError(
                    f"dataene for kjøring {run_id} ble endret mens godkjenningen ventet – start godkjenningen på nytt"
                )
            approval_id = record_approval(store, run_id, answer.by, before, answer.comment or None)
        return {
            "run_id": run_id,
            "approved": True,
            "by": answer.by,
            "fingerprint": before,
            "approval_id": approval_id,
        }

    return {"ApprovalInput": ApprovalInput, "approve_flow": approve_flow}


_BUILT: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in {"ApprovalInput", "approve_flow"}:
        if not _BUILT:
            _BUILT.update(_build())
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
