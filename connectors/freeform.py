"""Free-form workbooks: whatever sheet layout a municipality made, read by a text-column heuristic.

Per sheet: the text column is the one with the most long text cells (at
least 40 characters or 6 words). The header row is the nearest row above
the first long cell whose cell in that column is short text (up to five rows
up); a respondent column is one whose header names a municipality or
organisation. Each non-empty text cell below the header in the text column
becomes a passage located by sheet/row/column. Rows are grouped into one
Submission per respondent value (per sheet), or one per sheet when there is
no respondent column; then a title above the header such as "Innspill til
Akson fra Bergen kommune" gives the respondent, and the file name, sheet name
and title cells go into ``Submission.context`` for the resolver. A ``Tema`` /
``Område`` column holding taxonomy keys or labels gives ``hint_theme``.

Cells whose text starts with ``=``, ``+``, ``-`` or ``@`` are kept as text; the
reader only ever sees cached values, nothing is evaluated.
"""

from __future__ import annotations

import re

from connectors.grid import Grid, cell_text, column_letter
from connectors.survey import is_respondent_header
from connectors.template import theme_key
from models.records import Channel, Locator, Passage, Rejection, Submission

__all__ = ["find_text_column", "read_freeform_sheet"]

_LONG_CHARS, _LONG_WORDS, _HEADER_LOOKBACK = 40, 6, 5
_THEME_HEADERS = {"tema", "område", "omrade", "tema/område", "kategori"}
# "Innspill til Akson fra Bergen kommune", "Innspel frå Voss herad", "Høringssvar fra Hå"
_TITLE_FROM = re.compile(
    r"\b(?:innspill|innspel|høringssvar|høyringssvar|uttalelse|fråsegn)\b.*?\bfr[aå]\s+(.+)$", re.I
)


def _is_long(value: object) -> bool:
    return isinstance(value, str) and (len(value.strip()) >= _LONG_CHARS or len(value.split()) >= _LONG_WORDS)


def find_text_column(grid: Grid) -> tuple[int, int] | None:
    """(text column, first long row), 0-based, or None when the sheet holds no long text."""
    counts: dict[int, tuple[int, int]] = {}  # column -> (long cells, their total length)
    first: dict[int, int] = {}
    for r, row in enumerate(grid.rows):
        filled = [v for v in row if v is not None]
        if len(filled) >= 2 and all(v == filled[0] for v in filled):
            continue  # a merged title (its value is copied into every covered cell)
        for c, value in enumerate(row):
            if _is_long(value):
                n, length = counts.get(c, (0, 0))
                counts[c] = (n + 1, length + len(str(value)))
                first.setdefault(c, r)
    if not counts:
        return None
    # most long cells wins; a merged title spans columns, so ties go to the longer text
    col = max(counts, key=lambda c: (*counts[c], -c))
    return col, first[col]


def read_freeform_sheet(name: str, grid: Grid) -> tuple[list[Submission], list[Rejection], list[str]]:
    """Submissions from one free-form sheet (none, with a note, when it has no text)."""
    found = find_text_column(grid)
    if found is None:
        return [], [], [f"ark '{grid.name}': ingen fritekst funnet – arket er hoppet over"]
    col, first_long = found
    header_row: int | None = None
    for r in range(first_long - 1, max(-1, first_long - 1 - _HEADER_LOOKBACK), -1):
        value = grid.cell(r, col)
        if isinstance(value, str) and not _is_long(value):
            header_row = r
            break
    respondent_col: int | None = None
    theme_col: int | None = None
    if header_row is not None:
        for c, value in enumerate(grid.rows[header_row]):
            label = re.sub(r"\s+", " ", cell_text(value).lower()).rstrip(":")
            if c != col and respondent_col is None and is_respondent_header(label):
                respondent_col = c
            elif c != col and theme_col is None and label in _THEME_HEADERS:
                theme_col = c
    start = first_long if header_row is None else header_row + 1
    context = [name, grid.name] + [
        cell_text(v)
        for r in range(header_row if header_row is not None else start)
        for v in grid.rows[r]
        if v
    ]
    title_respondent = ""
    for text in context[2:]:
        if match := _TITLE_FROM.search(text):
            title_respondent = match[1].strip().rstrip(".")
            break
    groups: dict[str, list[Passage]] = {}
    for r in range(start, len(grid.rows)):
        value = grid.cell(r, col)
        if not isinstance(value, str) or not value.strip():
            continue
        respondent = (
            cell_text(grid.cell(r, respondent_col)) if respondent_col is not None else title_respondent
        )
        locator = Locator(
            name,
            sheet=None if grid.is_csv else grid.name,
            row=r + 1,
            column=column_letter(col),
            line=grid.lines[r] if grid.lines is not None else None,
        )
        theme = theme_key(grid.cell(r, theme_col)) if theme_col is not None else None
        groups.setdefault(respondent, []).append(
            Passage(text=value.strip(), locator=locator, hint_theme=theme)
        )
    submissions = [
        Submission(
            respondent=respondent,
            channel=Channel.SPREADSHEET,
            locator=Locator(
                name,
                sheet=passages[0].locator.sheet,
                row=passages[0].locator.row,
                line=passages[0].locator.line,
            ),
            passages=tuple(passages),
            context=tuple(dict.fromkeys(c for c in context if c)) if respondent_col is None else (),
        )
        for respondent, passages in groups.items()
    ]
    header_note = f"overskrift i rad {header_row + 1}" if header_row is not None else "ingen overskriftsrad"
    respondent_note = (
        f", respondentkolonne {column_letter(respondent_col)}"
        if respondent_col is not None
        else ", ingen respondentkolonne"
    )
    notes = [
        f"ark '{grid.name}': fritt format, tekstkolonne {column_letter(col)}, {header_note}{respondent_note}"
    ]
    return submissions, [], notes
