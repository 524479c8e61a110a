"""Every file of the shared spreadsheet corpus is read or refused with a reason, quickly, never crashing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from connectors.base import Limits, QuarantineError
from connectors.tabular import TabularConnector
from models.records import ReadResult

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "spreadsheet"
FILES = sorted(
    p.name
    for p in CORPUS.iterdir()
    if p.suffix in {".csv", ".tsv", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
)
MAX_SECONDS = 10.0


@pytest.mark.parametrize("file_name", FILES or ["<corpus missing>"])
def test_corpus_file(shared_dir: Path, file_name: str) -> None:
    """Each corpus file gives a ReadResult or a QuarantineError whose bokmål reason names it, within 10 s."""
    path = shared_dir / "corpora" / "spreadsheet" / file_name
    start = time.monotonic()
    try:
        with path.open("rb") as fp:
            outcome: ReadResult | QuarantineError = TabularConnector().read(file_name, fp, Limits())
    except QuarantineError as error:
        outcome = error
    elapsed = time.monotonic() - start
    assert elapsed < MAX_SECONDS, f"{file_name} took {elapsed:.1f} s"
    if isinstance(outcome, QuarantineError):
        assert f"'{file_name}'" in outcome.reason
        assert outcome.category in {"encrypted", "corrupt", "too_large", "empty"}
        assert " – " in outcome.reason  # every reason says how to fix it after the dash
    else:
        assert outcome.submissions or outcome.rejections
        for submission in outcome.submissions:
            assert all(p.text.strip() and p.locator.file == file_name for p in submission.passages)


def test_corpus_expected_outcomes(shared_dir: Path) -> None:
    """The corpus splits into read and refused files by category as measured when this was written."""
    counts: dict[str, int] = {}
    for file_name in FILES:
        with (shared_dir / "corpora" / "spreadsheet" / file_name).open("rb") as fp:
            try:
                TabularConnector().read(file_name, fp, Limits())
                key = "read"
            except QuarantineError as error:
                key = error.category
        counts[key] = counts.get(key, 0) + 1
    assert counts == {"read": 19, "empty": 87, "encrypted": 6, "corrupt": 5, "too_large": 1}
