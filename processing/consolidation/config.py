"""Thresholds for consolidation, read from ``processing/consolidation.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "consolidation.toml"
METRICS = ("population_share_outside_midt", "municipality_share_outside_midt")


class ConsolidationConfigError(ValueError):
    """The consolidation config is unreadable or has an invalid value."""


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class ConsolidationConfig:
    min_municipalities: int = 3
    broad_support: float = 0.75
    majority: float = 0.5
    broad_opposition: float = 0.75
    need_similarity: float = 88.0
    quotes_per_stance: int = 3
    targets: tuple[Target, ...] = (
        Target("Minstekrav 50 % av innbyggerne utenfor Midt-Norge", "population_share_outside_midt", 0.50),
        Target("Mål 55 % av innbyggerne utenfor Midt-Norge", "population_share_outside_midt", 0.55),
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_municipalities": self.min_municipalities,
            "broad_support": self.broad_support,
            "majority": self.majority,
            "broad_opposition": self.broad_opposition,
            "need_similarity": self.need_similarity,
            "quotes_per_stance": self.quotes_per_stance,
            "targets": [{"label": t.label, "metric": t.metric, "value": t.value} for t in self.targets],
        }


def _share(section: dict[str, Any], key: str, default: float, where: str) -> float:
    value = section.get(key, default)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConsolidationConfigError(f"{where}: '{key}' must be a share between 0 and 1, got {value!r}")
    return float(value)


def parse_config(text: str, where: str = "consolidation.toml") -> ConsolidationConfig:
    """Parse the TOML text; missing keys keep their defaults, wrong values raise with the key named."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConsolidationConfigError(f"{where}: not valid TOML ({exc})") from exc
    base = ConsolidationConfig()
    consensus = data.get("consensus", {})
    needs = data.get("needs", {})
    quotes = data.get("quotes", {})
    targets = []
    for i, raw in enumerate(data.get("declarations", {}).get("targets", []), start=1):
        metric = raw.get("metric", "")
        if metric not in METRICS:
            raise ConsolidationConfigError(
                f"{where}: declarations.targets #{i}: metric must be one of "
                f"{', '.join(METRICS)}, got {metric!r}"
            )
        targets.append(Target(str(raw.get("label", metric)), metric, _share(raw, "value", 0.5, where)))
    similarity = needs.get("similarity", base.need_similarity)
    if not isinstance(similarity, int | float) or not 0 < similarity <= 100:
        raise ConsolidationConfigError(f"{where}: needs.similarity must be in (0, 100], got {similarity!r}")
    return ConsolidationConfig(
        min_municipalities=int(consensus.get("min_municipalities", base.min_municipalities)),
        broad_support=_share(consensus, "broad_support", base.broad_support, where),
        majority=_share(consensus, "majority", base.majority, where),
        broad_opposition=_share(consensus, "broad_opposition", base.broad_opposition, where),
        need_similarity=float(similarity),
        quotes_per_stance=int(quotes.get("per_stance", base.quotes_per_stance)),
        targets=tuple(targets) if targets else base.targets,
    )


def load_config(path: Path | None = None) -> ConsolidationConfig:
    """The config at ``path`` (default: the shipped ``processing/consolidation.toml``)."""
    path = path or DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConsolidationConfigError(f"{path}: cannot read the consolidation config ({exc})") from exc
    return parse_config(text, str(path.name))
