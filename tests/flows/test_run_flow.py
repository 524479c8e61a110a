"""End to end: real Prefect flow runs over the bundled sample inbox, on a real SQLite database."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = [pytest.mark.flow, pytest.mark.slow]


@pytest.fixture(scope="module")
def sample_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the flow twice over a copy of examples/inbox into one database."""
    from flows.pipeline import run_flow

    work = tmp_path_factory.mktemp("sample")
    inbox = work / "inbox"
    shutil.copytree(EXAMPLES / "inbox", inbox)
    url = f"sqlite:///{work / 'samordne.db'}"
    first = run_flow(str(inbox), str(work / "out1"), url, str(EXAMPLES / "intensjonserklaeringer.csv"))
    second = run_flow(str(inbox), str(work / "out2"), url, str(EXAMPLES / "intensjonserklaeringer.csv"))
    return {"work": work, "inbox": inbox, "url": url, "first": first, "second": second}


def _manifest(run: dict[str, Any]) -> dict[str, Any]:
    return json.loads(Path(run["manifest"]).read_text(encoding="utf-8"))


def test_every_inbox_file_is_in_the_manifest_once(sample_run: dict[str, Any]) -> None:
    """Each file in the inbox appears exactly once at top level, with a status and a hash."""
    manifest = _manifest(sample_run["first"])
    top = [f for f in manifest["files"] if f["parent"] is None]
    on_disk = sorted(
        p.relative_to(sample_run["inbox"]).as_posix() for p in sample_run["inbox"].rglob("*") if p.is_file()
    )
    assert sorted(f["path"] for f in top) == on_disk
    assert all(
        len(f["sha256"]) == 64 and f["status"] in {"ingested", "duplicate", "quarantined"}
        for f in manifest["files"]
    )
    counts = Counter(f["status"] for f in manifest["files"])
    assert manifest["counts"] == {
        "ingested": counts["ingested"],
        "duplicate": counts["duplicate"],
        "quarantined": counts["quarantined"],
        "files": len(manifest["files"]),
        "statements": sum(f["statements"] for f in manifest["files"]),
    }


def test_broken_and_duplicate_files_are_reported(sample_run: dict[str, Any]) -> None:
    """The truncated workbook is quarantined with a reason; the renamed copy is a duplicate."""
    files = {f["path"]: f for f in _manifest(sample_run["first"])["files"]}
    assert files["skadet.xlsx"]["status"] == "quarantined"
    assert "skadet.xlsx" in files["skadet.xlsx"]["reason"]
    assert files["Kopi av Innspillsmal_Stavanger.xlsx"]["status"] == "duplicate"
    assert (
        files["Kopi av Innspillsmal_Stavanger.xlsx"]["reason"]
        == "samme innhold som Innspillsmal_Stavanger.xlsx"
    )


def test_attachments_are_listed_under_their_mail(sample_run: dict[str, Any]) -> None:
    """Files inside an e-mail get their own manifest entries naming the mail as parent."""
    files = _manifest(sample_run["first"])["files"]
    children = [f for f in files if f["parent"] == "epost_vedlegg_molde.eml"]
    assert {f["kind"] for f in children} >= {"xlsx", "pdf"}
    assert all(f["path"].startswith("epost_vedlegg_molde.eml!/") for f in children)
    assert all(f["status"] == "ingested" and f["statements"] > 0 for f in children)


def test_workbook_counts_equal_the_database(sample_run: dict[str, Any]) -> None:
    """The workbook lists every stored statement, and its per-theme municipality counts match SQL."""
    workbook = openpyxl.load_workbook(sample_run["first"]["outputs"]["workbook"], read_only=True)
    engine = create_engine(sample_run["url"])
    with engine.connect() as conn:
        stored = conn.execute(
            text("select count(*) from statements where quarantine_reason is null")
        ).scalar_one()
        per_theme = dict(
            conn.execute(
                text(
                    "select coalesce(st.override_theme, st.theme) as theme, "
                    "count(distinct coalesce(su.override_kommunenummer, su.kommunenummer)) "
                    "from statements st join submissions su on su.id = st.submission_id "
                    "where su.respondent_kind = 'municipality' and su.match_status = 'matched' "
                    "and st.quarantine_reason is null and su.quarantine_reason is null "
                    "group by 1"
                )
            ).all()
        )
    statement_rows = list(workbook["Utsagn"].iter_rows(min_row=2, values_only=True))
    assert stored > 0
    assert len([r for r in statement_rows if r[0] is not None]) == stored
    themes = {
        row[1]: row[2]
        for row in workbook["Posisjoner per tema"].iter_rows(min_row=2, values_only=True)
        if row[1]
    }
    assert {k: v for k, v in themes.items() if v} == per_theme


def test_second_run_is_incremental(sample_run: dict[str, Any]) -> None:
    """Re-running over the same inbox reads nothing again and gives the same consolidated position."""
    first, second = _manifest(sample_run["first"]), _manifest(sample_run["second"])
    top = [f for f in second["files"] if f["parent"] is None]
    assert {f["status"] for f in top} == {"duplicate", "quarantined"}
    # known files are recorded in one step, the rest (the broken workbook) read again: the
    # manifest still lists every file in inbox order
    assert [f["path"] for f in top] == [f["path"] for f in first["files"] if f["parent"] is None]
    assert [f["path"] for f in top] == sorted(f["path"] for f in top)
    assert second["counts"]["statements"] == 0
    assert second["counts"]["ingested"] == 0
    a = Path(sample_run["first"]["outputs"]["delivery"]) / "consolidated.json"
    b = Path(sample_run["second"]["outputs"]["delivery"]) / "consolidated.json"
    assert a.read_bytes() == b.read_bytes()
    assert first["status"] == second["status"] == "succeeded"


def test_delivery_has_checksummed_files_without_personal_data(sample_run: dict[str, Any]) -> None:
    """The delivery manifest lists each file's SHA-256; no sender address, contact name or phone number leaks."""
    import hashlib
    import io
    import re

    from pypdf import PdfReader

    delivery = Path(sample_run["first"]["outputs"]["delivery"])
    manifest = json.loads((delivery / "manifest.json").read_text())
    listed = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    assert set(listed) == {"rapport.html", "rapport.pdf", "consolidated.json"}
    for name, digest in listed.items():
        assert hashlib.sha256((delivery / name).read_bytes()).hexdigest() == digest
    engine = create_engine(sample_run["url"])
    with engine.connect() as conn:
        addresses = [
            a for (a,) in conn.execute(text("select distinct email from submissions where email is not null"))
        ]
        names = [
            n
            for (n,) in conn.execute(
                text("select distinct contact_name from submissions where contact_name <> ''")
            )
        ]
    assert addresses, "the sample inbox has e-mail senders"
    assert names, "the sample inbox has named contact persons"
    pdf_text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO((delivery / "rapport.pdf").read_bytes())).pages
    )
    texts = {
        name: (delivery / name).read_text(encoding="utf-8") for name in ("rapport.html", "consolidated.json")
    }
    texts["rapport.pdf"] = pdf_text
    phone = re.compile(r"(?<![\d-])(?:\+47 ?)?\d{2} ?\d{2} ?\d{2} ?\d{2}(?![\d-])")
    for name, content in texts.items():
        for value in [*addresses, *names]:
            assert value not in content, f"{value} leaked into {name}"
        assert phone.findall(content) == [], f"phone-like number in {name}"


def test_sample_run_passes_every_validation_suite(sample_run: dict[str, Any]) -> None:
    """The bundled sample inbox passes all three suites and nothing is quarantined by validation."""
    out = Path(sample_run["first"]["manifest"]).parent
    results = json.loads((out / "validering.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["success"]) for s in results["suites"]] == [
        ("submissions", True),
        ("statements", True),
        ("consolidated", True),
    ]
    assert results["quarantined_rows"] == []
    assert (
        "Datakvalitet"
        in openpyxl.load_workbook(sample_run["first"]["outputs"]["workbook"], read_only=True).sheetnames
    )


def test_manifest_records_deduplication(sample_run: dict[str, Any]) -> None:
    """The manifest counts what was consolidated; every link and supersession is a line of the details file."""
    dedupe = _manifest(sample_run["first"])["deduplication"]
    assert (
        dedupe["statements_consolidated"] + dedupe["duplicate_links"] + dedupe["superseded"]
        == dedupe["statements_stored"]
    )
    details = Path(sample_run["first"]["manifest"]).parent / dedupe["details"]
    lines = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    links = [line for line in lines if line["kind"] == "duplicate"]
    superseded = [line for line in lines if line["kind"] == "superseded"]
    assert (len(links), len(superseded)) == (dedupe["duplicate_links"], dedupe["superseded"])
    assert len(links) + len(superseded) > 0  # the sample inbox has cross-channel copies
    assert all({"kept_id", "dropped_id", "reason"} <= set(link) for link in links)
    assert all({"old_statement_id", "new_submission_id", "theme", "reason"} <= set(s) for s in superseded)
    dropped = [link["dropped_id"] for link in links] + [s["old_statement_id"] for s in superseded]
    assert len(dropped) == len(set(dropped))
