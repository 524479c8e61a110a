"""Changes since the previous delivery, read from the previous ``consolidated.json`` dict.

Positions are compared per (kommunenummer, theme) on the combined stance: new
(absent before), changed (different stance), withdrawn (absent now). Figures are
compared per theme: municipalities raising it, their share of the national
population, municipalities with a position, the for-share, the consensus label
and each stance count; only figures that moved are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from processing.consolidation.records import STANCE_BUCKETS, Changes, FigureChange, PositionChange

_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("raised.count", ("raised", "count")),
    ("raised.share_national", ("raised", "share_national")),
    ("with_position.count", ("with_position", "count")),
    ("for_share", ("for_share",)),
    ("consensus", ("consensus",)),
    *((f"stances.{s}.count", ("stances", s, "count")) for s in STANCE_BUCKETS),
)


def _positions(data: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    for theme in data.get("themes", []):
        for m in theme.get("municipalities", []):
            if m.get("stance") not in (None, "none"):
                out[(m["kommunenummer"], theme["theme"])] = (m["stance"], m.get("name", ""))
    return out


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def compute_changes(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> Changes:
    """What moved between ``previous`` and ``current`` (both ``consolidated.json`` dicts)."""
    if previous is None:
        return Changes(False, (), (), (), ())
    before, after = _positions(previous), _positions(current)
    new, changed, withdrawn = [], [], []
    for key in sorted(set(before) | set(after)):
        knr, theme = key
        if key not in before:
            new.append(PositionChange(knr, after[key][1], theme, None, after[key][0]))
        elif key not in after:
            withdrawn.append(PositionChange(knr, before[key][1], theme, before[key][0], None))
        elif before[key][0] != after[key][0]:
            changed.append(PositionChange(knr, after[key][1], theme, before[key][0], after[key][0]))
    prev_themes = {t["theme"]: t for t in previous.get("themes", [])}
    cur_themes = {t["theme"]: t for t in current.get("themes", [])}
    figures = []
    for theme in sorted(set(prev_themes) | set(cur_themes)):
        for name, path in _FIGURES:
            a, b = _dig(prev_themes.get(theme), path), _dig(cur_themes.get(theme), path)
            if a != b:
                figures.append(FigureChange(theme, name, a, b))
    return Changes(True, tuple(new), tuple(changed), tuple(withdrawn), tuple(figures))
