"""The board's rule for goals (docs/indicators.md, "Goals").

A goal is achieved when all its indicators are achieved; partially achieved when more than half
of them are achieved or partially achieved; otherwise not achieved. An indicator with no value
counts against; one with no target is left out. A goal with no indicator left that has a value
has no value.
"""

from __future__ import annotations

from collections.abc import Sequence


def goal_status(statuses: Sequence[str]) -> str:
    considered = [s for s in statuses if s != "no_target"]
    if not considered or all(s == "no_value" for s in considered):
        return "no_value"
    if all(s == "achieved" for s in considered):
        return "achieved"
    good = sum(1 for s in considered if s in ("achieved", "partial"))
    if good * 2 > len(considered):
        return "partial"
    return "not_achieved"
