"""forecast (§9): what share of the rest of a running period must be met to end on target."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.config import parse_config
from kpimon.kpi.engine import IndicatorOutcome, forecast
from kpimon.kpi.indicators.base import Figures
from kpimon.periods import parse_period

TZ = ZoneInfo("Europe/Stockholm")


def _outcome(target: str, num: float, den: float) -> IndicatorOutcome:
    cfg = parse_config({"indicators": [{"id": "x", "kind": "first_line_share",
                                        "target": target}]}, env={})
    return IndicatorOutcome(cfg.indicators[0], Figures(num / den if den else None, num, den),
                            "not_achieved")


def test_halfway_through_a_period() -> None:
    period = parse_period("2020-04", TZ)  # 30 days; at the middle, 50 of an expected 100
    at = datetime(2020, 4, 15, 22, 0, tzinfo=UTC)  # 16 April 00:00 local: 15 of 30 days
    got = forecast(_outcome(">= 0.70", 30, 50), period, at)
    assert got is not None
    # expected 100 in all; 70 needed, 30 met: 40 of the remaining 50.
    assert got["required_share"] == pytest.approx(0.8) and got["reachable"] is True
    got = forecast(_outcome(">= 0.70", 10, 50), period, at)
    assert got == {"required_share": 1.0, "reachable": False}


def test_none_where_it_does_not_apply() -> None:
    period = parse_period("2020-04", TZ)
    after = datetime(2020, 6, 1, tzinfo=UTC)
    assert forecast(_outcome(">= 0.70", 30, 50), period, after) is None  # period over
    during = datetime(2020, 4, 15, 22, 0, tzinfo=UTC)
    assert forecast(_outcome("rise", 30, 50), period, during) is None  # relative target
    assert forecast(_outcome(">= 0.70", 0, 0), period, during) is None  # nothing yet
