"""Group need statements of near-identical wording and rank the groups.

Within a theme, statements are visited in statement-id order; each joins the first
existing group whose first member's normalised text scores at least the configured
rapidfuzz ``token_set_ratio``, else it starts a group. Visiting in id order makes
the grouping deterministic. Groups rank by number of municipalities, then the
population they cover, then theme and first statement id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from models.records import StatementRow

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise_need(text: str) -> str:
    """Lower-case, NFKC, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def group_needs(rows: Iterable[StatementRow], similarity: float) -> list[list[StatementRow]]:
    """Need rows grouped per theme by wording; groups and members in statement-id order."""
    by_theme: dict[str, list[StatementRow]] = {}
    for row in sorted(rows, key=lambda r: r.statement_id):
        by_theme.setdefault(row.theme, []).append(row)
    groups: list[list[StatementRow]] = []
    for theme in sorted(by_theme):
        heads: list[tuple[str, list[StatementRow]]] = []
        for row in by_theme[theme]:
            norm = normalise_need(row.text)
            for head, members in heads:
                if norm == head or fuzz.token_set_ratio(norm, head) >= similarity:
                    members.append(row)
                    break
            else:
                heads.append((norm, [row]))
        groups.extend(members for _, members in heads)
    return groups


def rank_key(
    municipalities: Sequence[str], population: int, theme: str, first_id: int
) -> tuple[int, int, str, int]:
    return (-len(municipalities), -population, theme, first_id)
