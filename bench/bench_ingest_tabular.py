"""Tabular ingest throughput against bare pandas on the same files, measured in the same run.

Run: ``.venv/bin/python bench/bench_ingest_tabular.py [rows]`` (default 20,000 survey responses).
Generates a Nettskjema-like export (respondent, e-mail, date, 4 Likert columns, 2 free-text
columns) as xlsx and as ';' CSV in a temp dir, then times ``TabularConnector().read`` against
``pandas.read_excel(engine="calamine")`` / ``pandas.read_csv`` (best of 3 each) and prints
rows/s, MB/s and the ratio connector time / pandas time.
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from connectors.base import Limits
from connectors.tabular import TabularConnector

HEADERS = [
    "Svar-ID",
    "Innsendt",
    "Hvilken kommune representerer du?",
    "E-post",
    "Akson bør finansieres av staten",
    "Felles journal er viktig",
    "Tidsplanen er realistisk",
    "Kommunen er klar for innføring",
    "Hva er kommunens viktigste behov?",
    "Andre innspill",
]
LIKERT = ["Helt enig", "Delvis enig", "Verken enig eller uenig", "Delvis uenig", "Helt uenig", "Vet ikke"]
KOMMUNER = ["Bergen", "Bodø", "Tromsø", "Ålesund", "Hamar", "Molde", "Voss herad", "Lørenskog"]
WORDS = [
    "kommunen",
    "trenger",
    "mer",
    "tid",
    "opplæring",
    "finansiering",
    "samhandling",
    "journal",
    "fastlegene",
    "løsningen",
    "må",
]


def _rows(n: int) -> list[list[object]]:
    rng = random.Random(7)
    rows: list[list[object]] = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."
        rows.append(
            [
                str(100000 + i),
                f"{rng.randint(1, 28):02d}.03.2025 10:{rng.randint(0, 59):02d}",
                rng.choice(KOMMUNER),
                f"post{i}@example.no",
                *(rng.choice(LIKERT) for _ in range(4)),
                text,
                text[::-1] if i % 3 == 0 else "",
            ]
        )
    return rows


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(n: int) -> None:
    rows = _rows(n)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = Path(tmp) / "svar.csv", Path(tmp) / "svar.xlsx"
        csv_buf = io.StringIO()
        pd.DataFrame(rows, columns=HEADERS).to_csv(csv_buf, sep=";", index=False)
        csv_path.write_bytes(csv_buf.getvalue().encode("cp1252"))
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Svar")
        ws.append(HEADERS)
        for row in rows:
            ws.append(row)
        wb.save(xlsx_path)

        connector, limits = TabularConnector(), Limits()
        for label, path, baseline in (
            ("csv", csv_path, lambda p=csv_path: pd.read_csv(p, sep=";", encoding="cp1252")),
            ("xlsx", xlsx_path, lambda p=xlsx_path: pd.read_excel(p, engine="calamine")),
        ):
            size_mb = path.stat().st_size / 1e6

            def ours(p: Path = path) -> None:
                with p.open("rb") as fp:
                    result = connector.read(p.name, fp, limits)
                assert len(result.submissions) == n

            t_ours, t_base = _best(ours), _best(baseline)
            print(
                f"{label:5s} {n} rows, {size_mb:.1f} MB | connector {t_ours:.3f} s = {n / t_ours:,.0f} rows/s, "
                f"{size_mb / t_ours:.1f} MB/s | pandas {t_base:.3f} s = {n / t_base:,.0f} rows/s, "
                f"{size_mb / t_base:.1f} MB/s | ratio connector/pandas {t_ours / t_base:.2f}x"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
