"""Delimited text (CSV/TSV) decoded and split into a cell grid.

Decoding: a BOM decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8 is
tried first and Windows-1252 second (which also covers ISO-8859-1's letters
æøå); bytes cp1252 leaves undefined fall back to ISO-8859-1. NUL bytes are
dropped, CR-only (old Mac) newlines are read as newlines. The delimiter is
sniffed among ``;`` (Norwegian Excel's default), ``,``, tab and ``|`` by
which one splits the most lines into the same number of fields outside
quotes; quoted cells may span lines. Ragged rows are kept as they are.
What was chosen goes into the notes.
"""

from __future__ import annotations

import csv
import io

from connectors.base import Limits, QuarantineError
from connectors.grid import Cell, Grid

__all__ = ["decode_text", "read_csv_grid", "sniff_delimiter"]

_DELIMITERS = (";", ",", "\t", "|")
_DELIMITER_NAMES = {";": "semikolon", ",": "komma", "\t": "tabulator", "|": "loddrett strek"}
_SNIFF_LINES = 50


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the name of the encoding chosen."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "iso-8859-1"


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > max(8, len(sample) // 10)


def sniff_delimiter(text: str, preferred: str | None = None) -> str:
    """The delimiter that splits the most sample lines consistently (ties: ``;`` first)."""
    if preferred:
        return preferred
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    best, best_score = ";", -1.0
    for delim in _DELIMITERS:
        counts = []
        for line in lines:
            in_quotes, count = False, 0
            for ch in line:
                if ch == '"':
                    in_quotes = not in_quotes
                elif ch == delim and not in_quotes:
                    count += 1
            counts.append(count)
        with_delim = [c for c in counts if c]
        if not with_delim:
            continue
        mode = max(set(with_delim), key=with_delim.count)
        # lines agreeing on the most common field count, weighted by fields per line
        score = with_delim.count(mode) + mode / 100
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_grid(name: str, data: bytes, limits: Limits, kind: str = "csv") -> tuple[Grid, tuple[str, ...]]:
    """The whole file as one grid (sheet name ``""``), with line numbers, plus notes on what was chosen."""
    if _looks_binary(data):
        raise QuarantineError(
            f"fil '{name}': innholdet er binært, ikke tekst med skilletegn – send filen som CSV eller Excel",
            "corrupt",
        )
    text, encoding = decode_text(data)
    notes = [f"tegnkoding: {encoding}"]
    if "\x00" in text:
        text = text.replace("\x00", "")
        notes.append("NUL-tegn fjernet")
    if "\r" in text and "\n" not in text:
        notes.append("linjeskift: kun CR (gammel Mac)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise QuarantineError(f"fil '{name}': filen er tom – send filen på nytt med innhold", "empty")
    delimiter = sniff_delimiter(text, "\t" if kind == "tsv" else None)
    notes.append(f"skilletegn: {_DELIMITER_NAMES[delimiter]}")
    rows: list[tuple[Cell, ...]] = []
    lines: list[int] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start_line = 1
    try:
        for record in reader:
            row = tuple(value.strip() or None for value in record)
            cells += len(row)
            if cells > limits.max_cells:
                raise QuarantineError(
                    f"fil '{name}', linje {start_line}: over grensen på {limits.max_cells} celler "
                    "– del opp filen",
                    "too_large",
                )
            rows.append(row)
            lines.append(start_line)
            start_line = reader.line_num + 1
    except csv.Error as exc:
        raise QuarantineError(
            f"fil '{name}', linje {reader.line_num}: kan ikke lese CSV ({exc}) "
            "– kontroller anførselstegn og lagre på nytt",
            "corrupt",
        ) from None
    return Grid("", tuple(rows), lines=tuple(lines), is_csv=True), tuple(notes)
