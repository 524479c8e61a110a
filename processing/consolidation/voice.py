"""One municipality, one voice: combine a respondent's position statements on a theme.

Rule table (``stated`` = the set of stances of its position statements on the theme):

=============================================  ===============
stated contains                                 combined stance
=============================================  ===============
support and oppose                             mixed (shown, never averaged)
oppose (with conditional and/or neutral)       oppose
support and conditional (no oppose)            conditional (support with conditions)
support (with or without neutral)              support
conditional (with or without neutral)          conditional
neutral only                                   neutral
nothing (needs / other statements only)        none
=============================================  ===============

Counting support and conditional together as "for" happens later (consensus), not here.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.records import Stance, StatementRow, StatementType


def combine_stances(stated: Iterable[Stance | str]) -> str:
    """The combined stance of one respondent on one theme, per the rule table above."""
    s = {Stance(x) for x in stated}
    if Stance.SUPPORT in s and Stance.OPPOSE in s:
        return "mixed"
    if Stance.OPPOSE in s:
        return "oppose"
    if Stance.CONDITIONAL in s:
        return "conditional"
    if Stance.SUPPORT in s:
        return "support"
    if Stance.NEUTRAL in s:
        return "neutral"
    return "none"


def stated_stances(rows: Iterable[StatementRow]) -> tuple[str, ...]:
    """Distinct stances of the position statements among ``rows``, sorted."""
    return tuple(sorted({r.stance.value for r in rows if r.type is StatementType.POSITION and r.stance}))
