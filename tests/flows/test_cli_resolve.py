"""`samordne resolve`: output in text and JSON, exit codes, and no Prefect on the import path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from flows.commands.registry import COMMANDS, resolve


@pytest.mark.parametrize(
    ("args", "exit_code", "expected"),
    [
        (["Bergen kommune"], 0,
         {"status": "matched", "kind": "municipality", "kommunenummer": "4601", "name": "Bergen",
          "score": 100.0, "method": "exact_name", "candidates": []}),
        (["Kristainsand"], 0,
         {"status": "matched", "kommunenummer": "4204", "score": 91.7, "method": "fuzzy"}),
        (["Kristainsand", "--threshold", "95"], 1,
         {"status": "below_threshold", "kommunenummer": None, "candidates": ["4204", "1505"], "method": "fuzzy"}),
        (["Herøy"], 1,
         {"status": "ambiguous", "kind": "unknown", "kommunenummer": None, "candidates": ["1515", "1818"],
          "reason": "«Herøy» er tvetydig: 1515 Herøy (Møre og Romsdal) eller 1818 Herøy (Nordland). "
                    "Oppgi fylke eller e-postdomene."}),
        (["Herøy", "--email", "postmottak@heroy-no.kommune.no"], 0,
         {"status": "matched", "kommunenummer": "1818", "method": "domain", "score": 95.0}),
        (["", "--context", "Med vennlig hilsen", "--context", "Rådgiver, Vinje kommune"], 0,
         {"status": "matched", "kommunenummer": "4036", "name": "Vinje", "method": "context"}),
        (["3024 Bærum"], 0, {"status": "matched", "kommunenummer": "3201", "method": "old_number"}),
        (["KS Agder"], 0,
         {"status": "non_municipal", "kind": "organisation", "name": "KS", "kommunenummer": None}),
        (["Vestland fylkeskommune"], 0,
         {"status": "non_municipal", "kind": "county", "name": "Vestland fylkeskommune"}),
        (["asdfgh"], 1, {"status": "not_found", "kind": "unknown", "candidates": []}),
    ],
)  # fmt: skip
def test_json_output(args: list[str], exit_code: int, expected: dict[str, object]) -> None:
    """--format json prints the resolution; exit 0 for matched / non-municipal, 1 otherwise."""
    result = CliRunner().invoke(resolve, [*args, "--format", "json"])
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.output)
    assert {key: data[key] for key in expected} == expected
    assert data["query"] == args[0]


@pytest.mark.parametrize(
    ("args", "exit_code", "output"),
    [
        (["Bergen"], 0, "matched: 4601 Bergen (score 100.0, method exact_name)\n"),
        (["Legeforeningen"], 0, "non-municipal organisation: Den norske legeforening (method organisation)\n"),
        (["Våler"], 1,
         "ambiguous: 'Våler'\n  candidate: 3114 Våler (Østfold)\n  candidate: 3419 Våler (Innlandet)\n"
         "reason: «Våler» er tvetydig: 3114 Våler (Østfold) eller 3419 Våler (Innlandet). "
         "Oppgi fylke eller e-postdomene.\n"),
        (["Krstnsnd"], 1,
         "below threshold: 'Krstnsnd'\n  candidate: 1505 Kristiansund (Møre og Romsdal)\n"
         "  candidate: 4204 Kristiansand (Agder)\n"
         "reason: «Krstnsnd» ligner på 1505 Kristiansund (Møre og Romsdal) (80), 4204 Kristiansand (Agder) "
         "(80), men ingen når terskelen 88, så ingen kommune er valgt. Rett stavemåten, eller oppgi "
         "kommunenummer eller e-postadresse.\n"),
        ([""], 1,
         "not found: ''\nreason: Avsenderfeltet er tomt, og verken e-postadresse eller signatur peker på en "
         "kommune. Fyll inn kommunenavn eller kommunenummer.\n"),
    ],
)  # fmt: skip
def test_text_output(args: list[str], exit_code: int, output: str) -> None:
    """The default text format shows number, name, score and method, or candidates and the reason."""
    result = CliRunner().invoke(resolve, args)
    assert (result.exit_code, result.output) == (exit_code, output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bergen", "--threshold", "0"], "Invalid value for '--threshold'"),
        (["Bergen", "--threshold", "101"], "Invalid value for '--threshold'"),
        (["Bergen", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_options(args: list[str], message: str) -> None:
    """Out-of-range thresholds and unknown formats are usage errors (exit code 2)."""
    result = CliRunner().invoke(resolve, args)
    assert result.exit_code == 2
    assert message in result.output


def test_commands_list() -> None:
    """The module exposes exactly the resolve command to flows.cli."""
    assert [command.name for command in COMMANDS] == ["resolve"]
    assert COMMANDS[0] is resolve


def test_import_does_not_load_prefect_or_spacy() -> None:
    """Importing the command module and resolving once loads neither Prefect nor spaCy."""
    code = (
        "import sys\n"
        "import flows.commands.registry as r\n"
        "r.default_registry().resolve('Bergen')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'spacy', 'great_expectations'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
