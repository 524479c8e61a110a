"""Review, approval and delivery from the command line, and the approval flow that pauses for input."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from connectors.db import Store
from connectors.review import audit_rows, deliveries, latest_approval
from flows.approval import current_consolidation
from flows.cli import main
from flows.settings import Settings


def _load_data() -> Any:
    path = Path(__file__).resolve().parents[1] / "connectors" / "review_data.py"
    spec = importlib.util.spec_from_file_location("review_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("review_data", module)
    spec.loader.exec_module(module)
    return module


DATA = _load_data()


@pytest.fixture
def db(sqlite_url: str) -> tuple[str, int]:
    with Store.open(sqlite_url) as store:
        run_id = DATA.load(store)
    return sqlite_url, run_id


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def theme_counts(url: str) -> dict[str, int]:
    settings = Settings.from_env().with_database(url)
    with Store.open(url) as store:
        data = json.loads(current_consolidation(store, settings).json_bytes)
    return {t["theme"]: t["raised"]["count"] for t in data["themes"] if t["raised"]["count"]}


def analyst_edits(path: Path, edits: dict[str, dict[str, Any]]) -> None:
    wb = load_workbook(path)
    ws = wb["Gjennomgang"]
    heads = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        for header, value in edits.get(str(row[heads["Utsagn"] - 1].value), {}).items():
            ws.cell(row=row[0].row, column=heads[header], value=value)
    wb.save(path)


def test_export_edit_import_moves_the_consolidated_figures(db: tuple[str, int], tmp_path: Path) -> None:
    """An analyst's theme correction imported from the workbook moves a municipality between themes."""
    url, _ = db
    review = tmp_path / "review.xlsx"
    exported = cli("review", "export", "--out", str(review), "--database-url", url)
    assert exported.output == f"Arbeidsbok: {review} (6 utsagn, 5 bør sjekkes).\n"
    assert theme_counts(url) == {"finansiering": 1, "journal": 2, "innforing": 1}
    analyst_edits(review, {"Vi støtter en felles journal for hele sektoren.": {"Riktig tema": "Personvern"}})
    imported = cli("review", "import", str(review), "--by", "Kari", "--database-url", url)
    assert imported.output == "1 endringer i 1 utsagn fra 1 rettede rader er lagret.\n"
    assert theme_counts(url) == {"finansiering": 1, "journal": 1, "personvern": 1, "innforing": 1}
    again = cli("review", "import", str(review), "--by", "Kari", "--database-url", url)
    assert again.output == "review.xlsx er allerede lest inn (samme innhold) – ingenting er endret.\n"
    with Store.open(url) as store:
        assert [(a["by"], a["field"], a["old_value"], a["new_value"]) for a in audit_rows(store)] == [
            ("Kari", "theme", "journal", "personvern")
        ]


def test_import_with_a_bad_row_applies_nothing(db: tuple[str, int], tmp_path: Path) -> None:
    """One bad row refuses the whole workbook with exit code 1 and a message per bad row."""
    url, _ = db
    review = tmp_path / "review.xlsx"
    cli("review", "export", "--out", str(review), "--database-url", url)
    analyst_edits(
        review,
        {
            "Vi støtter en felles journal for hele sektoren.": {"Riktig tema": "Personvern"},
            "Dette er bakgrunn for innspillet.": {"Riktig kommunenummer": "Atlantis"},
        },
    )
    result = CliRunner().invoke(
        main, ["review", "import", str(review), "--by", "Kari", "--database-url", url]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "arbeidsbok 'review.xlsx', ark 'Gjennomgang', rad 6: kommunen 'Atlantis' er ukjent – skriv et "
        "kommunenummer fra 2024-strukturen (f.eks. 4601) eller kommunenavnet slik det står i listen",
        "Ingenting er lagret: rett 1 feil og les inn arbeidsboken på nytt.",
    ]
    with Store.open(url) as store:
        assert audit_rows(store) == []


def test_delivery_needs_an_approval_of_unchanged_data(db: tuple[str, int], tmp_path: Path) -> None:
    """Refused before approval and after a change; after (re-)approval written read-only and recorded."""
    url, run_id = db
    target = tmp_path / "levert"
    deliver = ["deliver", "--run", str(run_id), "--to", str(target), "--by", "Kari", "--database-url", url]

    refused = CliRunner().invoke(main, deliver)
    assert (refused.exit_code, refused.output) == (
        1,
        f"kjøring {run_id} er ikke godkjent – gå gjennom arbeidsboken og godkjenn med "
        f"'samordne approve --run {run_id} --by NAVN' før levering\n",
    )
    approved = cli(
        "approve", "--run", str(run_id), "--by", "Per Leder", "--comment", "ok", "--database-url", url
    )
    assert approved.output.startswith(f"Kjøring {run_id} er godkjent av Per Leder (sha256 ")

    review = tmp_path / "review.xlsx"
    cli("review", "export", "--out", str(review), "--database-url", url)
    analyst_edits(review, {"Felles journal er bra for pasientene.": {"Riktig holdning": "Imot"}})
    cli("review", "import", str(review), "--by", "Kari", "--database-url", url)
    changed = CliRunner().invoke(main, deliver)
    assert changed.exit_code == 1
    assert f"dataene for kjøring {run_id} er endret etter godkjenningen" in changed.output
    assert not target.exists()

    cli("approve", "--run", str(run_id), "--by", "Per Leder", "--database-url", url)
    delivered = cli(*deliver)
    names = sorted(p.name for p in target.iterdir())
    assert names == ["consolidated.json", "manifest.json", "rapport.html", "rapport.pdf"]
    assert all(
        not (p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) for p in target.iterdir()
    )
    with Store.open(url) as store:
        [recorded] = deliveries(store, run_id)
        approval = latest_approval(store, run_id)
    assert approval is not None and recorded.approval_id == approval.id
    assert [f["name"] for f in recorded.files] == names
    consolidated = (target / "consolidated.json").read_bytes()
    assert hashlib.sha256(consolidated).hexdigest() == approval.fingerprint
    assert f"Leveranse {recorded.id} skrevet til {target}" in delivered.output

    again = CliRunner().invoke(main, deliver)
    assert again.exit_code == 1
    assert "finnes og er ikke tom – en levert pakke endres aldri" in again.output


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "kjøring 99 finnes ikke – se kjøringens nummer i manifest.json (run_id)"),
        ("failed", "har status 'failed' – bare en vellykket kjøring kan godkjennes"),
        ("validate", "er en validate-kjøring uten sammenstilling"),
    ],
)
def test_approve_refuses_runs_without_a_good_consolidation(
    db: tuple[str, int], setup: str, message: str
) -> None:
    """Only an existing, succeeded run or report run can be approved."""
    url, run_id = db
    if setup != "missing":
        with Store.open(url) as store:
            kind = "validate" if setup == "validate" else "run"
            run_id = store.start_run({}, {}, kind=kind)
            store.finish_run(run_id, "failed" if setup == "failed" else "succeeded", {})
    else:
        run_id = 99
    result = CliRunner().invoke(main, ["approve", "--run", str(run_id), "--by", "Per", "--database-url", url])
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.flow
@pytest.mark.slow
def test_approval_flow_pauses_until_resumed(prefect_harness: None, db: tuple[str, int]) -> None:
    """The Prefect flow pauses for input and records the approval the resumer gives."""
    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run

    from flows.approval import approve_flow

    url, run_id = db
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(approve_flow(run_id, database_url=url, timeout=120, poll_interval=1)),
        daemon=True,
    )
    worker.start()
    paused_id = None
    deadline = time.monotonic() + 90
    with get_client(sync_client=True) as client:
        while paused_id is None and time.monotonic() < deadline:
            runs = client.read_flow_runs()
            paused = [r for r in runs if r.state is not None and r.state.is_paused()]
            paused_id = paused[0].id if paused else None
            time.sleep(0.5)
    assert paused_id is not None, "the flow never paused"
    resume_flow_run(paused_id, run_input={"approved": True, "by": "Per Leder", "comment": "via Prefect"})
    worker.join(timeout=60)
    assert result["approved"] is True and result["by"] == "Per Leder"
    with Store.open(url) as store:
        approval = latest_approval(store, run_id)
    assert approval is not None
    assert (approval.by, approval.comment, approval.fingerprint) == (
        "Per Leder",
        "via Prefect",
        result["fingerprint"],
    )
