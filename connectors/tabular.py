"""The tabular connector: CSV/TSV and workbooks, each sheet routed to the layout it has.

Per sheet, in this order: the KS template (``connectors.template``), a
survey export (``connectors.survey``), else the free-form heuristic
(``connectors.freeform``). When a workbook holds a KS template sheet, its
other sheets (``Veiledning``, ``Lister``) are not read as input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from connectors.base import Limits, QuarantineError
from connectors.csvtext import read_csv_grid
from connectors.freeform import read_freeform_sheet
from connectors.grid import Grid, read_workbook
from connectors.survey import detect_survey, read_survey_sheet
from connectors.template import find_template_header, read_template_sheet
from models.records import ReadResult, Rejection, Submission

__all__ = ["TabularConnector", "guess_kind"]

_WORKBOOK_KINDS = {"xlsx", "xlsm", "xlsb", "xls", "ods"}


def guess_kind(name: str, data: bytes) -> str:
    """A minimal content sniff for callers that do not pass ``kind`` (the dispatcher does)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if data.startswith(b"PK"):
        if b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]:
            return "ods"
        return ext if ext in _WORKBOOK_KINDS - {"xls", "ods"} else "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ext if ext in _WORKBOOK_KINDS else "xls"
    return "tsv" if ext == "tsv" else "csv"


class TabularConnector:
    """Reads csv, tsv, xlsx, xlsm, xlsb, xls and ods files into submissions."""

    kinds: tuple[str, ...] = ("csv", "tsv", "xlsx", "xlsm", "xlsb", "xls", "ods")

    def read(
        self,
        name: str,
        fp: BinaryIO,
        limits: Limits,
        layout: Mapping[str, Any] | None = None,
        kind: str | None = None,
    ) -> ReadResult:
        """Read one file; ``layout`` is a loaded ``.layout.toml`` (see ``connectors.survey.load_layout``)."""
        data = fp.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise QuarantineError(
                f"fil '{name}': større enn grensen på {limits.max_file_bytes} byte – del opp filen",
                "too_large",
            )
        kind = kind or guess_kind(name, data)
        notes: list[str] = [f"filtype: {kind}"]
        grids: tuple[Grid, ...]
        if kind in _WORKBOOK_KINDS:
            workbook = read_workbook(name, data, kind, limits)
            grids, notes = workbook.sheets, notes + list(workbook.notes)
        else:
            grid, csv_notes = read_csv_grid(name, data, limits, kind)
            grids, notes = (grid,), notes + list(csv_notes)
        submissions: list[Submission] = []
        rejections: list[Rejection] = []
        headers = [(grid, find_template_header(grid)) for grid in grids]
        is_template = any(header is not None for _, header in headers)
        for grid, header in headers:
            if header is not None:
                subs, rejs, sheet_notes = read_template_sheet(name, grid, header)
            elif is_template:
                notes.append(f"ark '{grid.name}': hjelpeark i KS-malen, ikke lest som innspill")
                continue
            elif (survey := detect_survey(grid, layout)) is not None:
                subs, rejs, sheet_notes = read_survey_sheet(name, grid, survey)
            else:
                subs, rejs, sheet_notes = read_freeform_sheet(name, grid)
            submissions += subs
            rejections += rejs
            notes += sheet_notes
        if not submissions and not rejections:
            raise QuarantineError(
                f"fil '{name}': fant ingen innspill (ingen rader med tekst eller skalasvar) "
                "– kontroller at filen er fylt ut, gjerne i KS-malen",
                "empty",
            )
        return ReadResult(submissions=tuple(submissions), rejections=tuple(rejections), notes=tuple(notes))
