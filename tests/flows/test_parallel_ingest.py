"""Local parallel ingestion: worker processes read and classify, the flow stores in inbox order.

The pool must change nothing but the time: the same rows with the same ids, the
same manifest and byte-identical consolidated output as a run in one process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from flows import parallel
from flows.settings import Settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = [pytest.mark.flow, pytest.mark.slow]

DUMP = (
    'select st.id, src.path, sub."order", st."order", st.text, st.type, st.theme, st.stance, '
    "st.type_confidence, st.theme_confidence, st.locator, sub.kommunenummer from statements st "
    "join submissions sub on sub.id = st.submission_id join sources src on src.id = sub.source_id "
    "order by st.id"
)


def _dump(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(DUMP))]
    finally:
        engine.dispose()


def _files(manifest_path: str) -> list[tuple[Any, ...]]:
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    return [(f["path"], f["parent"], f["status"], f["sha256"], f["statements"]) for f in manifest["files"]]


@pytest.fixture(scope="module")
def two_runs(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample inbox in batches of 3 files: once with two worker processes, once without."""
    from flows.pipeline import run_flow

    work = tmp_path_factory.mktemp("parallel")
    inbox = work / "inbox"
    shutil.copytree(EXAMPLES / "inbox", inbox)
    declarations = str(EXAMPLES / "intensjonserklaeringer.csv")
    runs: dict[str, Any] = {"inbox": inbox}
    for name, workers in (("pool", 2), ("sequential", 1)):
        url = f"sqlite:///{work / name / 'samordne.db'}"
        result = run_flow(
            str(inbox), str(work / name / "out"), url, declarations, batch_files=3, workers=workers
        )
        runs[name] = {"url": url, "result": result, "out": work / name / "out"}
    return runs


def test_pool_stores_the_same_rows_with_the_same_ids(two_runs: dict[str, Any]) -> None:
    pooled, sequential = _dump(two_runs["pool"]["url"]), _dump(two_runs["sequential"]["url"])
    assert len(pooled) > 50
    assert pooled == sequential


def test_pool_run_accounts_for_every_file_in_inbox_order(two_runs: dict[str, Any]) -> None:
    pooled = _files(two_runs["pool"]["result"]["manifest"])
    assert pooled == _files(two_runs["sequential"]["result"]["manifest"])
    top = [path for path, parent, *_ in pooled if parent is None]
    on_disk = sorted(
        p.relative_to(two_runs["inbox"]).as_posix() for p in two_runs["inbox"].rglob("*") if p.is_file()
    )
    assert sorted(top) == on_disk
    assert {status for _, _, status, _, _ in pooled} >= {"ingested", "quarantined"}


def test_pool_gives_byte_identical_delivery(two_runs: dict[str, Any]) -> None:
    """consolidated.json, the HTML and the PDF (laid out in a worker process) equal the sequential run's."""
    pooled, sequential = two_runs["pool"]["out"] / "leveranse", two_runs["sequential"]["out"] / "leveranse"
    names = sorted(p.name for p in pooled.iterdir())
    assert names == ["consolidated.json", "manifest.json", "rapport.html", "rapport.pdf"]
    for name in names:
        assert (pooled / name).read_bytes() == (sequential / name).read_bytes(), name
    assert (pooled / "rapport.pdf").read_bytes().startswith(b"%PDF")
    assert two_runs["pool"]["result"]["status"] == "succeeded"


def test_prestarted_pool_is_handed_over_once(tmp_path: Path) -> None:
    settings = Settings.from_env(env={}, workdir=tmp_path)
    parallel.prestart(tmp_path, settings, 2)
    try:
        first = parallel.take(tmp_path, settings, 2)
        try:
            second = parallel.take(tmp_path, settings, 2)  # nothing pre-started left: a new pool
            assert second is not first
            second.close()
        finally:
            first.close()
    finally:
        parallel.discard_prestarted()
    parallel.prestart(tmp_path, settings, 1)  # one worker: no pool at all
    assert parallel._prestarted == {}


def test_default_workers_follows_the_environment() -> None:
    assert parallel.default_workers({"SAMORDNE_WORKERS": "3"}) == 3
    assert parallel.default_workers({"SAMORDNE_WORKERS": "0"}) == 1
    assert 1 <= parallel.default_workers({}) <= 4


def test_planned_pool_reads_ahead_and_serves_any_order(tmp_path: Path) -> None:
    """With a plan, items come back for exactly the paths asked, also when asked out of the plan's order."""
    from connectors.inbox import list_inbox
    from flows.ingest import IngestJob, read_items, worker_context

    settings = Settings.from_env(env={}, workdir=tmp_path)
    inbox = EXAMPLES / "inbox"
    files = list_inbox(inbox)
    ctx = worker_context(IngestJob(str(inbox), settings, run_id=0))
    expected = {path: [item.outcome for item in read_items(ctx, path)] for path in files}
    pool = parallel.IngestPool(parallel.PoolKey(str(inbox), settings, 2))
    try:
        pool.plan(files)
        first = [[item.outcome for item in items] for items in pool.items(files[:5])]
        assert first == [expected[path] for path in files[:5]]
        out_of_order = [files[-1], files[5], *files[6:-1]]  # the last file first, then the plan's order
        got = [[item.outcome for item in items] for items in pool.items(out_of_order)]
        assert got == [expected[path] for path in out_of_order]
    finally:
        pool.close()


def test_known_files_are_recorded_in_one_step_and_a_changed_one_is_read(tmp_path: Path) -> None:
    """A second run records stored content as duplicates; a file changed after hashing is read again."""
    from dataclasses import replace

    from flows import outputs
    from flows.ingest import ingest_files, ingest_known

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("Innspillsmal_Bodo.xlsx", "Innspillsmal_Voss.xlsx", "epost_vedlegg_molde.eml"):
        shutil.copy(EXAMPLES / "inbox" / name, inbox / name)
    settings = Settings.from_env(env={}, workdir=tmp_path).with_database(
        f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    first = outputs.start_run(settings, inbox, tmp_path / "out1")
    first_outcomes = ingest_files(outputs.ingest_context(first), first.inbox_files)
    assert {o.status.value for o in first_outcomes} == {"ingested"}

    second = outputs.start_run(settings, inbox, tmp_path / "out2")
    known, fresh, earlier = outputs.split_known(second)
    assert (known, fresh) == (second.inbox_files, [])
    assert set(earlier.values()) == set(second.inbox_files)
    mail = inbox / "epost_vedlegg_molde.eml"
    mail.write_bytes(mail.read_bytes().replace(b"Subject:", b"Subject: (endret)", 1))  # changed after hashing
    ctx = replace(outputs.ingest_context(second), preknown=earlier)
    outcomes = outputs.in_inbox_order(ingest_known(ctx, known), second.inbox_files)
    top = [o for o in outcomes if o.parent_path is None]
    assert [o.path for o in top] == second.inbox_files
    assert {o.path: o.status.value for o in top} == {
        "Innspillsmal_Bodo.xlsx": "duplicate",
        "Innspillsmal_Voss.xlsx": "duplicate",
        "epost_vedlegg_molde.eml": "ingested",
    }
    # the changed mail's attachments are known content: recorded as duplicates under it
    children = [o for o in outcomes if o.parent_path == "epost_vedlegg_molde.eml"]
    assert children and {o.status.value for o in children} == {"duplicate"}
    stored = {row.path for row in second.store.run_sources(second.run_id)}
    assert stored == {o.path for o in outcomes}
    first.store.close()
    second.store.close()


def test_readers_make_way_for_one_pdf_process_after_ingestion(tmp_path: Path) -> None:
    """After ingestion the reader processes (models loaded) exit; one fresh process lays out the same PDF."""
    import os

    from flows import outputs
    from flows.pipeline import release_pool
    from reports.pdf import render_pdf

    settings = Settings.from_env(env={}, workdir=tmp_path).with_database(
        f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    state = outputs.start_run(settings, EXAMPLES / "inbox", tmp_path / "out")
    state.pool = parallel.take(state.inbox, settings, 2)
    readers = list(state.pool._executor._processes)  # the worker pids
    assert len(readers) == 2
    release_pool(state)
    try:
        assert state.pool is None and state.reporter is not None
        for pid in readers:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        html = "<html><body><h1>Samordnet innspill</h1><p>Støtte fra 12 kommuner.</p></body></html>"
        assert state.reporter.submit(render_pdf, html).result(timeout=120) == render_pdf(html)
    finally:
        state.reporter.shutdown()
        if state.validator is not None:
            state.validator.close()
        state.store.close()
