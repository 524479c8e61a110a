"""Data-quality report: a JSON-able summary (the workbook's ``Datakvalitet`` sheet) and an HTML page.

Both take the validation results as stored per run (``ValidationOutcome.to_json()``)
or the outcome object itself; this module reads only that JSON shape, so
``reports`` does not import ``processing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import jinja2

MAX_ROWS_SHOWN = 50  # ids per failed expectation on the HTML page; the JSON keeps all


class _HasToJson(Protocol):
    def to_json(self) -> dict[str, Any]: ...


Results = Mapping[str, Any] | _HasToJson


def _as_json(results: Results) -> Mapping[str, Any]:
    if isinstance(results, Mapping):
        return results
    return results.to_json()


def quality_summary(results: Results) -> dict[str, Any]:
    """Suites with their failed expectations, and every quarantined row with its reason (bokmål)."""
    data = _as_json(results)
    suites = []
    for suite in data.get("suites", []):
        failed = []
        missing = list(suite.get("missing_columns") or [])
        if missing:
            failed.append({
                "expectation": "påkrevde kolonner",
                "column": ", ".join(missing),
                "unexpected_count": 0,
                "rows": [],
                "reason": f"tabellen mangler kolonnene {', '.join(missing)} – kontrollene ble ikke kjørt",
            })  # fmt: skip
        for exp in suite.get("expectations", []):
            if exp.get("success"):
                continue
            reason = str(exp.get("reason", ""))
            if exp.get("error"):
                reason = f"{reason} (kontrollen kunne ikke kjøres: {exp['error']})"
            failed.append({
                "expectation": exp.get("expectation"),
                "column": exp.get("column", ""),
                "unexpected_count": int(exp.get("unexpected_count") or 0),
                "rows": list(exp.get("rows") or []),
                "reason": reason,
            })  # fmt: skip
        suites.append({
            "name": suite.get("name"),
            "success": bool(suite.get("success")),
            "evaluated": int(suite.get("evaluated") or 0),
            "failed": failed,
        })  # fmt: skip
    return {
        "suite_version": data.get("suite_version"),
        "success": bool(data.get("success", all(s["success"] for s in suites))),
        "blocking_failures": list(data.get("blocking_failures") or []),
        "suites": suites,
        "quarantined_rows": [
            {"table": q.get("table"), "id": q.get("id"), "reason": q.get("reason")}
            for q in data.get("quarantined_rows", [])
        ],
    }


_TABLE_NAMES = {"submissions": "innspill", "statements": "utsagn", "consolidated": "konsolidert resultat"}

_TEMPLATE = """<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Datakvalitet</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #1a1a1a; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #c8c8c8; padding: 0.35em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
.ok { color: #1b6e1b; font-weight: bold; } .feil { color: #a11212; font-weight: bold; }
.stopp { background: #fbeaea; border-left: 4px solid #a11212; padding: 0.6em 1em; }
code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>Datakvalitet</h1>
<p>Kontrollversjon {{ s.suite_version or "ukjent" }}.
{% if s.success %}<span class="ok">Alle kontroller er bestått.</span>
{% else %}<span class="feil">Noen kontroller feilet.</span>{% endif %}</p>
{% if s.blocking_failures %}
<div class="stopp"><p><strong>Kjøringen er stoppet.</strong> Det som allerede er lest inn, er tatt vare på.
Rett feilene under og kjør på nytt.</p>
<ul>{% for line in s.blocking_failures %}<li>{{ line }}</li>{% endfor %}</ul></div>
{% endif %}
<h2>Kontroller</h2>
<table>
<tr><th>Kontroll</th><th>Resultat</th><th>Antall forventninger</th><th>Feilet</th></tr>
{% for suite in s.suites %}
<tr><td>{{ table_name(suite.name) }}</td>
<td>{% if suite.success %}<span class="ok">bestått</span>{% else %}<span class="feil">feilet</span>{% endif %}</td>
<td>{{ suite.evaluated }}</td><td>{{ suite.failed | length }}</td></tr>
{% endfor %}
</table>
{% for suite in s.suites if suite.failed %}
<h2>Feil i {{ table_name(suite.name) }}</h2>
<table>
<tr><th>Forventning</th><th>Kolonne</th><th>Antall rader</th><th>Rader (id)</th><th>Årsak og retting</th></tr>
{% for f in suite.failed %}
<tr><td><code>{{ f.expectation }}</code></td><td>{{ f.column }}</td><td>{{ f.unexpected_count }}</td>
<td>{{ f.rows[:max_rows] | join(", ") }}{% if f.rows | length > max_rows %} … og {{ f.rows | length - max_rows }} til{% endif %}</td>
<td>{{ f.reason }}</td></tr>
{% endfor %}
</table>
{% endfor %}
<h2>Rader i karantene</h2>
{% if s.quarantined_rows %}
<p>{{ s.quarantined_rows | length }} rad(er) er satt i karantene. De er lagret og synlige, men telles ikke med.</p>
<table>
<tr><th>Tabell</th><th>Id</th><th>Årsak</th></tr>
{% for q in s.quarantined_rows %}
<tr><td>{{ table_name(q.table) }}</td><td>{{ q.id }}</td><td>{{ q.reason }}</td></tr>
{% endfor %}
</table>
{% else %}
<p>Ingen rader er satt i karantene.</p>
{% endif %}
</body>
</html>
"""

_ENV = jinja2.Environment(
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
)


def render_quality_html(results: Results) -> str:
    """A readable bokmål page: overall status, blocking failures, failed expectations, quarantined rows."""
    template = _ENV.from_string(_TEMPLATE)
    return template.render(
        s=quality_summary(results),
        max_rows=MAX_ROWS_SHOWN,
        table_name=lambda name: _TABLE_NAMES.get(str(name), str(name)),
    )
