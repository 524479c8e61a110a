"""Prefect's temporary API server started early (flows.server): real server processes, real flow runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows import server as api_server
from flows.server import ServerStartError, TemporaryServer

EPHEMERAL = api_server.EPHEMERAL_ENV

FLOW_SCRIPT = """
import json, os, sys
from pathlib import Path
from flows.settings import prepare_prefect_env
prepare_prefect_env(Path.cwd())
from flows import server as api_server
server = api_server.start_early()
from prefect import flow, task
from prefect.settings import PREFECT_API_URL

@task
def double(x: int) -> int:
    return 2 * x

@flow(name="early-server-check")
def check() -> dict:
    return {"value": double(21), "api_url": PREFECT_API_URL.value()}

with api_server.serving(server):
    result = check()
print(json.dumps({
    **result,
    "server_url": server.api_url,
    "server_pid": server.process.pid,
    "server_module_imported": "prefect.server.api.server" in sys.modules,
}))
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One working directory, so Prefect's database is created (about 10 s of migrations) once."""
    return tmp_path_factory.mktemp("early-server")


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    home = workdir / ".samordne" / "prefect"  # where prepare_prefect_env puts it
    home.mkdir(parents=True, exist_ok=True)
    return {**env, "PREFECT_HOME": str(home), **EPHEMERAL, **extra}


def test_flow_runs_against_the_early_server_and_it_stops_at_exit(workdir: Path) -> None:
    """A flow inside serving() uses the early server; the client never imports Prefect's server; exit stops it."""
    done = run_fresh(workdir, FLOW_SCRIPT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["value"] == 42
    assert result["api_url"] == result["server_url"]
    assert result["server_module_imported"] is False
    assert not Path(f"/proc/{result['server_pid']}").exists() or _is_zombie(result["server_pid"])


def fresh_env() -> dict[str, str]:
    """This process's environment without Prefect or samordne settings, as on a new shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SAMORDNE_"))}


def run_fresh(cwd: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -c code args`` with no Prefect or samordne settings from this process; must succeed
    without Prefect starting a temporary server of its own."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=False,
        cwd=cwd,
        env=fresh_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Starting temporary server" not in done.stderr  # the early server was used
    return done


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_no_early_server_where_prefect_would_not_start_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """With an API URL configured (environment, profile, test harness), start_early leaves it to Prefect."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert api_server.start_early() is None
    monkeypatch.delenv("PREFECT_API_URL")
    started: list[TemporaryServer] = []

    class Recorded(TemporaryServer):
        def __init__(self, env: dict[str, str]) -> None:
            super().__init__(env)
            started.append(self)

    monkeypatch.setattr(api_server, "TemporaryServer", Recorded)
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):  # as a profile or harness would
        assert api_server.start_early() is None
    assert len(started) == 1 and started[0].process.poll() is not None  # started early, then stopped


def test_serving_without_a_server_changes_nothing() -> None:
    """serving(None) leaves Prefect's settings as they are."""
    from prefect.settings import PREFECT_API_URL

    before = PREFECT_API_URL.value()
    with api_server.serving(None):
        assert PREFECT_API_URL.value() == before


def test_taken_port_is_replaced_by_a_free_one(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the chosen port is taken (uvicorn exits with 3), the server starts again on another port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        ports = iter([taken_port])
        real_free_port = api_server._free_port
        monkeypatch.setattr(api_server, "_free_port", lambda: next(ports, None) or real_free_port())
        server = TemporaryServer(server_env(workdir))
        try:
            assert server.port == taken_port
            server.wait_ready(timeout=120)
            assert server.port != taken_port
            with socket.create_connection(("127.0.0.1", server.port), timeout=5):
                pass
        finally:
            server.stop()
    assert server.process.poll() is not None


def test_server_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    """A server that fails on start-up (its database cannot be opened) raises, naming the exit code."""
    env = server_env(
        tmp_path,
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/missing-dir/prefect.db",
    )
    server = TemporaryServer(env)
    with pytest.raises(ServerStartError, match=r"exited with code 3 while starting \(its port was taken"):
        server.wait_ready(timeout=120, respawns=0)
    assert server.process.poll() == 3


def test_server_that_does_not_answer_in_time_is_stopped(tmp_path: Path) -> None:
    """Past the start-up timeout: a clear error naming the setting, and no server left running."""
    server = TemporaryServer(server_env(tmp_path))
    with pytest.raises(ServerStartError, match=r"did not answer within 0 s.*STARTUP_TIMEOUT"):
        server.wait_ready(timeout=0.2)
    assert server.process.poll() is not None


KILLED_SCRIPT = """
import time
from pathlib import Path
from flows.settings import prepare_prefect_env
prepare_prefect_env(Path.cwd())
from flows import server as api_server
server = api_server.start_early()
server.wait_ready(120)
print(server.process.pid, flush=True)
time.sleep(600)
"""


def test_server_stops_when_its_run_is_killed(workdir: Path) -> None:
    """A run killed with SIGKILL (no exit handlers run) leaves no API server behind (Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux only")
    import signal
    import time

    run = subprocess.Popen(
        [sys.executable, "-c", KILLED_SCRIPT], cwd=workdir, env=fresh_env(), stdout=subprocess.PIPE, text=True
    )
    server_pid = 0
    try:
        assert run.stdout is not None
        server_pid = int(run.stdout.readline())
        assert not _is_zombie(server_pid)  # serving
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while not _is_zombie(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _is_zombie(server_pid), f"server {server_pid} still running after its run was killed"
    finally:
        run.kill()
        run.wait()
        if server_pid and not _is_zombie(server_pid):
            os.kill(server_pid, signal.SIGKILL)  # the failure above: do not leave it running


def test_cli_run_leaves_every_flow_and_task_run_recorded(workdir: Path) -> None:
    """`samordne run` (early server, quick exit): Prefect's database holds the run and each task run, completed.

    Task-run states reach the server as events sent from a background worker; they must be
    delivered before the server stops and the process exits.
    """
    import sqlite3

    inbox = Path(__file__).resolve().parents[2] / "examples" / "inbox"
    code = "import sys\nfrom flows.cli import entry\nsys.argv = ['samordne', *sys.argv[1:]]\nentry()\n"
    run_fresh(workdir, code, "run", str(inbox), "--out", str(workdir / "out"))
    with sqlite3.connect(workdir / ".samordne" / "prefect" / "prefect.db") as db:
        flows = db.execute(
            "SELECT id, state_type FROM flow_run WHERE flow_id IN "
            "(SELECT id FROM flow WHERE name = 'samordne-run')"
        ).fetchall()
        assert [state for _, state in flows] == ["COMPLETED"]
        tasks = db.execute(
            "SELECT name, state_type FROM task_run WHERE flow_run_id = ?", (flows[0][0],)
        ).fetchall()
    names = sorted(name.rsplit("-", 1)[0] for name, _ in tasks)
    assert names == ["consolidate", "ingest-batch", "publish-artifacts", "validate", "write-reports"]
    assert {state for _, state in tasks} == {"COMPLETED"}
