"""Row checks Great Expectations cannot express directly, as boolean columns.

Each ``check_*`` column is ``True`` where the row is fine; the suites expect the
column to be ``True``, so GX still reports the failing row ids. Every function
returns a new frame and never mutates its input. Missing values (None, NaN, NA,
NaT) never raise: they make a check ``False`` where the value is required.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import pandas as pd

from processing.validation.suites import KOMMUNENUMMER_REGEX, ValidationSetupError

# Markers inserted by processing.redact ("[navn fjernet]", "[telefon fjernet]", "[e-post fjernet]",
# "[fødselsnummer fjernet]"); matched generically so a new marker kind needs no change here.
REDACTION_MARKER = re.compile(r"\[[^\[\]\n]{1,40} fjernet\]")
_KOMMUNENUMMER = re.compile(KOMMUNENUMMER_REGEX)
# Consolidation's bucket for "raised the theme, took no position"; a flattened frame may carry it as
# "none" or as a missing value, so stance counts are compared over the real stances only.
NO_STANCE = ("none",)


def is_missing(value: Any) -> bool:
    """True for None and pandas' missing scalars (NaN, NA, NaT)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


def _as_int(value: Any) -> int | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == value else None


def add_submission_checks(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``check_kommunenummer_consistent``; makes ``submitted_on`` a datetime column.

    A kommunenummer (four digits) is required when, and only when, the respondent
    is a municipality that was matched. Dates that cannot be read as dates become
    NaT here and are caught by ``check_date_readable``.
    """
    out = frame.copy()
    consistent = []
    for kind, status, number in zip(
        out["respondent_kind"], out["match_status"], out["kommunenummer"], strict=True
    ):
        if kind == "municipality" and status == "matched":
            consistent.append(isinstance(number, str) and _KOMMUNENUMMER.match(number) is not None)
        else:
            consistent.append(is_missing(number) or number == "")
    out["check_kommunenummer_consistent"] = pd.Series(consistent, index=out.index, dtype=bool)
    dates = pd.to_datetime(out["submitted_on"], errors="coerce")
    out["check_date_readable"] = out["submitted_on"].isna() | dates.notna()
    out["submitted_on"] = dates
    return out


def add_statement_checks(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the stance-on-position, offsets-inside-text and verbatim-at-offsets checks."""
    out = frame.copy()
    stance_ok, offsets_ok, verbatim_ok = [], [], []
    for type_, stance, start, end, text, source in zip(
        out["type"], out["stance"], out["start"], out["end"], out["text"], out["submission_text"], strict=True
    ):
        stance_ok.append(is_missing(stance) or type_ == "position")
        s, e = _as_int(start), _as_int(end)
        inside = isinstance(source, str) and s is not None and e is not None and 0 <= s < e <= len(source)
        offsets_ok.append(inside)
        verbatim_ok.append(inside and isinstance(text, str) and source[s:e] == text)
    out["check_stance_only_on_position"] = pd.Series(stance_ok, index=out.index, dtype=bool)
    out["check_offsets_inside_text"] = pd.Series(offsets_ok, index=out.index, dtype=bool)
    out["check_text_verbatim_at_offsets"] = pd.Series(verbatim_ok, index=out.index, dtype=bool)
    return out


def quote_in_source(quote: Any, source: Any) -> bool:
    """True when ``quote`` occurs verbatim in ``source``, each redaction marker standing for hidden text.

    Delivered quotes are redacted, sources are not. Rather than skipping redacted
    quotes, each marker is treated as a gap of at least one character: the
    unredacted pieces must occur in ``source`` in order, without overlap. The
    leftmost match of each piece is taken, which finds a match whenever one
    exists. A quote with nothing left but markers and blanks fails: there is
    nothing to verify.
    """
    if not isinstance(quote, str) or not isinstance(source, str):
        return False
    pieces = REDACTION_MARKER.split(quote)
    if not any(piece.strip() for piece in pieces):
        return False
    if len(pieces) == 1:
        return quote in source
    pos = 0
    for i, piece in enumerate(pieces):
        if i > 0:
            pos += 1  # the marker replaced at least one character
        if not piece:
            continue
        found = source.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return pos <= len(source)


def consolidated_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The counted (theme, kommunenummer) rows with a readable ``row_key`` ("tema:kommunenummer")."""
    out = frame.copy()
    out["row_key"] = [f"{t}:{k}" for t, k in zip(out["theme"], out["kommunenummer"], strict=True)]
    return out


def theme_figures_frame(counted: pd.DataFrame, figures: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per theme: the reported figures beside the same figures recounted from ``counted``.

    ``figures`` are mappings with ``theme``, ``municipalities``, ``population``,
    ``share_national``, ``share_outside_midt`` (fractions, or percent with
    ``context_data["share_unit"] = "percent"``) and optionally ``stance_counts``
    ({stance: municipalities}; the "none" bucket is not compared). A theme that has counted rows
    but no figures gets a row with missing figures, so the sums check fails on it.
    """
    recount: dict[str, dict[str, Any]] = {}
    for theme, group in counted.groupby("theme", sort=True, dropna=False):
        stances = group["stance"].dropna().value_counts().drop(list(NO_STANCE), errors="ignore")
        recount[str(theme)] = {
            "counted_municipalities": len(group),
            "counted_population": int(pd.to_numeric(group["population"], errors="coerce").fillna(0).sum()),
            "counted_stances": {str(s): int(n) for s, n in stances.items()},
        }
    rows: list[dict[str, Any]] = []
    for fig in figures:
        theme = str(fig.get("theme"))
        counted_fig = recount.pop(theme, {"counted_municipalities": 0, "counted_population": 0,
                                          "counted_stances": {}})  # fmt: skip
        reported_stances = fig.get("stance_counts")
        if reported_stances is None:
            stances_ok = True
        else:
            reported = {str(s): n for s, n in dict(reported_stances).items() if n and s not in NO_STANCE}
            stances_ok = reported == counted_fig["counted_stances"]
        rows.append({
            "theme": theme,
            "municipalities": fig.get("municipalities"),
            "population": fig.get("population"),
            "share_national": fig.get("share_national"),
            "share_outside_midt": fig.get("share_outside_midt"),
            "counted_municipalities": counted_fig["counted_municipalities"],
            "counted_population": counted_fig["counted_population"],
            "check_stance_counts_equal_counted": stances_ok,
        })  # fmt: skip
    for theme, counted_fig in sorted(recount.items()):
        rows.append({
            "theme": theme, "municipalities": None, "population": None, "share_national": None,
            "share_outside_midt": None, "counted_municipalities": counted_fig["counted_municipalities"],
            "counted_population": counted_fig["counted_population"], "check_stance_counts_equal_counted": False,
        })  # fmt: skip
    columns = ["theme", "municipalities", "population", "share_national", "share_outside_midt",
               "counted_municipalities", "counted_population", "check_stance_counts_equal_counted"]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    for col in ("municipalities", "population", "share_national", "share_outside_midt"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["check_stance_counts_equal_counted"] = out["check_stance_counts_equal_counted"].astype(bool)
    return out


def citations_frame(
    citations: Iterable[Mapping[str, Any]], statement_ids: Collection[Any] | None
) -> pd.DataFrame:
    """One row per cited quote: does its statement exist, is the quote verbatim in its source text.

    ``citations`` are mappings with ``statement_id``, ``quote`` (as delivered,
    possibly redacted) and ``source_text`` (the unredacted submission text).
    """
    if statement_ids is None:
        raise ValidationSetupError("context_data['statement_ids'] is needed to check citations")
    known = set(statement_ids)
    rows = [
        {
            "statement_id": c.get("statement_id"),
            "check_cited_statement_exists": c.get("statement_id") in known,
            "check_quote_verbatim_in_source": quote_in_source(c.get("quote"), c.get("source_text")),
        }
        for c in citations
    ]
    return pd.DataFrame(
        rows, columns=["statement_id", "check_cited_statement_exists", "check_quote_verbatim_in_source"]
    ).astype({"check_cited_statement_exists": bool, "check_quote_verbatim_in_source": bool})
