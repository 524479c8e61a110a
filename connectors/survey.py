"""Survey exports (Nettskjema, Microsoft Forms, Questback, generic tables) read from a cell grid.

Flavour signatures, matched on header cells without regard to case or spacing:

* Nettskjema: ``Svar-ID`` or ``Skjema-ID`` (usually with ``Innsendt``);
* Microsoft Forms: ``ID`` + ``Start time`` + ``Completion time`` (or the
  Norwegian ``Starttidspunkt`` + ``Fullføringstidspunkt``);
* Questback: ``Respondent ID`` or ``Respondentnummer``;
* generic: any table whose header names a municipality column and has at
  least one Likert or free-text column.

The header row may follow preamble lines (Nettskjema puts the form title
first); the first of the top 15 rows carrying a signature or a municipality
column is taken. Columns: respondent (``Kommune``, ``Kommunenavn``,
``Hvilken kommune representerer du?``, ``Kva kommune representerer du?``,
``Organisasjon``, ``Virksomhet``, ``Kommune/organisasjon`` ...), e-mail,
contact name, date, response id by name; every other column is a Likert
question when most of its answers are Likert words or 1-5, free text when its
answers are long (average >= 20 characters or any >= 60), otherwise ignored
(and noted). Numbers run 1 = helt uenig .. 5 = helt enig unless a header or
preamble legend says "1 = helt enig". A layout file
(``<survey>.layout.toml``, see ``load_layout``) overrides any of this.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.grid import Cell, Grid, cell_text, column_letter
from models.records import Channel, Locator, Passage, Rejection, StatementType, Submission
from processing.dates import parse_norwegian_date
from processing.likert import is_likert_value, likert_stance, scale_direction_from_text

__all__ = [
    "ROLES",
    "SurveyLayout",
    "detect_survey",
    "is_respondent_header",
    "load_layout",
    "read_survey_sheet",
]

ROLES = ("respondent", "email", "name", "date", "response_id", "likert", "free_text", "ignore")
_HEADER_SCAN_ROWS = 15
_RESPONDENT = {
    "kommune",
    "kommunenavn",
    "kommunenamn",
    "kommune/organisasjon",
    "kommune / organisasjon",
    "organisasjon",
    "virksomhet",
    "verksemd",
    "hvilken kommune representerer du?",
    "kva kommune representerer du?",
    "hvilken kommune eller organisasjon representerer du?",
    "hvilken kommune jobber du i?",
    "kommune eller organisasjon",
}
_EMAIL = {"e-post", "epost", "email", "e-mail", "e-postadresse", "epostadresse", "din e-post"}
_NAME = {"navn", "name", "namn", "kontaktperson", "ditt navn", "respondentnavn"}
_DATE = {
    "innsendt",
    "completion time",
    "fullføringstidspunkt",
    "dato",
    "submitted",
    "innsendingstidspunkt",
    "svardato",
    "tidspunkt",
    "sluttid",
    "completed",
}
_RESPONSE_ID = {
    "svar-id",
    "id",
    "respondent id",
    "respondentnummer",
    "response id",
    "svarnummer",
    "respondentid",
}
_IGNORE = {
    "skjema-id",
    "start time",
    "starttidspunkt",
    "last modified time",
    "tidspunkt for siste endring",
    "ip",
    "ip-adresse",
    "status",
    "språk",
}
_FLAVOURS = (
    ("nettskjema", ({"svar-id"}, {"skjema-id"})),
    ("forms", ({"id", "start time", "completion time"}, {"id", "starttidspunkt", "fullføringstidspunkt"})),
    ("questback", ({"respondent id"}, {"respondentnummer"})),
)


def _norm(value: Cell) -> str:
    return re.sub(r"\s+", " ", cell_text(value).lower()).strip().rstrip(":").strip()


@dataclass(frozen=True, slots=True)
class SurveyLayout:
    """Which column plays which role (0-based columns, 0-based header row)."""

    flavour: str
    header_row: int
    headers: tuple[str, ...]
    respondent: int | None = None
    email: int | None = None
    name: int | None = None
    date: int | None = None
    response_id: int | None = None
    likert: tuple[int, ...] = ()
    free_text: tuple[int, ...] = ()
    themes: Mapping[int, str] = field(default_factory=dict)
    one_agrees: bool = False
    notes: tuple[str, ...] = ()


def load_layout(path: str | Path) -> dict[str, Any]:
    """Read and check a ``<survey file>.layout.toml``; ValueError says what is wrong.

    Format::

        [survey]
        header_row = 3            # optional, 1-based
        scale = "5=enig"          # or "1=enig"
        [columns]                 # header text -> role (respondent, email, name, date,
        "Hvilken kommune representerer du?" = "respondent"   # response_id, likert, free_text, ignore)
        [themes]                  # likert header -> taxonomy key (optional)
        "Staten bør finansiere Akson" = "finansiering"
    """
    with Path(path).open("rb") as fp:
        data = tomllib.load(fp)
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise ValueError(f"{path}: [columns] must map header text to a role")
    for header, role in columns.items():
        if role not in ROLES:
            raise ValueError(
                f"{path}: column '{header}' has unknown role '{role}' (use one of {', '.join(ROLES)})"
            )
    scale = data.get("survey", {}).get("scale", "5=enig")
    if scale not in {"5=enig", "1=enig"}:
        raise ValueError(f"{path}: survey.scale must be '5=enig' or '1=enig', not '{scale}'")
    return data


def _flavour(headers: set[str]) -> str | None:
    for flavour, signatures in _FLAVOURS:
        if any(sig <= headers for sig in signatures):
            return flavour
    return None


def is_respondent_header(header: str) -> bool:
    """True for a (normalised, lower-case) header naming the respondent's municipality or organisation."""
    if header in _RESPONDENT or header.startswith(("hvilken kommune", "kva kommune")):
        return True
    # "Kommunenr.", "Kommune (navn)"; not a question that starts with "Kommunen ..."
    return header.startswith("kommune") and len(header) <= 25 and "?" not in header and " " not in header[:8]


_ROLE_SAMPLE = 500  # answers looked at to decide a column's role


def _column_values(grid: Grid, header_row: int, col: int) -> list[Cell]:
    values: list[Cell] = []
    for row in grid.rows[header_row + 1 :]:
        if col < len(row) and row[col] is not None:
            values.append(row[col])
            if len(values) >= _ROLE_SAMPLE:
                break
    return values


def _auto_role(header: str, values: list[Cell]) -> str:
    if header in _IGNORE:
        return "ignore"
    if header in _RESPONSE_ID:
        return "response_id"
    if header in _EMAIL:
        return "email"
    if header in _NAME:
        return "name"
    if header in _DATE:
        return "date"
    if is_respondent_header(header):
        return "respondent"
    if not values:
        return "ignore"
    if sum(1 for v in values if is_likert_value(v)) >= 0.6 * len(values):
        return "likert"
    texts = [cell_text(v) for v in values if isinstance(v, str)]
    if texts and (sum(map(len, texts)) / len(texts) >= 20 or max(map(len, texts)) >= 60):
        return "free_text"
    return "ignore"


def detect_survey(grid: Grid, layout: Mapping[str, Any] | None = None) -> SurveyLayout | None:
    """The survey layout of a sheet, or None when it does not look like a survey export."""
    config = dict(layout or {})
    header_row: int | None = None
    flavour: str | None = None
    explicit = config.get("survey", {}).get("header_row")
    columns_cfg = {_norm(k): v for k, v in config.get("columns", {}).items()}
    if isinstance(explicit, int) and 1 <= explicit <= len(grid.rows):
        header_row = explicit - 1
    else:
        for r in range(min(_HEADER_SCAN_ROWS, len(grid.rows))):
            found = {_norm(v) for v in grid.rows[r] if v is not None}
            if len(found) < 2:
                continue
            flavour = _flavour(found)
            configured = any(columns_cfg.get(h) == "respondent" for h in found)
            if flavour or configured or any(is_respondent_header(h) for h in found):
                header_row = r
                break
    if header_row is None:
        return None
    header_cells = grid.rows[header_row]
    headers = tuple(cell_text(v) for v in header_cells)
    flavour = flavour or _flavour({_norm(v) for v in header_cells if v is not None}) or "generic"
    themes_cfg = {_norm(k): str(v) for k, v in config.get("themes", {}).items()}
    roles: dict[str, list[int]] = {role: [] for role in ROLES}
    for col, header in enumerate(headers):
        key = _norm(header)
        if not key:
            continue
        role = columns_cfg.get(key) or _auto_role(key, _column_values(grid, header_row, col))
        roles[role].append(col)
    if not roles["likert"] and not roles["free_text"]:
        return None
    scale = config.get("survey", {}).get("scale")
    if scale is not None:
        one_agrees = scale == "1=enig"
    else:
        legend_text = " ".join(
            cell_text(v) for r in range(header_row + 1) for v in grid.rows[r] if isinstance(v, str)
        )
        one_agrees = scale_direction_from_text(legend_text) is True
    notes = [
        f"spørreskjema ({flavour}), overskrift i rad {header_row + 1}: "
        + ", ".join(
            f"{role}={[headers[c] for c in cols]}"
            for role, cols in roles.items()
            if cols and role != "ignore"
        ),
        "skala: 1 = helt enig" if one_agrees else "skala: 5 = helt enig (antatt når ikke oppgitt)",
    ]
    if roles["ignore"]:
        notes.append(f"kolonner ikke brukt: {[headers[c] for c in roles['ignore']]}")

    def first(role: str) -> int | None:
        return roles[role][0] if roles[role] else None

    return SurveyLayout(
        flavour=flavour,
        header_row=header_row,
        headers=headers,
        respondent=first("respondent"),
        email=first("email"),
        name=first("name"),
        date=first("date"),
        response_id=first("response_id"),
        likert=tuple(roles["likert"]),
        free_text=tuple(roles["free_text"]),
        themes={c: themes_cfg[_norm(headers[c])] for c in roles["likert"] if _norm(headers[c]) in themes_cfg},
        one_agrees=one_agrees,
        notes=tuple(notes),
    )


def read_survey_sheet(
    name: str, grid: Grid, layout: SurveyLayout
) -> tuple[list[Submission], list[Rejection], list[str]]:
    """One Submission per answered response row; empty responses are rejected with their place."""
    submissions: list[Submission] = []
    rejections: list[Rejection] = []
    notes = list(layout.notes)
    sheet = None if grid.is_csv else grid.name
    letters = {col: column_letter(col) for col in (*layout.likert, *layout.free_text)}

    for r in range(layout.header_row + 1, len(grid.rows)):
        cells = grid.rows[r]
        width = len(cells)
        if cells.count(None) == width:
            continue

        def text_at(col: int | None, cells: tuple[Cell, ...] = cells, width: int = width) -> str:
            return "" if col is None or col >= width else cell_text(cells[col])

        row = r + 1  # for CSV too: the row a spreadsheet program shows when it opens the file
        line = grid.lines[r] if grid.lines is not None else None
        response_id = text_at(layout.response_id) or None
        base = Locator(name, sheet=sheet, row=row, line=line, response_id=response_id)
        passages: list[Passage] = []
        for col in layout.likert:
            value = cells[col] if col < width else None
            if value is None:
                continue
            question = layout.headers[col]
            stance = likert_stance(value, one_agrees=layout.one_agrees)
            if stance is None:
                notes.append(
                    f"{_where(name, sheet, row, line)}: svaret '{cell_text(value)}' på '{question}' er ikke et skalasvar – hoppet over"
                )
                continue
            passages.append(
                Passage(
                    text=f"{question}: {cell_text(value)}",
                    locator=_with(base, letters[col], question),
                    hint_type=StatementType.POSITION,
                    hint_theme=layout.themes.get(col),
                    hint_stance=stance,
                    segment=False,
                )
            )
        for col in layout.free_text:
            text = text_at(col)
            if text:
                passages.append(Passage(text=text, locator=_with(base, letters[col], layout.headers[col])))
        if not passages:
            rejections.append(
                Rejection(
                    base,
                    f"{_where(name, sheet, row, line)}: svaret har ingen utfylte spørsmål – ingenting å ta med",
                    "empty",
                )
            )
            continue
        date_value = cells[layout.date] if layout.date is not None and layout.date < width else None
        submissions.append(
            Submission(
                respondent=text_at(layout.respondent),
                # a generic table is a spreadsheet someone made, not a survey tool's export
                channel=Channel.SPREADSHEET if layout.flavour == "generic" else Channel.SURVEY,
                locator=base,
                passages=tuple(passages),
                email=text_at(layout.email) or None,
                contact_name=text_at(layout.name) or None,
                submitted_on=parse_norwegian_date(date_value) if date_value is not None else None,
            )
        )
    return submissions, rejections, notes


def _where(name: str, sheet: str | None, row: int | None, line: int | None) -> str:
    return f"fil '{name}'" + (
        f", ark '{sheet}', rad {row}" if sheet is not None else f", rad {row}, linje {line}"
    )


def _with(base: Locator, column: str, question: str) -> Locator:
    return Locator(
        base.file,
        sheet=base.sheet,
        row=base.row,
        column=column,
        response_id=base.response_id,
        question=question,
        line=base.line,
    )
