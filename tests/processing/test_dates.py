"""Norwegian date parsing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from processing.dates import parse_norwegian_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.03.2020", date(2020, 3, 12)),
        ("12.3.20", date(2020, 3, 12)),
        ("1.1.2021", date(2021, 1, 1)),
        ("12. mars 2020", date(2020, 3, 12)),
        ("12. mar. 2020", date(2020, 3, 12)),
        ("12 MARS 2020", date(2020, 3, 12)),
        ("3. januar 2025", date(2025, 1, 3)),
        ("17. mai 2024", date(2024, 5, 17)),
        ("1. des. 2023", date(2023, 12, 1)),
        ("2020-03-12", date(2020, 3, 12)),
        ("2020-03-12T14:05:00", date(2020, 3, 12)),
        ("2020-03-12 14:05", date(2020, 3, 12)),
        ("12/03/2020", date(2020, 3, 12)),
        ("12.03.2025 14:05", date(2025, 3, 12)),
        ("  12.03.2020  ", date(2020, 3, 12)),
        (datetime(2024, 5, 6, 7, 8), date(2024, 5, 6)),
        (date(2024, 5, 6), date(2024, 5, 6)),
        (45728, date(2025, 3, 12)),
        (45728.75, date(2025, 3, 12)),
        ("45728", date(2025, 3, 12)),
        ("31.02.2020", None),
        ("12. marsj 2020", None),
        ("i går", None),
        ("", None),
        (None, None),
        (True, None),
        (12, None),
        ("2020-13-01", None),
    ],
)
def test_parse_norwegian_date(value: object, expected: date | None) -> None:
    """Accepted spellings give the date; impossible dates and non-dates give None."""
    assert parse_norwegian_date(value) == expected
