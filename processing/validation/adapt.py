"""Turn a ``Consolidation`` into the frame and context the consolidated-stage suite checks.

The suite recounts every reported figure from the (theme, kommunenummer) rows,
so a figure that does not follow from the municipalities listed behind it fails,
and checks every quote against the unredacted text of the statement it cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from models.records import StatementRow


def consolidated_inputs(
    consolidation: Any, rows: Sequence[StatementRow], themes: Iterable[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(frame, context_data) for ``validate_frame("consolidated", ...)``.

    ``consolidation`` is a ``processing.consolidate.Consolidation``; ``rows`` are the
    statements it was computed from (their submission text is the quotes' source).
    """
    counted = [
        {
            "theme": theme.theme,
            "kommunenummer": m.kommunenummer,
            "population": m.population,
            "stance": m.stance,
        }
        for theme in consolidation.themes
        for m in theme.municipalities
    ]
    frame = pd.DataFrame(counted, columns=["theme", "kommunenummer", "population", "stance"])
    figures = [
        {
            "theme": theme.theme,
            "municipalities": theme.raised.count,
            "population": theme.raised.population,
            "share_national": theme.raised.share_national,
            "share_outside_midt": theme.raised.share_outside_midt,
            "stance_counts": {bucket: figure.count for bucket, figure in theme.stances.items()},
        }
        for theme in consolidation.themes
    ]
    source = {row.statement_id: row.submission_text for row in rows}
    citations = [
        {
            "statement_id": quote.statement_id,
            "quote": quote.text,
            "source_text": source.get(quote.statement_id),
        }
        for quote in _quotes(consolidation)
    ]
    context = {
        "themes": list(themes),
        "theme_figures": figures,
        "citations": citations,
        "statement_ids": set(source),
        "share_unit": "fraction",
    }
    return frame, context


def _quotes(consolidation: Any) -> Iterable[Any]:
    for theme in consolidation.themes:
        quotes: Mapping[str, Sequence[Any]] = theme.quotes
        for stance in sorted(quotes):
            yield from quotes[stance]
        for dissent in theme.dissent:
            if dissent.quote is not None:
                yield dissent.quote
