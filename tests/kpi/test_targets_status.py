"""Targets and statuses (DESIGN §7 "Targets"), as unit tests of kpimon.kpi.targets.

Absolute comparisons; `rise from X` / `fall from X` (equal is partial); bare `rise` / `fall`
against the previous period's value (no baseline: no value); `partial` as a second comparison;
and the precedence no_target → no_value → comparison.
"""

from __future__ import annotations

import pytest

from kpimon.config import IndicatorConfig, parse_target
from kpimon.kpi.targets import absolute_target, status


def ind(target: str | None, partial: str | None = None) -> IndicatorConfig:
    return IndicatorConfig(id="x", name="x", kind="manual", unit="count",
                           target=parse_target(target) if target else None,
                           partial=parse_target(partial) if partial else None)


@pytest.mark.parametrize(("target", "value", "expected"), [
    (">= 0.90", 0.95, "achieved"),
    (">= 0.90", 0.90, "achieved"),
    (">= 0.90", 0.8999, "not_achieved"),
    (">= 0.6", 3 / 5, "achieved"),        # 0.6 computed as 3/5 meets ">= 0.6"
    (">= 0.56", 9 / 16, "achieved"),
    ("<= 20", 20.0, "achieved"),
    ("<= 20", 19.5, "achieved"),
    ("<= 20", 20.01, "not_achieved"),
    ("<= 0", 0.0, "achieved"),
    ("<= 0", 1.0, "not_achieved"),
    (">= 1", 1.0, "achieved"),             # environmental certification held
    (">= 0", -823.0, "not_achieved"),      # the budget result in kSEK
    ("> 5", 5.0, "not_achieved"),
    ("< 5", 4.0, "achieved"),
])
def test_absolute(target: str, value: float, expected: str) -> None:
    assert status(ind(target), value) == expected


@pytest.mark.parametrize(("target", "value", "expected"), [
    ("rise from 71.13", 71.13, "partial"),      # equal to the baseline: partial
    ("rise from 71.13", 72.0, "achieved"),
    ("rise from 71.13", 55.0, "not_achieved"),
    ("fall from 0.07", 0.0658, "achieved"),
    ("fall from 0.07", 0.07, "partial"),
    ("fall from 0.07", 0.08, "not_achieved"),
    ("rise from 0", 0.0, "partial"),
    ("fall from -1.5", -2.0, "achieved"),
])
def test_relative_to_a_fixed_baseline(target: str, value: float, expected: str) -> None:
    # A fixed baseline ignores the previous period's value.
    assert status(ind(target), value, baseline=1000.0) == expected
    assert status(ind(target), value, baseline=None) == expected


def test_below_the_baseline_is_partial_by_the_partial_comparison() -> None:
    assert status(ind("rise from 71.13", ">= 65"), 70.0) == "partial"
    assert status(ind("rise from 71.13", ">= 65"), 60.0) == "not_achieved"
    assert status(ind("fall from 0.07", "<= 0.075"), 0.072) == "partial"
    assert status(ind(">= 0.90", ">= 0.80"), 0.85) == "partial"
    assert status(ind(">= 0.90", ">= 0.80"), 0.95) == "achieved"
    assert status(ind(">= 0.90", ">= 0.80"), 0.75) == "not_achieved"


@pytest.mark.parametrize(("target", "value", "baseline", "expected"), [
    ("rise", 0.6, 0.5, "achieved"),
    ("rise", 0.5, 0.5, "partial"),
    ("rise", 0.4, 0.5, "not_achieved"),
    ("fall", 20.0, 21.0, "achieved"),
    ("fall", 21.0, 21.0, "partial"),
    ("fall", 22.0, 21.0, "not_achieved"),
    ("rise", 0.6, None, "no_value"),    # no previous period in the store: no baseline
    ("fall", 20.0, None, "no_value"),
    ("rise", 0.0, 0.0, "partial"),      # a baseline of 0 is a baseline
])
def test_bare_rise_and_fall(target: str, value: float, baseline: float | None,
                            expected: str) -> None:
    assert status(ind(target), value, baseline) == expected


def test_precedence() -> None:
    assert status(ind(None), None) == "no_target"
    assert status(ind(None), 0.5, 0.4) == "no_target"
    assert status(ind(">= 0.9"), None) == "no_value"
    assert status(ind("rise"), None, 0.5) == "no_value"
    assert status(ind("rise from 71.13"), None) == "no_value"
    assert status(ind("rise", ">= 0.1"), 0.5, None) == "no_value"  # partial needs a baseline too


def test_absolute_target_is_exported_for_absolute_targets_only() -> None:
    assert absolute_target(ind(">= 0.90")) == 0.90
    assert absolute_target(ind("<= 20")) == 20.0
    assert absolute_target(ind("rise from 71.13")) is None
    assert absolute_target(ind("rise")) is None
    assert absolute_target(ind(None)) is None


@pytest.mark.parametrize("text", ["about 5", "rise from", "> = 3", "90 %", "rise by 2", ""])
def test_unreadable_targets(text: str) -> None:
    with pytest.raises(ValueError):
        parse_target(text)


def test_target_text_is_kept() -> None:
    t = parse_target("rise from 71.13")
    assert (t.op, t.number, t.text, t.relative) == ("rise", 71.13, "rise from 71.13", True)
    t = parse_target(">=0.9")
    assert (t.op, t.number, t.relative) == (">=", 0.9, False)
