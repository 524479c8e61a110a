"""Walk an inbox folder and dispatch every file, and every file inside a file, to its connector.

Each file found (top-level, attachment, archive member) yields exactly one
``FoundFile``: hashed, sized, its kind sniffed from content, and either read,
recognised as a duplicate of content seen before, or quarantined with a reason
in bokmål. Nothing found is left out, nothing is written to disk, and names from
inside files are display strings only.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from connectors.base import Connector, Limits, QuarantineError
from connectors.sniff import detect_kind
from models.records import ReadResult, SourceOutcome, SourceStatus

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# Sidecar files that configure how a neighbour is read; they are settings, not input.
SIDECAR_SUFFIXES = (".layout.toml",)

UNSUPPORTED_REASONS = {
    "encrypted_office": (
        "kryptert eller passordbeskyttet Office-fil; be avsender sende en ubeskyttet kopi",
        "encrypted",
    ),
    "gzip": ("gzip-komprimert fil støttes ikke; pakk den ut eller send den som zip", "unsupported"),
    "archive_other": ("arkivformatet (7z/rar/bzip2) støttes ikke; send innholdet som zip", "unsupported"),
    "empty": ("filen er tom (0 byte)", "empty"),
    "unknown": (
        "ukjent eller ustøttet filtype; send innspill som xlsx, csv, e-post, pdf eller docx",
        "unsupported",
    ),
}


@dataclass(frozen=True, slots=True)
class FoundFile:
    """One file and what became of it; ``result`` is set when it was read."""

    outcome: SourceOutcome
    result: ReadResult | None = None


KnownContent = Callable[[str], str | None]  # sha256 -> display path of the earlier copy, if any


def default_connectors() -> dict[str, Connector]:
    """The real connectors, keyed by the kinds ``detect_kind`` returns."""
    from connectors.archive import ArchiveConnector
    from connectors.documents import DocumentConnector
    from connectors.email import EmailConnector
    from connectors.msg import MsgConnector
    from connectors.tabular import TabularConnector

    table: dict[str, Connector] = {}
    for connector in (
        TabularConnector(),
        EmailConnector(),
        MsgConnector(),
        DocumentConnector(),
        ArchiveConnector(),
    ):
        for kind in connector.kinds:
            table[kind] = connector
    return table


def list_inbox(root: Path) -> list[str]:
    """Every regular file under ``root``, as sorted POSIX paths relative to it.

    Symbolic links are not followed: an inbox link pointing elsewhere on the
    machine must not pull that file into a delivery.
    """
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for filename in filenames:
            full = Path(dirpath) / filename
            if full.is_symlink() or not full.is_file() or filename.endswith(SIDECAR_SUFFIXES):
                continue
            found.append(full.relative_to(root).as_posix())
    return sorted(found)


def hash_stream(fp: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := fp.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    fp.seek(0)
    return digest.hexdigest(), size


def read_path(
    root: Path,
    rel_path: str,
    limits: Limits,
    connectors: Mapping[str, Connector],
    known: KnownContent,
) -> Iterator[FoundFile]:
    """Read one inbox file and everything inside it, parents before children."""
    full = root / rel_path
    received = datetime.fromtimestamp(full.stat().st_mtime, tz=UTC)
    size = full.stat().st_size
    if size > limits.max_file_bytes:
        with full.open("rb") as fp:
            sha, size = hash_stream(fp)
        yield _quarantined(
            rel_path,
            "unknown",
            sha,
            size,
            received,
            f"{rel_path}: filen er {size / 1e6:.1f} MB, over grensen på {limits.max_file_bytes / 1e6:.1f} MB; "
            "del den opp eller øk SAMORDNE_MAX_FILE_BYTES",
            "too_large",
        )
        return
    with full.open("rb") as fp:
        data = fp.read()
    layout = None
    sidecar = full.with_name(full.name + SIDECAR_SUFFIXES[0])
    if sidecar.is_file():
        from connectors.survey import load_layout

        try:
            layout = load_layout(sidecar)
        except ValueError as exc:
            sha, size = hashlib.sha256(data).hexdigest(), len(data)
            yield _quarantined(
                rel_path,
                "unknown",
                sha,
                size,
                received,
                f"{rel_path}: oppsettfilen {sidecar.name} kan ikke brukes: {exc}; rett den eller fjern den",
                "bad_layout",
            )
            return
    yield from read_bytes(rel_path, data, received, limits, connectors, known, 0, None, layout)


def read_bytes(
    display: str,
    data: bytes,
    received: datetime | None,
    limits: Limits,
    connectors: Mapping[str, Connector],
    known: KnownContent,
    depth: int,
    parent: str | None,
    layout: Mapping[str, Any] | None = None,
) -> Iterator[FoundFile]:
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)
    fp = io.BytesIO(data)
    kind = detect_kind(display, fp)
    earlier = known(sha)
    if earlier is not None:
        yield FoundFile(
            SourceOutcome(
                display,
                kind,
                sha,
                size,
                received,
                SourceStatus.DUPLICATE,
                f"samme innhold som {earlier}",
                "duplicate",
                parent,
            )
        )
        return
    if size > limits.max_file_bytes:
        yield _quarantined(
            display,
            kind,
            sha,
            size,
            received,
            f"{display}: vedlegget er {size / 1e6:.1f} MB, over grensen",
            "too_large",
            parent,
        )
        return
    if depth > limits.max_depth:
        yield _quarantined(
            display,
            kind,
            sha,
            size,
            received,
            f"{display}: nestet mer enn {limits.max_depth} nivåer dypt; ikke lest",
            "too_deep",
            parent,
        )
        return
    connector = connectors.get(kind)
    if connector is None:
        reason, category = UNSUPPORTED_REASONS.get(kind, UNSUPPORTED_REASONS["unknown"])
        yield _quarantined(display, kind, sha, size, received, f"{display}: {reason}", category, parent)
        return
    try:
        with time_limit(limits.max_read_seconds, display):
            result = _call(connector, display, fp, limits, kind, layout if depth == 0 else None)
    except QuarantineError as exc:
        reason = exc.reason if display in exc.reason else f"{display}: {exc.reason}"
        yield _quarantined(display, kind, sha, size, received, reason, exc.category, parent)
        return
    except ReadTimeout as exc:
        log.warning("%s", exc.args[0])
        yield _quarantined(display, kind, sha, size, received, exc.args[0], "timeout", parent)
        return
    except Exception as exc:  # a parser bug must cost one file, never the run
        log.exception("unexpected error reading %s", display)
        yield _quarantined(
            display,
            kind,
            sha,
            size,
            received,
            f"{display}: uventet feil under lesing ({exc.__class__.__name__}: {str(exc)[:200]}); "
            "filen er lagt i karantene og feilen er logget",
            "reader_error",
            parent,
        )
        return
    outcome = SourceOutcome(
        display,
        kind,
        sha,
        size,
        received,
        SourceStatus.INGESTED,
        parent_path=parent,
        n_rejections=len(result.rejections),
    )
    yield FoundFile(outcome, result)
    for child in result.children:
        yield from read_bytes(child.name, child.data, received, limits, connectors, known, depth + 1, display)


class ReadTimeout(BaseException):  # not an Exception: readers' broad handlers must not swallow it
    """Reading one file took longer than ``Limits.max_read_seconds``; ``args[0]`` is the reason (bokmål)."""


@contextlib.contextmanager
def time_limit(seconds: float, display: str) -> Iterator[None]:
    """Raise ``ReadTimeout`` in the reading code when it runs longer than ``seconds``.

    A hostile or broken file (a PDF whose layout loops, a huge compressed stream)
    must cost one file, never hang the run. Uses ``SIGALRM``, so it applies where
    reading happens on a process's main thread on POSIX: the worker processes and
    ``samordne run`` without workers. Elsewhere (threads, Windows) files are read
    without a time limit. An earlier alarm handler and timer are restored after.
    """
    usable = (
        seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise ReadTimeout(
            f"{display}: lesingen tok mer enn {seconds:g} sekunder og ble avbrutt; filen kan være skadet "
            "eller laget for å henge. Sjekk den, eller øk SAMORDNE_MAX_READ_SECONDS"
        )

    previous = signal.signal(signal.SIGALRM, expire)
    outer_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # someone else's alarm was pending: put back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, outer_delay - (time.monotonic() - started)))


def _call(
    connector: Connector,
    display: str,
    fp: BinaryIO,
    limits: Limits,
    kind: str,
    layout: Mapping[str, Any] | None,
) -> ReadResult:
    """Call a connector, giving the sniffed kind and a layout to those whose ``read`` takes them."""
    params = inspect.signature(connector.read).parameters
    extra: dict[str, Any] = {}
    if "kind" in params:
        extra["kind"] = kind
    if "layout" in params and layout is not None:
        extra["layout"] = layout
    return connector.read(display, fp, limits, **extra)


def with_statement_count(found: FoundFile, n_statements: int) -> FoundFile:
    return replace(found, outcome=replace(found.outcome, n_statements=n_statements))


def _quarantined(
    display: str,
    kind: str,
    sha: str,
    size: int,
    received: datetime | None,
    reason: str,
    category: str,
    parent: str | None = None,
) -> FoundFile:
    return FoundFile(
        SourceOutcome(display, kind, sha, size, received, SourceStatus.QUARANTINED, reason, category, parent)
    )
