"""How a hand-entered number is read, by `kpimon record` and the manual CSV drop alike
(kpimon.sources.manual.parse_value)."""

from __future__ import annotations

import pytest

from kpimon.sources.manual import parse_value


@pytest.mark.parametrize(("text", "value"), [
    ("71.13", 71.13),
    ("71,13", 71.13),
    (" 55 ", 55.0),
    ("-823", -823.0),
    ("\u2212823", -823.0),          # the typographic minus of a word processor
    ("+4", 4.0),
    ("1 250", 1250.0),
    ("1\u00a0250,5", 1250.5),       # a non-breaking space as thousands separator
    ("6,58 %", 0.0658),
    ("6.58%", 0.0658),
    ("0", 0.0),
    (",5", 0.5),
])
def test_numbers(text: str, value: float) -> None:
    assert parse_value(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1.234,5", "1,234.5", "nan", "inf", "1e5", "5 kr",
                                  "--5", "%"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(ValueError):
        parse_value(text)
