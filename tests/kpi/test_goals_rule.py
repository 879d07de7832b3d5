"""The board's goal rule (top of DESIGN.md) at every boundary, as unit tests of
kpimon.kpi.goals: achieved when all indicators are achieved; partially achieved when more than
half are achieved or partially achieved; otherwise not achieved; an indicator with no value counts
against; no_target indicators are left out; a goal with no indicator that has a value has no
value."""

from __future__ import annotations

import pytest

from kpimon.kpi.goals import goal_status

A, P, N, V, T = "achieved", "partial", "not_achieved", "no_value", "no_target"


@pytest.mark.parametrize(("statuses", "expected"), [
    ([A], A),
    ([A, A, A], A),
    ([A, N], N),                 # exactly half achieved is not more than half
    ([A, A, N, N], N),
    ([A, P, N, N], N),           # half good
    ([A, A, N], P),              # more than half
    ([A, P, N], P),
    ([P, P], P),                 # all partial: more than half good, not all achieved
    ([P], P),
    ([A, A, V], P),              # a no_value among achieved: not all achieved, counts against
    ([A, V], N),                 # ... and may pull it to exactly half
    ([A, A, A, V], P),
    ([N], N),
    ([N, V], N),
    ([T, T], V),                 # no indicator with a target
    ([], V),
    ([V, V], V),                 # all without a value
    ([V, T], V),
    ([A, T], A),                 # no_target is left out
    ([A, N, T, T], N),
    ([A, A, N, T], P),
])
def test_goal_rule(statuses: list[str], expected: str) -> None:
    assert goal_status(statuses) == expected
