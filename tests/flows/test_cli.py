"""The command line: every command is documented, and light commands never load Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flows.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_command_is_in_help_and_readme() -> None:
    """`samordne --help` lists each command and the README documents it."""
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    readme = README.read_text(encoding="utf-8")
    assert main.commands, "no commands registered"
    for name in main.commands:
        assert f"  {name}" in result.output
        assert f"`samordne {name}" in readme, f"README does not document `samordne {name}`"


@pytest.mark.parametrize("args", [["--help"], ["resolve", "--help"], ["run", "--help"]])
def test_light_commands_do_not_import_prefect(args: list[str]) -> None:
    """Help and resolve must not pay Prefect's start-up cost."""
    code = (
        "import sys\n"
        "from flows.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print('PREFECT' if any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules) else 'CLEAN')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "CLEAN"


def test_run_rejects_missing_inbox(tmp_path: Path) -> None:
    """A missing inbox is a clear error naming it, before any flow starts."""
    result = CliRunner().invoke(main, ["run", str(tmp_path / "finnes-ikke"), "--out", str(tmp_path / "ut")])
    assert result.exit_code != 0
    assert "finnes-ikke finnes ikke eller er ikke en mappe" in result.output


ENTRY = (
    "import atexit, sys, threading\n"
    "atexit.register(lambda: print('exit handler ran', flush=True))\n"
    "threading._register_atexit(lambda: print('thread hook ran', flush=True))\n"
    "sys.argv = ['samordne', *sys.argv[1:]]\n"
    "from flows.cli import entry\n"
    "entry()\n"
    "print('not reached')\n"
)


@pytest.mark.parametrize(
    ("args", "status", "stdout", "stderr"),
    [
        (["--version"], 0, "version", ""),
        (["run", "finnes-ikke", "--out", "ut"], 1, "", "finnes-ikke finnes ikke eller er ikke en mappe"),
        (["no-such-command"], 2, "", "No such command"),
    ],
)
def test_console_script_keeps_exit_code_output_and_exit_handlers(
    tmp_path: Path, args: list[str], status: int, stdout: str, stderr: str
) -> None:
    """The console script ends quickly but with the command's status, its output, and exit handlers run."""
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == status
    assert stdout in done.stdout
    assert stderr in done.stderr
    assert done.stdout.rstrip().endswith("thread hook ran\nexit handler ran")  # the interpreter's order
    assert "not reached" not in done.stdout
