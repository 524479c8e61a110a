"""The one seam every input connector implements, plus the limits they share.

A connector reads one file (given as an open binary stream and its display
name) and returns a ``ReadResult``: submissions it accepted, parts it rejected
with reasons, and child files (attachments, archive members) for the caller to
dispatch in turn. A file that cannot be read at all raises ``QuarantineError``
with a reason that names the file and says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from models.records import Locator, ReadResult


class QuarantineError(Exception):
    """The whole file is refused; ``reason`` is shown to analysts as is."""

    def __init__(self, reason: str, category: str = "invalid", locator: Locator | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.category = category
        self.locator = locator


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits applied before anything is expanded or parsed."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_cells: int = 2_000_000
    max_zip_ratio: float = 100.0  # uncompressed / compressed, per archive
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_depth: int = 5  # attachments inside attachments
    max_messages: int = 2_000_000  # per mbox
    max_read_seconds: float = 300.0  # per file (each attachment its own); 0: no limit


class Connector(Protocol):
    """Reads one kind of file. ``kinds`` are the values of ``connectors.sniff.detect_kind``."""

    @property
    def kinds(self) -> tuple[str, ...]: ...

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult: ...


@dataclass(frozen=True, slots=True)
class MemorySource:
    """An in-memory connector for tests: returns prepared results for named files."""

    results: dict[str, ReadResult]
    kinds: tuple[str, ...] = ("memory",)

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        try:
            return self.results[name]
        except KeyError:
            raise QuarantineError(f"{name}: no prepared result in the memory source", "unsupported") from None

    def names(self) -> Iterable[str]:
        return self.results.keys()
