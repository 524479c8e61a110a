"""Two runs started at once against one PostgreSQL database never ingest the same content twice.

Each run is its own process with its own ``Store`` (as two nightly workers would be). Both
open the database, load their models, then wait at a barrier and ingest the same inbox at
the same moment, so they race for every file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "inbox"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

INGEST_SCRIPT = """
import json, sys
from pathlib import Path
from flows import outputs
from flows.ingest import ingest_files
from flows.settings import Settings

inbox, url, order = sys.argv[1:4]
settings = Settings.from_env(workdir=Path.cwd()).with_database(url)
state = outputs.start_run(settings, Path(inbox), Path(inbox).parent / "out")
ctx = outputs.ingest_context(state)
files = state.inbox_files if order == "forward" else state.inbox_files[::-1]
print("ready", flush=True)
sys.stdin.readline()
found = ingest_files(ctx, files)
print(json.dumps({"run_id": state.run_id, "files": [[o.path, o.sha256, o.status.value] for o in found]}))
"""


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic inbox plus sample mails with attachments, a broken workbook and an exact copy."""
    from connectors.synthetic import generate_inbox

    report = generate_inbox(tmp_path_factory.mktemp("race"), seed=5, statements=60)
    for name in (
        "epost_vedlegg_molde.eml",
        "skadet.xlsx",
        "Innspillsmal_Voss.xlsx",
        "postkasse_februar.mbox",
    ):
        shutil.copy2(EXAMPLES / name, report.inbox_dir / name)
    shutil.copy2(EXAMPLES / "Innspillsmal_Voss.xlsx", report.inbox_dir / "Kopi av Innspillsmal_Voss.xlsx")
    return report.inbox_dir


def _race(inbox: Path, url: str, orders: tuple[str, str]) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != "SAMORDNE_DATABASE_URL"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", INGEST_SCRIPT, str(inbox), url, order],
            cwd=inbox.parent,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for order in orders
    ]
    for proc in procs:  # barrier: both have opened the database and loaded their models
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    manifests = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        manifests.append(json.loads(out.strip().splitlines()[-1]))
    return manifests


@pytest.mark.parametrize("orders", [("forward", "forward"), ("forward", "backward")])
def test_two_runs_at_once_ingest_each_content_once(
    inbox: Path, postgres_url: str, orders: tuple[str, str]
) -> None:
    """Across both runs each sha256 is ingested exactly once; every other copy is a duplicate."""
    first, second = _race(inbox, postgres_url, orders)
    entries = first["files"] + second["files"]
    by_sha: dict[str, Counter[str]] = {}
    for _path, sha, status in entries:
        by_sha.setdefault(sha, Counter())[status] += 1
    readable = {sha: seen for sha, seen in by_sha.items() if "quarantined" not in seen}
    assert readable, "the inbox has readable files"
    assert {sha: seen["ingested"] for sha, seen in readable.items()} == dict.fromkeys(readable, 1)
    assert {sha: seen["duplicate"] for sha, seen in readable.items()} == {
        sha: seen.total() - 1 for sha, seen in readable.items()
    }
    # No lost files: each run lists every inbox file once (a duplicate mail's attachments are not read).
    from connectors.inbox import list_inbox

    for run in (first, second):
        assert sorted(p for p, *_ in run["files"] if "!/" not in p) == list_inbox(inbox)
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("select sha256, count(*) from sources where status = 'ingested' group by sha256")
            ).all()
            claimed = conn.execute(text("select count(*) from contents")).scalar_one()
            per_run = conn.execute(
                text(
                    "select run_id, count(*), count(distinct path) from sources group by run_id order by run_id"
                )
            ).all()
            orphans = conn.execute(
                text(
                    "select count(*) from submissions sub join sources s on s.id = sub.source_id "
                    "where s.status <> 'ingested'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert dict(stored) == dict.fromkeys(readable, 1)
    assert claimed == len(readable)
    assert [tuple(row) for row in per_run] == sorted(
        (run["run_id"], len(run["files"]), len(run["files"])) for run in (first, second)
    )
    assert orphans == 0
