"""The names behind the ids (DESIGN §8, §11a): `kpimon_indicator_info` has one series per
indicator with its name, kind, the unit of its metric values and the comma-joined goals that
include it ("" for none); `kpimon_goal_info` names each goal; `kpimon_indicator_baseline` is
what a rise/fall target compares with and `kpimon_indicator_target` the absolute bound, both
in base units."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from kpimon.config import Config, parse_config
from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.indicators.base import Figures
from kpimon.periods import month, year
from kpimon.web.snapshot import Snapshot, SourceExtras, build_metrics
from tests.web.golden import Series, exposition_of, parse_exposition, sample

INDICATORS = [
    {"id": "handling", "name": "Handläggningstid", "kind": "handling_time", "unit": "hours",
     "target": "<= 20"},
    {"id": "acute", "name": "Akuta inom 30 min", "kind": "response_within", "threshold": "30m",
     "target": "rise"},
    {"id": "hme", "name": "HME", "kind": "manual", "unit": "index",
     "target": "rise from 71.13"},
    {"id": "wait", "name": "Väntetid", "kind": "call_average_wait", "unit": "minutes",
     "target": "fall"},
    {"id": "oldest", "kind": "oldest_open_age", "unit": "days"},
]
GOALS = [{"id": "service", "name": "Ge god service", "indicators": ["handling", "acute"]},
         {"id": "samverkan", "name": "Ökad samverkan", "indicators": ["hme", "acute"]}]


def _config() -> Config:
    return parse_config({"database": "sqlite://", "indicators": INDICATORS, "goals": GOALS,
                         "sources": [{"name": "t", "kind": "ticket_csv", "path": "/x/*.csv",
                                      "every": "5m",
                                      "fields": {"id": "a", "created": "b", "status": "c",
                                                 "priority": "d"},
                                      "values": {"status": {"N": "new"},
                                                 "priority": {"N": "normal"}}}]}, env={})


def _series(config: Config, month_outcomes: list[IndicatorOutcome]) -> dict[Series, float]:
    tz = config.tz
    ev = Evaluation(month(2026, 11, tz), datetime(2026, 11, 20, tzinfo=UTC), month_outcomes, [])
    metrics = build_metrics(config, {"month": ev},
                            {"month": month(2026, 11, tz), "year": year(2026, tz)}, {}, {}, {},
                            SourceExtras())
    return parse_exposition(exposition_of(Snapshot(metrics=metrics)))


def test_info_names_kinds_units_goals() -> None:
    config = _config()
    s = _series(config, [])
    info = {dict(labels)["indicator"]: dict(labels) for (name, labels), v in s.items()
            if name == "kpimon_indicator_info" and v == 1.0}
    assert info == {
        "handling": {"indicator": "handling", "name": "Handläggningstid",
                     "kind": "handling_time", "unit": "seconds", "goal": "service"},
        "acute": {"indicator": "acute", "name": "Akuta inom 30 min", "kind": "response_within",
                  "unit": "ratio", "goal": "service,samverkan"},
        "hme": {"indicator": "hme", "name": "HME", "kind": "manual", "unit": "index",
                "goal": "samverkan"},
        "wait": {"indicator": "wait", "name": "Väntetid", "kind": "call_average_wait",
                 "unit": "seconds", "goal": ""},
        "oldest": {"indicator": "oldest", "name": "oldest", "kind": "oldest_open_age",
                   "unit": "seconds", "goal": ""},
    }
    goals = {dict(labels)["goal"]: dict(labels)["name"] for (name, labels), v in s.items()
             if name == "kpimon_goal_info" and v == 1.0}
    assert goals == {"service": "Ge god service", "samverkan": "Ökad samverkan"}
    # The absolute bound of 20 hours, in seconds; relative targets have none.
    assert sample(s, "kpimon_indicator_target", indicator="handling") == 20 * 3600
    assert [k for k in s if k[0] == "kpimon_indicator_target"] == [
        ("kpimon_indicator_target", (("indicator", "handling"),))]


def test_baseline_of_rise_and_fall() -> None:
    config = _config()
    ind = {i.id: i for i in config.indicators}
    acute = IndicatorOutcome(ind["acute"], Figures(0.8, 8, 10), "achieved", baseline=0.75)
    hme = IndicatorOutcome(ind["hme"], Figures(72.0, None, None), "achieved")
    wait = IndicatorOutcome(ind["wait"], Figures(1.5, 90.0, 60), "not_achieved", baseline=1.25)
    s = _series(config, [acute, hme, wait])
    b = "kpimon_indicator_baseline"
    assert sample(s, b, indicator="acute", period="month") == 0.75  # the previous month
    assert sample(s, b, indicator="hme", period="month") == 71.13  # its own number
    assert sample(s, b, indicator="wait", period="month") == 1.25 * 60  # minutes → seconds
    assert sample(s, "kpimon_indicator_value", indicator="wait", period="month") == 90.0
    assert sample(s, "kpimon_indicator_numerator", indicator="wait", period="month") == 5400.0
    assert sample(s, "kpimon_indicator_denominator", indicator="wait", period="month") == 60
    # Not evaluated yet (the year): the series is there, without a value.
    assert math.isnan(sample(s, b, indicator="acute", period="year"))
    # Only rise/fall targets have a baseline.
    assert {dict(k[1])["indicator"] for k in s if k[0] == b} == {"acute", "hme", "wait"}
