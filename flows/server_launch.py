"""``python -m flows.server_launch PARENT_PID UVICORN_ARGS...``: uvicorn, stopped with its parent.

Runs uvicorn exactly as ``python -m uvicorn UVICORN_ARGS...`` would, after asking the
kernel (Linux ``prctl(PR_SET_PDEATHSIG)``) to send it SIGTERM when the thread that
started it dies, so a run killed with SIGKILL (or by the OOM killer, which runs no
exit handlers) leaves no temporary API server behind. ``PARENT_PID`` guards the race
where the parent died before the request was made; 0 makes no request. Done here, in
the child, not in a ``preexec_fn``: that is unsafe in a process with threads.

Imports nothing of samordne's: the server process stays as lean as Prefect's own.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    parent = int(sys.argv.pop(1))
    if parent and sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # died before the request: nobody would stop this server
            sys.exit(0)
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
