"""Labelled examples and the CSV reader shared by training, evaluation and the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from processing.taxonomy import load_taxonomy

SEED_CSV = Path(__file__).with_name("seed.csv")
SHARED_DEV_RELATIVE = Path("shared") / "reference" / "real_statements_dev.csv"


class DataError(ValueError):
    """A labelled CSV row is unusable; the message names file, row and fix."""


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One labelled statement; ``stance`` is None unless ``type`` is ``position``."""

    text: str
    type: str
    theme: str
    stance: str | None = None
    group: str = ""  # source page / document; cross-validation keeps a group in one fold
    lang: str = ""
    origin: str = ""


def default_shared_dev() -> Path | None:
    """``../shared/reference/real_statements_dev.csv`` beside the repository, when present."""
    repo = Path(__file__).resolve().parents[2]
    candidate = repo.parent / SHARED_DEV_RELATIVE
    return candidate if candidate.is_file() else None


def parse_labelled_csv(text: str, where: str) -> list[LabelledExample]:
    """Parse ``text,type,stance,theme`` CSV (extra columns allowed); label variants are normalised."""
    taxonomy = load_taxonomy()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("text", "type", "theme") if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(
            f"fil '{where}': kolonnen/kolonnene {', '.join(missing)} mangler – legg dem til i første rad"
        )
    out: list[LabelledExample] = []
    for row_no, row in enumerate(reader, start=2):
        text = (row.get("text") or "").strip()
        if not text:
            raise DataError(
                f"fil '{where}', rad {row_no}: kolonnen 'text' er tom – fyll den inn eller fjern raden"
            )
        type_key = taxonomy.normalise_type(row.get("type") or "")
        if type_key is None:
            raise DataError(
                f"fil '{where}', rad {row_no}: type '{row.get('type')}' er ukjent – bruk need, position eller other"
            )
        theme = taxonomy.normalise(row.get("theme") or "")
        if theme is None:
            raise DataError(
                f"fil '{where}', rad {row_no}: tema '{row.get('theme')}' er ukjent – bruk en av "
                f"{', '.join(taxonomy.keys)}"
            )
        raw_stance = (row.get("stance") or "").strip()
        stance = taxonomy.normalise_stance(raw_stance) if raw_stance else None
        if raw_stance and stance is None:
            raise DataError(
                f"fil '{where}', rad {row_no}: holdning '{raw_stance}' er ukjent – bruk support, oppose, "
                "conditional eller neutral"
            )
        if type_key == "position" and stance is None:
            raise DataError(
                f"fil '{where}', rad {row_no}: en posisjon må ha holdning – fyll inn kolonnen 'stance'"
            )
        if type_key != "position":
            stance = None
        group = (row.get("source_url") or row.get("group") or "").strip()
        out.append(
            LabelledExample(
                text=text,
                type=type_key,
                theme=theme,
                stance=stance,
                group=group,
                lang=(row.get("lang") or "").strip(),
                origin=(row.get("origin") or "").strip(),
            )
        )
    return out


def read_labelled_csv(path: Path) -> list[LabelledExample]:
    """Read a labelled CSV file (UTF-8, optional BOM)."""
    return parse_labelled_csv(path.read_text(encoding="utf-8-sig"), where=path.name)


def read_seed() -> list[LabelledExample]:
    return read_labelled_csv(SEED_CSV)


def count_by(rows: Iterable[LabelledExample], attr: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        value = getattr(row, attr)
        if value is not None and value != "":
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
