"""Reference data of the registry: the CSV formats and the records they hold.

Three files, all UTF-8 CSV with a header row (a BOM is tolerated):

* ``kommuner.csv``: the 357 municipalities of the 2024 structure (``Municipality``);
* ``kommune_endringer.csv``: the SSB change table, 2020 number -> 2024 number (``Change``);
* ``organisations.csv``: county authorities and organisations that are not municipalities
  (``Organisation``).

Parsers take the file's text and name (for messages) and raise ``RegistryDataError`` naming
the file, the row and what to fix. ``read_reference_files`` and ``read_package_data`` are the
two loaders ``processing.registry.Registry`` is built from; provenance of the shipped data is in
``data/reference/SOURCES.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from models.records import Municipality, RespondentKind

__all__ = [
    "Change",
    "Organisation",
    "ReferenceData",
    "RegistryDataError",
    "parse_changes",
    "parse_kommuner",
    "parse_organisations",
    "read_package_data",
    "read_reference_files",
]

_MIDT_NORGE_COUNTIES = frozenset({"15", "50"})
_MIDT_NORGE_EXTRA = frozenset({"1811"})  # Bindal (Nordland) is served by Helse Nord-Trøndelag

_KOMMUNER_COLUMNS = (
    "kommunenummer", "navn", "alternative_navn", "fylkesnummer", "fylke", "innbyggere", "helseregion",
    "epost_domene",
)  # fmt: skip
_ENDRINGER_COLUMNS = ("old_kommunenummer", "old_navn", "new_kommunenummer", "new_navn", "gyldig_fra", "type")
_ORG_COLUMNS = ("key", "name", "kind", "aliases", "domains")


class RegistryDataError(ValueError):
    """A reference file is malformed; the message names the file, the row and the fix."""


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the SSB change table (2020 number -> 2024 number)."""

    old_kommunenummer: str
    old_navn: str
    new_kommunenummer: str
    new_navn: str
    gyldig_fra: str
    type: str  # rename, renumber, split, merge


@dataclass(frozen=True, slots=True)
class Organisation:
    """A non-municipal respondent: a county authority or an organisation."""

    key: str
    name: str
    kind: RespondentKind
    aliases: tuple[str, ...]
    domains: tuple[str, ...]


def _rows(text: str, columns: Sequence[str], source: str) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise RegistryDataError(f"{source}: mangler kolonnene {', '.join(missing)} i overskriftsraden")
    for line, row in enumerate(reader, start=2):
        yield line, {c: (row.get(c) or "").strip() for c in columns}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def parse_kommuner(text: str, source: str = "kommuner.csv") -> list[Municipality]:
    """Municipalities from the ``kommuner.csv`` format."""
    result: list[Municipality] = []
    for line, row in _rows(text, _KOMMUNER_COLUMNS, source):
        number = row["kommunenummer"]
        if not re.fullmatch(r"\d{4}", number) or not row["innbyggere"].isdigit():
            raise RegistryDataError(
                f"{source}, rad {line}: kommunenummer må ha 4 sifre og innbyggere være et heltall "
                f"(fant {number!r}, {row['innbyggere']!r})"
            )
        fylkesnummer = row["fylkesnummer"] or number[:2]
        result.append(
            Municipality(
                kommunenummer=number,
                name=row["navn"],
                alt_names=_split(row["alternative_navn"]),
                fylkesnummer=fylkesnummer,
                fylke=row["fylke"],
                population=int(row["innbyggere"]),
                health_region=row["helseregion"],
                domains=_split(row["epost_domene"].lower()),
                outside_midt_norge=fylkesnummer not in _MIDT_NORGE_COUNTIES
                and number not in _MIDT_NORGE_EXTRA,
            )
        )
    return result


def parse_changes(text: str, source: str = "kommune_endringer.csv") -> list[Change]:
    """Rows of the ``kommune_endringer.csv`` change table."""
    return [
        Change(*(row[c] for c in _ENDRINGER_COLUMNS)) for _, row in _rows(text, _ENDRINGER_COLUMNS, source)
    ]


def parse_organisations(text: str, source: str = "organisations.csv") -> list[Organisation]:
    """Non-municipal respondents from the ``organisations.csv`` format."""
    kinds = {"county": RespondentKind.COUNTY, "organisation": RespondentKind.ORGANISATION}
    result = []
    for line, row in _rows(text, _ORG_COLUMNS, source):
        if row["kind"] not in kinds or not row["key"] or not row["name"]:
            raise RegistryDataError(
                f"{source}, rad {line}: key og name må være fylt ut og kind være 'county' eller "
                f"'organisation' (fant kind {row['kind']!r})"
            )
        aliases = (row["name"], *_split(row["aliases"]))
        result.append(
            Organisation(row["key"], row["name"], kinds[row["kind"]], aliases, _split(row["domains"]))
        )
    return result


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """The three reference tables, parsed."""

    municipalities: tuple[Municipality, ...]
    changes: tuple[Change, ...]
    organisations: tuple[Organisation, ...]


def read_reference_files(
    kommuner_csv: str | Path, endringer_csv: str | Path, organisations_csv: str | Path
) -> ReferenceData:
    """The reference tables from files on disk (tests, alternative data)."""
    paths = [Path(p) for p in (kommuner_csv, endringer_csv, organisations_csv)]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    return ReferenceData(
        tuple(parse_kommuner(texts[0], paths[0].name)),
        tuple(parse_changes(texts[1], paths[1].name)),
        tuple(parse_organisations(texts[2], paths[2].name)),
    )


def read_package_data() -> ReferenceData:
    """The reference tables shipped in ``processing/data``."""
    data = resources.files("processing") / "data"
    reference = data / "reference"
    return ReferenceData(
        tuple(parse_kommuner((reference / "kommuner.csv").read_text(encoding="utf-8"))),
        tuple(parse_changes((reference / "kommune_endringer.csv").read_text(encoding="utf-8"))),
        tuple(parse_organisations((data / "organisations.csv").read_text(encoding="utf-8"))),
    )
