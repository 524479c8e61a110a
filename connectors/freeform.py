"""Free-form workbooks: whatever sheet layout a municipality made, read by a text-column heuristic.

Per sheet: the text column is the one with the most long text cells (at
least 40 characters or 6 words); a sheet of short statements only is read
when a header cell names a text column (``Innspill``, ``Kommentar``...). The
header row is found above the first text cell (up to five rows up): the run
of short text cells directly above it, whose header-like row (a text-column
label, or a ``Kommune``/``Tema`` label beside it) is the header; the short
cells below the header are statements too. A merged title (its value is
copied into every covered cell by ``connectors.grid``) is never a header or a
statement. A respondent column is one whose header names a municipality or
organisation. Each non-empty text cell below the header in the text column
becomes a passage located by sheet/row/column. Rows are grouped into one
Submission per respondent value (per sheet), or one per sheet when there is
no respondent column; then a title above the header such as "Innspill til
Akson fra Bergen kommune" or "Tromsø kommune – innspill til Akson" gives the
respondent, and the file name, sheet name and title cells go into
``Submission.context`` for the resolver. A ``Tema`` / ``Område`` column
holding taxonomy keys or labels gives ``hint_theme``.

Cells whose text starts with ``=``, ``+``, ``-`` or ``@`` are kept as text; the
reader only ever sees cached values, nothing is evaluated.
"""

from __future__ import annotations

import re

from connectors.grid import Cell, Grid, cell_text, column_letter
from connectors.survey import is_respondent_header
from connectors.template import theme_key
from models.records import Channel, Locator, Passage, Rejection, Submission

__all__ = ["find_header", "find_text_column", "read_freeform_sheet"]

_LONG_CHARS, _LONG_WORDS, _HEADER_LOOKBACK = 40, 6, 5
_THEME_HEADERS = {"tema", "område", "omrade", "tema/område", "kategori"}
# labels municipalities put over the column they write in (bokmål and nynorsk)
_TEXT_HEADERS = {
    "innspill",
    "innspel",
    "innspill/kommentar",
    "kommentar",
    "kommentarer",
    "kommentarar",
    "merknad",
    "merknader",
    "merknadar",
    "vurdering",
    "vurderinger",
    "vurderingar",
    "tekst",
    "beskrivelse",
    "skildring",
    "forslag",
    "uttalelse",
    "fråsegn",
    "innhold",
    "innhald",
}
_OTHER_HEADERS = {"nr", "nr.", "løpenr", "løpenummer", "#"}
# "Innspill til Akson fra Bergen kommune", "Innspel frå Voss herad", "Høringssvar fra Hå"
_TITLE_FROM = re.compile(
    r"\b(?:innspill|innspel|høringssvar|høyringssvar|uttalelse|fråsegn)\b.*?\bfr[aå]\s+(.+)$", re.I
)
# "Tromsø kommune – innspill til Akson", "Voss herad: innspel"
_TITLE_BEFORE = re.compile(
    r"^(.+?)(?:\s*[:–—]\s*|\s+-\s+)(?:innspill|innspel|høringssvar|høyringssvar|uttalelse|fråsegn)\b", re.I
)


def _is_long(value: object) -> bool:
    return isinstance(value, str) and (len(value.strip()) >= _LONG_CHARS or len(value.split()) >= _LONG_WORDS)


def _label(value: Cell) -> str:
    return re.sub(r"\s+", " ", cell_text(value).lower()).rstrip(":")


def _is_merged_title(row: tuple[Cell, ...]) -> bool:
    """A row holding one value copied across several cells: a merged title, never a header or text."""
    filled = [v for v in row if v is not None]
    return len(filled) >= 2 and all(v == filled[0] for v in filled)


def _is_title(value: str) -> bool:
    return _TITLE_FROM.search(value) is not None or _TITLE_BEFORE.search(value) is not None


def _named_text_column(grid: Grid) -> tuple[int, int, int] | None:
    """(column, first text row, text cells below) under the header cell naming a text column."""
    best: tuple[int, int, int] | None = None
    for r, row in enumerate(grid.rows):
        if _is_merged_title(row):
            continue
        for c, value in enumerate(row):
            if not (isinstance(value, str) and _label(value) in _TEXT_HEADERS):
                continue
            below = [b for b in range(r + 1, len(grid.rows)) if isinstance(grid.cell(b, c), str)]
            if below and (best is None or len(below) > best[2]):
                best = (c, below[0], len(below))
    return best


def find_text_column(grid: Grid) -> tuple[int, int] | None:
    """(text column, first text row), 0-based, or None when the sheet holds no free text.

    The column with the most long cells, unless a header cell names a text
    column ("Innspill", "Kommentar") holding at least as many text cells: a
    sheet of short statements under such a header is read, and a long note or
    title elsewhere does not outvote it. Titles ("Tromsø kommune – innspill
    til Akson", merged or not) never count as text.
    """
    counts: dict[int, tuple[int, int]] = {}  # column -> (long cells, their total length)
    first: dict[int, int] = {}
    for r, row in enumerate(grid.rows):
        if _is_merged_title(row):
            continue
        for c, value in enumerate(row):
            if isinstance(value, str) and _is_long(value) and not _is_title(value):
                n, length = counts.get(c, (0, 0))
                counts[c] = (n + 1, length + len(value))
                first.setdefault(c, r)
    named = _named_text_column(grid)
    if counts:
        # most long cells wins; ties go to the longer text
        col = max(counts, key=lambda c: (*counts[c], -c))
        if named is None or named[0] == col or named[2] < counts[col][0]:
            return col, first[col]
    return (named[0], named[1]) if named is not None else None


def _is_header_row(grid: Grid, r: int, col: int) -> bool:
    if _label(grid.cell(r, col)) in _TEXT_HEADERS:
        return True
    return any(
        c != col
        and ((label := _label(v)) in _THEME_HEADERS or label in _OTHER_HEADERS or is_respondent_header(label))
        for c, v in enumerate(grid.rows[r])
        if isinstance(v, str)
    )


def find_header(grid: Grid, col: int, first_text: int) -> tuple[int | None, int]:
    """(header row or None, first passage row), 0-based, looking up from the first text cell.

    The short text cells directly above the first long one are either the
    header or short statements under it (a synthetic free-form sheet whose
    first statement is "Vi støtter hovedinnretningen i Akson." lost it to the
    header slot before): the lowest row that looks like a header wins, else
    the topmost one that is not a sentence; with no header at all, the short
    cells are statements.
    """
    run: list[int] = []  # contiguous short text cells in the text column, bottom up
    for r in range(first_text - 1, max(-1, first_text - 1 - _HEADER_LOOKBACK), -1):
        value = grid.cell(r, col)
        stop = (
            not isinstance(value, str)
            or _is_long(value)
            or _is_merged_title(grid.rows[r])
            or _is_title(value)
        )
        if stop:
            if run or value is not None:
                break
            continue  # blank rows between the header and the text
        run.append(r)
    if not run:
        return None, first_text
    for r in run:
        if _is_header_row(grid, r, col):
            return r, r + 1
    for r in reversed(run):
        if not cell_text(grid.cell(r, col)).endswith((".", "!")):
            return r, r + 1
    return None, run[-1]


def _title_respondent(texts: list[str]) -> str:
    for text in texts:
        if match := _TITLE_FROM.search(text):
            return match[1].strip().rstrip(".")
    for text in texts:
        if match := _TITLE_BEFORE.search(text):
            return match[1].strip()
    return ""


def read_freeform_sheet(name: str, grid: Grid) -> tuple[list[Submission], list[Rejection], list[str]]:
    """Submissions from one free-form sheet (none, with a note, when it has no text)."""
    found = find_text_column(grid)
    if found is None:
        return [], [], [f"ark '{grid.name}': ingen fritekst funnet – arket er hoppet over"]
    col, first_text = found
    header_row, start = find_header(grid, col, first_text)
    respondent_col: int | None = None
    theme_col: int | None = None
    if header_row is not None:
        for c, value in enumerate(grid.rows[header_row]):
            label = _label(value)
            if c != col and respondent_col is None and is_respondent_header(label):
                respondent_col = c
            elif c != col and theme_col is None and label in _THEME_HEADERS:
                theme_col = c
    context = [name, grid.name] + [
        cell_text(v)
        for r in range(header_row if header_row is not None else start)
        for v in grid.rows[r]
        if v
    ]
    title_respondent = _title_respondent(context[2:])
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
