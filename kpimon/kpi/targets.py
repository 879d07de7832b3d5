"""Targets and statuses (docs/indicators.md "Targets"): achieved, partial or not achieved.

Precedence: `no_target` when the indicator has none (informational, left out of goals), else
`no_value` (no population, or no baseline for a bare rise/fall), else the comparison. For
`rise from X` / `fall from X` an equal value is partial; `partial` is a second comparison.
"""

from __future__ import annotations

from kpimon.config import IndicatorConfig, Target

EPSILON = 1e-12  # 0.6 computed as 3/5 must meet ">= 0.6"

STATUSES = ("achieved", "partial", "not_achieved", "no_value", "no_target")
SYMBOLS = {"achieved": "●", "partial": "◐", "not_achieved": "○", "no_value": "–",
           "no_target": " "}
WORDS = {"achieved": "achieved", "partial": "partially achieved",
         "not_achieved": "not achieved", "no_value": "no value", "no_target": "no target"}


def compare(op: str, value: float, bound: float) -> bool:
    if op == ">=":
        return value >= bound - EPSILON
    if op == "<=":
        return value <= bound + EPSILON
    if op == ">":
        return value > bound + EPSILON
    if op == "<":
        return value < bound - EPSILON
    raise ValueError(op)


def baseline_of(target: Target, previous_period_value: float | None) -> float | None:
    """The number a relative target compares with: its own, or the previous period's value."""
    return target.number if target.number is not None else previous_period_value


def status(ind: IndicatorConfig, value: float | None, baseline: float | None = None) -> str:
    """The status of a value against the indicator's target (see the module docstring)."""
    target = ind.target
    if target is None:
        return "no_target"
    if value is None:
        return "no_value"
    if target.relative:
        base = baseline_of(target, baseline)
        if base is None:
            return "no_value"
        if abs(value - base) <= EPSILON:
            return "partial"
        if (value > base) == (target.op == "rise"):
            return "achieved"
    elif target.number is not None and compare(target.op, value, target.number):
        return "achieved"
    if ind.partial is not None and ind.partial.number is not None \
            and compare(ind.partial.op, value, ind.partial.number):
        return "partial"
    return "not_achieved"


def absolute_target(ind: IndicatorConfig) -> float | None:
    """The target bound for `kpimon_indicator_target` (absolute targets only)."""
    t = ind.target
    return t.number if t is not None and not t.relative else None
