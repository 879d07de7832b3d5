"""The one formatter: sv_SE numbers, percents, dates and month names from Babel, English by
choice, targets in the value's unit, and shown precision that never contradicts a status."""

from __future__ import annotations

from datetime import date

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from kpimon.config import LANGUAGES as CONFIG_LANGUAGES
from kpimon.i18n import LANGUAGES, Formatter
from kpimon.kpi.targets import compare

NB = "\u00a0"
SV = Formatter("sv")
EN = Formatter("en")


def test_swedish_numbers_percents_dates() -> None:
    assert SV.value(0.714, "ratio") == f"71,4{NB}%"
    assert SV.value(108539, "count") == f"108{NB}539"
    assert SV.date(date(2026, 12, 4)) == "4 december 2026"
    assert SV.month_name(date(2026, 11, 1)) == "november"
    assert SV.value(7.46, "hours") == f"7,5{NB}h"
    assert SV.value(-823, "kSEK") == format_decimal(-823, locale="sv_SE") + f"{NB}tkr"
    assert SV.value(None, "ratio") == "–"
    assert SV.duration(45 * 60) == f"45{NB}min" and SV.duration(7500) == f"2{NB}h 05{NB}min"


def test_english_by_choice() -> None:
    assert EN.value(0.714, "ratio") == "71.4%"
    assert EN.value(108539, "count") == "108,539"
    assert EN.date(date(2026, 12, 4)) == "4 December 2026"
    assert EN.status("partial") == "◐ partially achieved"
    assert SV.status("partial") == "◐ delvis uppnådd"
    assert SV.status("partial", goal=True) == "◐ uppnås delvis"


def test_targets_in_the_value_unit() -> None:
    assert SV.target(">=", 0.9, "ratio") == f"≥{NB}90{NB}%"
    assert SV.target("<=", 20, "hours") == f"≤{NB}20{NB}h"
    assert SV.target("rise", 0.7113, "ratio") == f"höjning från 71,13{NB}%"
    assert SV.target("fall", None, "ratio") == "sänkning"
    assert EN.target("rise", 71.13, "index") == f"rise from 71.13{NB}index"


def test_a_miss_never_shows_as_the_bound() -> None:
    # 20.003 h misses "<= 20": it must not read 20,0 h.
    assert SV.value(20.003, "hours", 20) == f"20,003{NB}h"
    assert SV.value(0.899999, "ratio", 0.9) == f"89,9999{NB}%"
    assert SV.value(0.9, "ratio", 0.9) == f"90,0{NB}%"  # equal stays short


def _shown(fmt: Formatter, text: str, unit: str) -> float:
    number = text.replace(NB, "").replace("%", "").replace("h", "").replace(",", ".")
    return float(number) / (100 if unit == "ratio" else 1)


@given(value=st.floats(0, 1, allow_nan=False), bound=st.sampled_from([0.5, 0.56, 0.7, 0.9]),
       op=st.sampled_from([">=", "<=", ">", "<"]))
def test_shown_precision_agrees_with_the_status(value: float, bound: float, op: str) -> None:
    shown = _shown(SV, SV.value(value, "ratio", bound), "ratio")
    if abs(value - bound) > 1e-12:
        assert compare(op, shown, bound) == compare(op, value, bound), (value, shown)


@given(value=st.floats(0, 100, allow_nan=False), bound=st.sampled_from([8.0, 20.0, 21.5]))
def test_hours_precision_agrees_with_the_status(value: float, bound: float) -> None:
    shown = _shown(SV, SV.value(value, "hours", bound), "hours")
    if abs(value - bound) > 1e-9:
        assert compare("<=", shown, bound) == compare("<=", value, bound), (value, shown)


def test_languages_agree_with_the_config() -> None:
    assert tuple(CONFIG_LANGUAGES) == tuple(LANGUAGES)
    with pytest.raises(ValueError):
        Formatter("de")
