"""Robustness walk over every file in ../shared/corpora/email and the children of my kinds.

Each file must give a ReadResult or a QuarantineError with a bokmål reason naming
the file, nothing else, and each within 10 s (a robustness bound, not a benchmark).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from connectors.archive import ArchiveConnector
from connectors.base import Connector, Limits, QuarantineError
from connectors.documents import DocumentConnector
from connectors.email import EmailConnector
from connectors.msg import MsgConnector
from models.records import ReadResult

BY_SUFFIX: dict[str, Connector] = {
    ".eml": EmailConnector(),
    ".mbox": EmailConnector(),
    ".msg": MsgConnector(),
    ".pdf": DocumentConnector(),
    ".docx": DocumentConnector(),
    ".txt": DocumentConnector(),
    ".zip": ArchiveConnector(),
}
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "email"
FILES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in BY_SUFFIX) if CORPUS.is_dir() else []
MAX_SECONDS = 10.0
MAX_DEPTH = 3


def _connector_for(name: str, data: bytes) -> Connector | None:
    suffix = Path(name.rsplit("/", 1)[-1]).suffix.lower()
    if suffix in BY_SUFFIX:
        return BY_SUFFIX[suffix]
    if data.startswith(b"%PDF"):
        return BY_SUFFIX[".pdf"]
    return None


def _walk(name: str, data: bytes, depth: int) -> list[str]:
    """Read a file and its children; returns the names read (raises on any contract violation)."""
    connector = _connector_for(name, data)
    if connector is None:
        return []
    start = time.monotonic()
    try:
        result = connector.read(name, io.BytesIO(data), Limits())
    except QuarantineError as exc:
        assert exc.reason.strip(), name
        assert name.rsplit("!/", 1)[0].rsplit("/", 1)[-1] in exc.reason or name in exc.reason, exc.reason
        return [name]
    finally:
        assert time.monotonic() - start < MAX_SECONDS, name
    assert isinstance(result, ReadResult)
    for rejection in result.rejections:
        assert rejection.reason.strip()
    for sub in result.submissions:
        assert sub.passages and all(p.text.strip() for p in sub.passages)
    read = [name]
    if depth < MAX_DEPTH:
        for child in result.children:
            assert child.name.startswith(name)
            assert "/../" not in child.name
            read += _walk(child.name, child.data, depth + 1)
    return read


@pytest.mark.parametrize("name", FILES)
def test_corpus_file(shared_dir: Path, name: str) -> None:
    """A corpus file and its children give a ReadResult or a named QuarantineError, fast."""
    data = (shared_dir / "corpora" / "email" / name).read_bytes()
    assert _walk(name, data, 0)[0] == name


def test_corpus_is_present(shared_dir: Path) -> None:
    """The shared corpus has the e-mail files this walk expects."""
    assert len(list((shared_dir / "corpora" / "email").glob("*.eml"))) >= 80
