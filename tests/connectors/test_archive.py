"""ArchiveConnector on the golden zip fixtures and hostile archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from connectors.archive import ArchiveConnector, display_member_name
from connectors.base import Limits, QuarantineError
from models.records import Locator, ReadResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def read_bytes(data: bytes, name: str, limits: Limits | None = None) -> ReadResult:
    return ArchiveConnector().read(name, io.BytesIO(data), limits or Limits())


def test_zip_members_become_children() -> None:
    """Members are children with display names; directories skipped, '..' stripped, encrypted rejected."""
    result = read_bytes((FIXTURES / "innspill.zip").read_bytes(), "innspill.zip")
    assert [(c.name, c.locator) for c in result.children] == [
        ("innspill.zip!/innspill/Trondheim.csv", Locator(file="innspill.zip", part="innspill/Trondheim.csv")),
        ("innspill.zip!/utenfor.txt", Locator(file="innspill.zip", part="utenfor.txt")),
        ("innspill.zip!/indre.zip", Locator(file="innspill.zip", part="indre.zip")),
    ]
    assert result.children[1].data == b"Hei\n"
    nested = read_bytes(result.children[2].data, result.children[2].name)
    assert [(c.name, c.data) for c in nested.children] == [
        ("innspill.zip!/indre.zip!/indre.txt", b"Indre innspill fra Bergen kommune.\n")
    ]
    assert [(r.category, r.reason) for r in result.rejections] == [
        (
            "encrypted",
            "zip-fil 'innspill.zip', fil 'hemmelig.txt': er kryptert med passord – send filen uten passord",
        )
    ]


def test_zip_bomb_is_refused_before_expanding() -> None:
    """A small archive declaring a huge expansion is quarantined as zip_bomb."""
    with pytest.raises(QuarantineError) as info:
        read_bytes((FIXTURES / "zipbombe.zip").read_bytes(), "zipbombe.zip")
    assert info.value.category == "zip_bomb"
    assert info.value.reason == (
        "zip-fil 'zipbombe.zip': pakker ut til 20 971 520 byte (1023 ganger størrelsen), over grensen på "
        "209 715 200 byte eller 100 ganger – dette ligner en zip-bombe; be avsenderen sende filene hver for seg"
    )


def test_total_size_limit() -> None:
    """The declared total is checked against max_uncompressed_bytes even at a low ratio."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", b"x" * 2000)
    with pytest.raises(QuarantineError) as info:
        read_bytes(buf.getvalue(), "a.zip", Limits(max_uncompressed_bytes=1000))
    assert info.value.category == "zip_bomb"


@pytest.mark.parametrize("data", [b"PK\x03\x04 broken", b"not a zip", b""])
def test_corrupt_zip(data: bytes) -> None:
    """A corrupt archive is quarantined as corrupt."""
    with pytest.raises(QuarantineError) as info:
        read_bytes(data, "x.zip")
    assert info.value.category == "corrupt"
    assert info.value.reason.startswith("zip-fil 'x.zip': er ødelagt")


def test_member_with_lying_size_is_rejected() -> None:
    """A member whose data is larger than declared fails its check and is rejected, not expanded."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.txt", b"ok")
        zf.writestr("lyver.txt", b"y" * 1000)
    data = bytearray(buf.getvalue())
    cd = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)  # central entry of lyver.txt
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")  # declared uncompressed size: 10
    result = read_bytes(bytes(data), "l.zip")
    assert [c.name for c in result.children] == ["l.zip!/ok.txt"]
    assert [r.category for r in result.rejections] == ["corrupt"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "etc/passwd"),
        ("/abs/path.txt", "abs/path.txt"),
        ("C:\\dir\\fil.xlsx", "C:/dir/fil.xlsx"),
        ("a/./b/../c.txt", "a/b/c.txt"),
        ("navn\x00\x1b.txt", "navn.txt"),
        ("..", "fil-7"),
    ],
)
def test_display_member_name(raw: str, expected: str) -> None:
    """Member names are display strings without traversal segments or control characters."""
    assert display_member_name(raw, 7) == expected
