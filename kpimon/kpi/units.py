"""Base units (docs/operations.md): metrics carry every figure as a ratio 0–1, seconds or a count,
whatever an indicator's display `unit`, so changing `unit = "hours"` never rescales a series
that dashboards and rules are built on. The display unit is for the CLI, the JSON, the page,
the report and mail.

A duration shown in minutes, hours or days is exported in seconds; every other unit (ratio,
count, and a manual indicator's own, e.g. kSEK) is its own base unit.
"""

from __future__ import annotations

from kpimon.config import DURATION_UNITS, IndicatorConfig


def base_unit(ind: IndicatorConfig) -> str:
    """The unit of the indicator's metric values."""
    return "seconds" if ind.unit in DURATION_UNITS else ind.unit


def to_base(value: float | None, ind: IndicatorConfig) -> float | None:
    """A value (or a mean's sum) in the indicator's display unit, in its base unit."""
    if value is None:
        return None
    return float(value) * DURATION_UNITS.get(ind.unit, 1)
