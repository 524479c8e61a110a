"""Prefect's temporary API server, started at once instead of at the first flow call.

With no ``PREFECT_API_URL`` Prefect starts a temporary server (uvicorn in a
subprocess) the first time a flow needs the API, and waits for it: about 4.5 s
of CPU on this 2-core machine, after the flow's own imports, while the run can
do nothing else. ``samordne run`` instead starts that same server here, before
it imports Prefect, so the server comes up while this process imports the
pipeline and hashes the inbox, and the reader, PDF and validator processes load
their models and libraries. The client then never imports ``prefect.server``
(about 2.3 s of imports Prefect needs only to launch its own).

The server is the one Prefect would start: the same uvicorn command line (run
through ``flows.server_launch``) with ``prefect.server.api.server:create_app``,
the same variables (UI off, ephemeral; no block registration, see
``EPHEMERAL_ENV``), a new port when the chosen one turns out to be taken (exit
code 3, as Prefect does). It stops when this process exits, and on Linux also
when this process dies without exiting (SIGKILL, the OOM killer), which
Prefect's own temporary server does not. Where Prefect would not start one (an
API URL is configured, ephemeral mode is off, or a test harness already
serves), it is stopped at once or never started, and Prefect decides.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PORT_IN_USE = 3  # uvicorn's exit code when it cannot bind the port (and when the app fails to start)
RESPAWNS = 5  # new ports tried after exit code 3 before giving up (Prefect retries until its timeout)
POLL_SECONDS = 0.05
STOP_SECONDS = 5.0


class ServerStartError(RuntimeError):
    """The temporary API server exited or did not answer in time."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryServer:
    """One Prefect API server process on 127.0.0.1, owned by this process."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self.port = _free_port()
        self.process = self._spawn()
        # Registered now, before Prefect's own exit handlers (its event loop thread's shutdown,
        # which drains the log and event workers, is registered later, during the flow): exit
        # handlers run last-in first-out, so the server stops only after they have delivered.
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> subprocess.Popen[bytes]:
        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.origin is not None
        app_dir = str(Path(spec.origin).parent.parent)
        # The signal goes when the starting *thread* ends: only the main thread's lasts as long as the process.
        parent = os.getpid() if threading.current_thread() is threading.main_thread() else 0
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.server_launch",
                str(parent),
                "--app-dir",
                app_dir,
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=self._env,
        )

    def wait_ready(self, timeout: float, respawns: int = RESPAWNS) -> None:
        """Block until ``/health`` answers; raise ``ServerStartError`` if the server exits or times out.

        After exit code 3 (port taken) the server is started again on a new port, at most
        ``respawns`` times.
        """
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code == PORT_IN_USE and respawns > 0:  # the port was taken before it was bound
                respawns -= 1
                self.port = _free_port()
                self.process = self._spawn()
            elif code is not None:
                raise ServerStartError(
                    f"Prefect's temporary API server exited with code {code} while starting"
                    + (" (its port was taken, or the server failed to start)" if code == PORT_IN_USE else "")
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as response:  # noqa: S310  # http://127.0.0.1 only
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"Prefect's temporary API server did not answer within {timeout:.0f} s "
                    "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
                )
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """Terminate the server (idempotent); killed if it does not stop within a few seconds."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


EPHEMERAL_ENV = {
    # as Prefect's SubprocessASGIServer: no UI, and the server knows it is ephemeral
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    # No block types registered on start: a run uses no blocks, and hashing the registry for
    # the memo loads every installed Prefect collection (prefect-dask imports distributed),
    # about 0.5 s of the server's 5 s of start-up CPU. A `prefect server start` registers them.
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
}


def start_early() -> TemporaryServer | None:
    """Start the temporary server now if Prefect would start one at the first flow call, else None.

    Started before Prefect is imported (that takes a second), then checked against
    Prefect's settings and stopped again if Prefect would not use it (an API URL
    from a profile or file, ephemeral mode off). The server resolves its settings
    from the same environment, working directory and profile as this process, so
    it needs none passed on (Prefect passes them for in-process overrides, which a
    fresh command line has none of).
    """
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer({**os.environ, **EPHEMERAL_ENV})
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        server.stop()
        return None
    return server


@contextlib.contextmanager
def serving(server: TemporaryServer | None) -> Iterator[None]:
    """Flows called inside use ``server`` (once it answers); with None, Prefect's own default."""
    if server is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    server.wait_ready(float(get_current_settings().server.ephemeral.startup_timeout_seconds))
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield
