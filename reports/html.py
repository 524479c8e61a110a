"""The HTML delivery to the Directorate (bokmål), rendered from ``Consolidation.to_dict()``.

Jinja2 with autoescape on: statement text is untrusted and is always escaped.
Charts are PNG data URIs, so the file is self-contained. Quotes and need texts are
already redacted by consolidation; nothing else from the statements is shown.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reports.charts import STANCE_LABELS, coverage_by_county_png, data_uri, stance_by_theme_png
from reports.workbook import CHANNEL_LABELS, as_dict

MAX_NEEDS = 25
MAX_NON_SIGNERS = 25
MAX_DISSENT = 12  # per theme in the report; the full list is in the workbook and the JSON
FIGURE_LABELS = {
    "raised.count": "kommuner som tar opp temaet",
    "raised.share_national": "andel av befolkningen",
    "with_position.count": "kommuner med standpunkt",
    "for_share": "andel for",
    "consensus": "konsensus",
    **{f"stances.{k}.count": f"antall «{v.lower()}»" for k, v in STANCE_LABELS.items()},
}


def num(value: Any) -> str:
    """Thousands with a narrow no-break space, as Norwegian typography writes them (717 710)."""
    if value is None:
        return "–"
    return f"{int(value):,}".replace(",", "\u00a0")


def pct(value: Any) -> str:
    """A fraction as a Norwegian percentage with one decimal (0.2782 -> 27,8 %)."""
    if value is None:
        return "–"
    return f"{100 * float(value):.1f}".replace(".", ",") + "\u00a0%"


def _value(value: Any) -> str:
    if isinstance(value, float):
        return pct(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return num(value)
    return "–" if value is None else str(value)


def _environment(theme_labels: dict[str, str]) -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html", "j2", "html.j2"], default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = num
    env.filters["pct"] = pct
    env.filters["value"] = _value
    env.filters["stance"] = lambda s: STANCE_LABELS.get(s, s or "–").lower()
    env.filters["theme"] = lambda t: theme_labels.get(t, t)
    env.filters["channel"] = lambda c: CHANNEL_LABELS.get(c, c)
    env.filters["figure"] = lambda f: FIGURE_LABELS.get(f, f)
    return env


def render_html(consolidation: Any) -> str:
    """The delivery report as one self-contained HTML document."""
    data = as_dict(consolidation)
    theme_labels = {t["theme"]: t["label"] for t in data["themes"]}
    env = _environment(theme_labels)
    template = env.get_template("rapport.html.j2")
    cov = data["coverage"]
    return template.render(
        generated_from=sorted((str(k), str(v)) for k, v in data.get("generated_from", {}).items()),
        reference_date="1.1.2024",
        totals=data["totals"],
        config=data["config"],
        cov=cov,
        channels=[(CHANNEL_LABELS.get(k, k), v) for k, v in sorted(cov["by_channel"].items())],
        themes=[
            {
                **t,
                "dissent_shown": t["dissent"][:MAX_DISSENT],
                "dissent_hidden": max(0, len(t["dissent"]) - MAX_DISSENT),
            }
            for t in data["themes"]
        ],
        needs=data["needs"][:MAX_NEEDS],
        needs_hidden=max(0, len(data["needs"]) - MAX_NEEDS),
        decl=data["declarations"],
        non_signers=data["declarations"]["non_signers_outside_midt"][:MAX_NON_SIGNERS],
        others=data["other_respondents"],
        unresolved=data["unresolved"],
        changes=data["changes"],
        stance_chart=data_uri(stance_by_theme_png(data)),
        coverage_chart=data_uri(coverage_by_county_png(data)),
    )
