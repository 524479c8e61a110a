"""The ``samordne`` command line.

Commands live in ``flows.commands.*`` modules, one per area; each module lists
its click commands in ``COMMANDS``. Heavy imports (Prefect, spaCy, Great
Expectations) happen inside the commands that need them, so ``--help``,
``resolve``, ``classify`` and ``evaluate`` never start Prefect.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading

import click

COMMAND_MODULES = (
    "flows.commands.pipeline",
    "flows.commands.registry",
    "flows.commands.nlp",
    "flows.commands.synth",
    "flows.commands.review",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="samordne")
def main() -> None:
    """samordne: consolidate the municipal sector's input on Akson into one traceable position.

    Typical cycle: `samordne run INBOX --out DIR` ingests, classifies, validates,
    consolidates and writes the reports; analysts review and approve; `samordne deliver`
    hands the approved package over.
    """


for _module_name in COMMAND_MODULES:
    for _command in importlib.import_module(_module_name).COMMANDS:
        main.add_command(_command)


def entry() -> None:
    """The ``samordne`` console script: ``main``, then a quick exit.

    A run leaves hundreds of thousands of objects and some thousand modules behind;
    the interpreter's teardown freed them one by one for 1-2 s after the run's
    last output was written (measured on the 50,000-statement inbox). Here what
    the interpreter does before that teardown still runs, in its order: threads
    are joined and threading's exit hooks run (Prefect's log and event workers
    deliver what they hold), then the exit handlers (the API server stops,
    multiprocessing cleans up); the streams are flushed, and the process ends
    with the command's exit code. Exceptions that
    click does not turn into an exit code leave the normal way, with their traceback.
    """
    try:
        main()  # standalone mode: ends in SystemExit
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, status 1, as the interpreter does
        print(code, file=sys.stderr)
        status = 1
    shutdown_threads = getattr(threading, "_shutdown", None)
    if shutdown_threads is None:  # not CPython: the normal way out
        sys.exit(status)
    # The interpreter's own order: threads first (threading's exit hooks, where Prefect's log
    # and event workers deliver what they hold), then the exit handlers (the API server stops).
    shutdown_threads()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    entry()
