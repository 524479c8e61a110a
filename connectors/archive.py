"""Zip archive connector: members become children, nothing is extracted to disk.

The declared sizes in the central directory are checked against the limits
before any member is expanded (a zip bomb is refused whole). Members are read
in memory and capped at their declared size (``zipfile`` stops there), member
names are kept only for display (``innspill.zip!/mappe/fil.xlsx``), encrypted
members are rejected, nested zips are returned as children for the dispatcher,
whose depth limit applies.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import BinaryIO

from connectors.base import Limits, QuarantineError
from connectors.documents import check_zip_limits
from models.records import ChildFile, Locator, ReadResult, Rejection
from processing.mailtext import sanitise_name

MAX_MEMBERS = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_member_name(raw: str, index: int) -> str:
    """A display-only member path: no leading "/", no "." or ".." segments, no control characters."""
    raw = _CONTROL.sub("", raw).replace("\\", "/")
    segments = [s.strip() for s in raw.split("/") if s.strip() not in {"", ".", ".."}]
    if not segments:
        return f"fil-{index}"
    *dirs, last = segments
    return "/".join([*(sanitise_name(d, "_") for d in dirs), sanitise_name(last, f"fil-{index}")])


class ArchiveConnector:
    """Reads zip archives into child files."""

    kinds: tuple[str, ...] = ("zip",)

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        data = fp.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise QuarantineError(
                f"zip-fil '{name}': er større enn grensen for én fil – del den opp", "too_large"
            )
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            raise QuarantineError(
                f"zip-fil '{name}': er ødelagt eller ikke en zip-fil – pakk filene på nytt og send igjen",
                "corrupt",
                Locator(file=name),
            ) from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise QuarantineError(
                    f"zip-fil '{name}': har {len(infos)} filer, mer enn grensen på {MAX_MEMBERS} – del den opp",
                    "zip_bomb",
                    Locator(file=name),
                )
            check_zip_limits(f"zip-fil '{name}'", zf, len(data), limits)
            children: list[ChildFile] = []
            rejections: list[Rejection] = []
            seen: set[str] = set()
            for index, info in enumerate(infos, start=1):
                if info.is_dir():
                    continue
                member = display_member_name(info.filename, index)
                if member in seen:
                    member = f"{member} ({index})"
                seen.add(member)
                locator = Locator(file=name, part=member)
                if info.flag_bits & 0x1:
                    reason = (
                        f"zip-fil '{name}', fil '{member}': er kryptert med passord – send filen uten passord"
                    )
                    rejections.append(Rejection(locator, reason, "encrypted"))
                    continue
                try:
                    with zf.open(info) as member_fp:
                        payload = member_fp.read(info.file_size + 1)
                except (
                    zipfile.BadZipFile,
                    NotImplementedError,
                    OSError,
                    EOFError,
                    ValueError,
                    RuntimeError,
                ) as exc:
                    reason = (
                        f"zip-fil '{name}', fil '{member}': kunne ikke pakkes ut ({type(exc).__name__}) "
                        "– pakk filene på nytt og send igjen"
                    )
                    rejections.append(Rejection(locator, reason, "corrupt"))
                    continue
                children.append(ChildFile(name=f"{name}!/{member}", data=payload, locator=locator))
        notes = (f"zip-fil '{name}': {len(children)} filer",)
        return ReadResult(children=tuple(children), rejections=tuple(rejections), notes=notes)
