"""Norwegian date parsing for survey exports and templates (pure).

Accepts what municipal staff and survey tools actually write: ``12.03.2020``,
``12.3.20``, ``12. mars 2020``, ``12. mar. 2020``, ``2020-03-12`` (with or
without a time part), ``12/03/2020``, bokmål and nynorsk month names, Python
``date``/``datetime`` objects and Excel serial numbers (1900 system).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

__all__ = ["parse_norwegian_date"]

# Month names and common abbreviations, bokmål and nynorsk (the sets overlap).
_MONTHS: dict[str, int] = {
    "januar": 1, "jan": 1,
    "februar": 2, "feb": 2, "febr": 2,
    "mars": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "desember": 12, "des": 12,
}  # fmt: skip

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][0-9:.+\-z]*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{2}|\d{4})(?:\s+(?:kl\.?\s*)?[0-9:.]+)?$")
_WORDS = re.compile(r"^(\d{1,2})\.?\s+([a-zæøå]+)\.?\s+(\d{4})$")
# Excel serial day 1 is 1900-01-01 but Excel counts a non-existent 1900-02-29,
# so serials from 61 on map from 1899-12-30; accept the plausible range only.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 61, 2_958_465  # 1900-03-01 .. 9999-12-31


def _two_digit_year(year: int) -> int:
    # A survey answered in this programme is from this century.
    return 2000 + year if year < 100 else year


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_norwegian_date(value: object) -> date | None:
    """Return the date ``value`` denotes, or ``None`` when it is not a recognisable date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().lower().split())
    if not text or len(text) > 40:
        return None
    if match := _ISO.match(text):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.match(text):
        return _make(_two_digit_year(int(match[3])), int(match[2]), int(match[1]))
    if match := _WORDS.match(text):
        month = _MONTHS.get(match[2])
        if month is None:
            return None
        return _make(int(match[3]), month, int(match[1]))
    if text.isdigit():
        return parse_norwegian_date(int(text))
    return None
