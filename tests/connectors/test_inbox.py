"""The dispatcher accounts for every file found: read, duplicate or quarantined with a reason."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from connectors.base import Connector, Limits, QuarantineError
from connectors.inbox import FoundFile, list_inbox, read_path
from models.records import ChildFile, Locator, Passage, ReadResult, SourceStatus, Submission


class TextConnector:
    """Reads .txt files; 'ATTACH:<n>' lines become child files, 'FAIL' quarantines, 'BUG' raises."""

    kinds = ("txt",)

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        text = fp.read().decode()
        if text.startswith("FAIL"):
            raise QuarantineError("ikke lesbar", "corrupt")
        if text.startswith("BUG"):
            raise ZeroDivisionError("division by zero")
        while text.startswith("HANG"):  # a reader stuck in a loop that swallows its own errors
            try:
                sum(range(10_000))
            except Exception:
                continue
        children = tuple(
            ChildFile(f"{name}!/{i}/vedlegg.txt", line.split(":", 1)[1].encode(), Locator(name, part=str(i)))
            for i, line in enumerate(text.splitlines())
            if line.startswith("ATTACH:")
        )
        sub = Submission("Bergen kommune", "memory", Locator(name), (Passage(text, Locator(name)),))  # type: ignore[arg-type]
        return ReadResult(submissions=(sub,), children=children)


CONNECTORS: dict[str, Connector] = {"txt": TextConnector()}


def _run(
    root: Path, rel: str, known: dict[str, str] | None = None, limits: Limits | None = None
) -> list[FoundFile]:
    seen = dict(known or {})
    return list(read_path(root, rel, limits or Limits(), CONNECTORS, seen.get))


def test_list_inbox_is_sorted_recursive_and_skips_sidecars_and_symlinks(tmp_path: Path) -> None:
    """Nested files are found in sorted order; layout sidecars and symlinks are not inputs."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "svar.csv.layout.toml").write_text("[columns]")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret")
    os.symlink(outside, tmp_path / "lenke.txt")
    assert list_inbox(tmp_path) == ["a.txt", "b/z.txt"]


@pytest.mark.parametrize(
    ("content", "status", "category", "reason_part"),
    [
        ("Vi støtter Akson.", SourceStatus.INGESTED, "", ""),
        ("FAIL", SourceStatus.QUARANTINED, "corrupt", "f.txt: ikke lesbar"),
        (
            "BUG",
            SourceStatus.QUARANTINED,
            "reader_error",
            "f.txt: uventet feil under lesing (ZeroDivisionError",
        ),
    ],
)
def test_single_file_outcomes(
    tmp_path: Path, content: str, status: SourceStatus, category: str, reason_part: str
) -> None:
    """A file is ingested, or quarantined with its name and a reason; a reader bug costs one file only."""
    (tmp_path / "f.txt").write_text(content)
    found = _run(tmp_path, "f.txt")
    assert len(found) == 1
    assert found[0].outcome.status is status
    assert found[0].outcome.category == category
    assert reason_part in found[0].outcome.reason
    assert found[0].outcome.sha256 == hashlib.sha256(content.encode()).hexdigest()


def test_children_follow_parent_and_are_accounted(tmp_path: Path) -> None:
    """Attachments become their own entries after their parent, with the parent named."""
    (tmp_path / "mail.txt").write_text("hei\nATTACH:første\nATTACH:FAIL")
    found = _run(tmp_path, "mail.txt")
    assert [f.outcome.path for f in found] == [
        "mail.txt",
        "mail.txt!/1/vedlegg.txt",
        "mail.txt!/2/vedlegg.txt",
    ]
    assert [f.outcome.status for f in found] == [
        SourceStatus.INGESTED,
        SourceStatus.INGESTED,
        SourceStatus.QUARANTINED,
    ]
    assert all(f.outcome.parent_path == "mail.txt" for f in found[1:])


def test_known_content_is_a_duplicate_and_not_read(tmp_path: Path) -> None:
    """Content seen before is reported as a duplicate naming the earlier copy."""
    (tmp_path / "kopi.txt").write_text("BUG would raise if read")
    sha = hashlib.sha256(b"BUG would raise if read").hexdigest()
    found = _run(tmp_path, "kopi.txt", known={sha: "original.txt"})
    assert found[0].outcome.status is SourceStatus.DUPLICATE
    assert found[0].outcome.reason == "samme innhold som original.txt"


@pytest.mark.parametrize(
    ("name", "data", "category"),
    [
        ("bilde.png", b"\x89PNG\r\n\x1a\n\x00\x00", "unsupported"),
        ("tom.csv", b"", "empty"),
        ("data.gz", b"\x1f\x8b\x08\x00\x00\x00", "unsupported"),
    ],
)
def test_unsupported_kinds_are_quarantined(tmp_path: Path, name: str, data: bytes, category: str) -> None:
    """Kinds no connector reads are quarantined with a bokmål reason naming the file."""
    (tmp_path / name).write_bytes(data)
    found = _run(tmp_path, name)
    assert found[0].outcome.status is SourceStatus.QUARANTINED
    assert found[0].outcome.category == category
    assert found[0].outcome.reason.startswith(f"{name}: ")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A file over the size limit is hashed and quarantined as too large."""
    (tmp_path / "stor.txt").write_text("BUG" + "x" * 2000)
    found = _run(tmp_path, "stor.txt", limits=Limits(max_file_bytes=1000))
    assert found[0].outcome.category == "too_large"
    assert found[0].outcome.size == 2003


def test_nesting_depth_is_limited(tmp_path: Path) -> None:
    """Attachments nested deeper than the limit are quarantined, not read."""
    (tmp_path / "a.txt").write_text("ATTACH:ATTACH:ATTACH:hei")
    found = _run(tmp_path, "a.txt", limits=Limits(max_depth=1))
    assert [f.outcome.status for f in found][-1] is SourceStatus.QUARANTINED
    assert found[-1].outcome.category == "too_deep"


def test_a_reader_that_hangs_costs_one_file_and_the_next_is_read(tmp_path: Path) -> None:
    """Past the time limit the file is quarantined as timeout (a reader's broad except cannot swallow it)."""
    import signal
    import time

    (tmp_path / "heng.txt").write_text("HANG\nATTACH:hei")
    (tmp_path / "ok.txt").write_text("Vi støtter Akson.")
    started = time.monotonic()
    found = _run(tmp_path, "heng.txt", limits=Limits(max_read_seconds=0.3))
    assert time.monotonic() - started < 5
    assert [(f.outcome.path, f.outcome.status, f.outcome.category) for f in found] == [
        ("heng.txt", SourceStatus.QUARANTINED, "timeout")
    ]
    assert "lesingen tok mer enn 0.3 sekunder" in (found[0].outcome.reason or "")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no alarm left behind
    assert [f.outcome.status for f in _run(tmp_path, "ok.txt", limits=Limits(max_read_seconds=0.3))] == [
        SourceStatus.INGESTED
    ]


def test_time_limit_puts_back_an_earlier_alarm() -> None:
    """A pending alarm of the caller survives a read, less the time the read took."""
    import signal

    from connectors.inbox import time_limit

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(5, "x.txt"):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30 and fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
