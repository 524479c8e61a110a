"""CLI: `samordne evaluate`, `classify`, and the Prefect-free import of flows.commands.nlp."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connectors.db import Store
from connectors.review import Correction, apply_corrections, statement_fingerprint
from flows.commands.nlp import COMMANDS, classify, evaluate, train

CSV = (
    "text,type,stance,theme\n"
    "Kommunen trenger mer opplæring av de ansatte.,need,,innforing\n"
    "Vi er imot betalingsplikten for kommunene.,position,oppose,finansiering\n"
    '"Vi støtter forslaget, forutsatt at staten betaler.",position,conditional,finansiering\n'
    "Kommunestyret behandlet saken i mai.,other,,styring\n"
)


def _in_unit(value: object) -> bool:
    return isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0


def test_commands_listed() -> None:
    """The module exposes the three commands for flows.cli."""
    assert [c.name for c in COMMANDS] == ["train", "evaluate", "classify"]


def test_evaluate_json_structure(tmp_path: Path) -> None:
    """evaluate --format json prints one object with type/theme/stance metric blocks in [0, 1]."""
    path = tmp_path / "gold.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(evaluate, [str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"type", "theme", "stance"}
    for head, block in data.items():
        assert set(block) == {"macro_f1", "accuracy", "per_label", "confusion"}, head
        assert _in_unit(block["macro_f1"]) and _in_unit(block["accuracy"])
        for row in block["per_label"].values():
            assert set(row) == {"precision", "recall", "f1", "support"}
            assert all(_in_unit(row[k]) for k in ("precision", "recall", "f1"))
    assert sum(r["support"] for r in data["type"]["per_label"].values()) == 4
    assert sum(r["support"] for r in data["stance"]["per_label"].values()) == 2


def test_evaluate_table(tmp_path: Path) -> None:
    """Without --format json the scores print as readable tables."""
    path = tmp_path / "gold.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(evaluate, [str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("type: macro-F1 ")
    assert "theme: macro-F1 " in result.output and "stance: macro-F1 " in result.output


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [("text,type,stance,theme\nA,krav,,annet\n", "Error: fil 'bad.csv', rad 2: type 'krav' er ukjent")],
)
def test_evaluate_bad_csv(tmp_path: Path, csv_text: str, message: str) -> None:
    """A bad CSV exits 1 with the row-level message."""
    path = tmp_path / "bad.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = CliRunner().invoke(evaluate, [str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(message)


def test_evaluate_requires_path() -> None:
    """evaluate without PATH and without --cross-validate is an error."""
    result = CliRunner().invoke(evaluate, [])
    assert result.exit_code == 1
    assert "PATH.csv is required unless --cross-validate is given" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kommunen trenger mer opplæring av de ansatte før innføringen.", "type:   need (Behov)"),
        ("Vi er sterkt imot at kommunene skal betale for løsningen.", "stance: oppose (Imot)"),
    ],
)
def test_classify_prints_labels(text: str, expected: str) -> None:
    """classify prints type, theme (with bokmål labels), stance for positions, and the model."""
    result = CliRunner().invoke(classify, [text])
    assert result.exit_code == 0, result.output
    assert expected in result.output
    assert "theme:  " in result.output and "model:  samordne-nb-" in result.output


def test_classify_json() -> None:
    """classify --format json prints labels with confidences."""
    result = CliRunner().invoke(classify, ["Vi støtter forslaget.", "--format", "json"])
    data = json.loads(result.output)
    assert set(data) == {
        "type", "type_confidence", "theme", "theme_confidence", "stance", "stance_confidence",
        "needs_review", "review_reasons", "model_version",
    }  # fmt: skip
    assert _in_unit(data["type_confidence"]) and _in_unit(data["theme_confidence"])


def test_import_does_not_load_prefect() -> None:
    """Importing the nlp commands (and running classify) never imports prefect."""
    code = (
        "import sys, flows.commands.nlp as m\n"
        "from click.testing import CliRunner\n"
        "r = CliRunner().invoke(m.classify, ['Vi trenger midler.'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _review_data() -> Any:
    path = Path(__file__).resolve().parents[1] / "connectors" / "review_data.py"
    spec = importlib.util.spec_from_file_location("review_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("review_data", module)
    spec.loader.exec_module(module)
    return module


# statement order in review_data -> corrected labels (type, theme, stance)
OVERRIDES: dict[int, tuple[str, str, str | None]] = {
    0: ("position", "styring", "support"),
    3: ("need", "fremdrift", None),
    5: ("other", "marked", None),
}


@pytest.mark.parametrize(("overrides", "used"), [(OVERRIDES, 3), ({}, 0)])
def test_train_with_corrections(
    sqlite_url: str, tmp_path: Path, overrides: dict[int, tuple[str, str, str | None]], used: int
) -> None:
    """train --with-corrections reads the overrides from the store, prints their count and trains on them."""
    with Store.open(sqlite_url) as store:
        _review_data().load(store)
        rows = store.statement_rows()
        batch = [
            Correction(rows[i].statement_id, statement_fingerprint(rows[i].text, rows[i].start, rows[i].end),
                       f"rad {i + 2}", type=kind, theme=theme, stance=stance)
            for i, (kind, theme, stance) in overrides.items()
        ]  # fmt: skip
        if batch:
            apply_corrections(store, batch, "Kari", "b" * 64)
    out = tmp_path / "model"
    args = ["--out", str(out), "--no-shared", "--no-card", "--epochs", "1", "--with-corrections"]
    result = CliRunner().invoke(train, [*args, "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert f"corrections used: {used}\n" in result.output
    report = json.loads(result.stdout)
    assert report["extra"] == used and report["sources"]["extra"] == used
    assert report["options"]["epochs"] == 1
    assert (out / "meta.json").is_file()
    labels = CliRunner().invoke(classify, ["Vi trenger midler.", "--model", str(out), "--format", "json"])
    assert json.loads(labels.stdout)["model_version"] == report["version"]
