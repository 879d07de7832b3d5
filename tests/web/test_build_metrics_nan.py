"""DESIGN §8 on `build_metrics` itself (no server, no database): a value that does not exist is
exported as NaN, never as 0; a real 0 stays 0; counts start at 0; and the label sets do not
depend on what has been computed."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.config import Config, load_config
from kpimon.kpi.engine import Evaluation, GoalOutcome, IndicatorOutcome, KeyOutcome
from kpimon.kpi.indicators.base import Figures
from kpimon.kpi.periods import month, year
from kpimon.store import RunInfo
from kpimon.web.snapshot import Snapshot, SourceExtras, build_metrics
from tests.web.golden import Series, exposition_of, golden_env, parse_exposition, sample

AT = datetime(2020, 8, 10, tzinfo=UTC)


@pytest.fixture
def config(golden_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Config:
    for k, v in golden_env(golden_dir, f"sqlite:///{tmp_path}/unused.db").items():
        monkeypatch.setenv(k, v)
    return load_config(str(golden_dir / "kpimon.toml"))


def _periods(config: Config) -> dict[str, object]:
    return {"month": month(2020, 8, config.tz), "year": year(2020, config.tz)}


def _series(config: Config, evaluations: dict[str, Evaluation],
            runs: dict[str, RunInfo] | None = None,
            open_tickets: dict[tuple[str, str, str], int] | None = None) -> dict[Series, float]:
    metrics = build_metrics(config, evaluations, _periods(config), runs or {},  # type: ignore
                            open_tickets or {}, {}, SourceExtras())
    return parse_exposition(exposition_of(Snapshot(metrics=metrics)))


def _evaluation(config: Config) -> Evaluation:
    """The month with a mix: no value, a real 0, a value, and indicators left out."""
    ind = {i.id: i for i in config.indicators}
    resp = IndicatorOutcome(ind["resp_30m"], Figures(None, 0, 0), "no_value", breakdown={
        "org": {"Askersund": KeyOutcome(Figures(None, 0, 0), "no_value"),
                "Hallsberg": KeyOutcome(Figures(0.0, 0, 3), "not_achieved")}})
    first_line = IndicatorOutcome(ind["first_line"], Figures(0.0, 0, 1), "not_achieved")
    open_30d = IndicatorOutcome(ind["open_30d"], Figures(0.0, None, None), "achieved")
    oldest = IndicatorOutcome(ind["oldest_open"], Figures(None, None, None), "no_target")
    handling = IndicatorOutcome(ind["handling_office_h"], Figures(11.0, 11.0, 1),
                                "not_achieved")
    goals = [GoalOutcome("service", "service", "not_achieved", ()),
             GoalOutcome("control", "control", "no_value", ())]
    return Evaluation(month(2020, 8, config.tz), AT,
                      [resp, first_line, open_30d, oldest, handling], goals)


def test_missing_values_are_nan_real_zeros_stay(config: Config) -> None:
    s = _series(config, {"month": _evaluation(config)})
    v = "kpimon_indicator_value"
    # No population: NaN, while its numerator and denominator are the true 0 and 0.
    assert math.isnan(sample(s, v, indicator="resp_30m", period="month"))
    assert sample(s, "kpimon_indicator_numerator", indicator="resp_30m", period="month") == 0
    assert sample(s, "kpimon_indicator_denominator", indicator="resp_30m", period="month") == 0
    # A ratio of 0 % and a count of 0 are values: 0, not NaN.
    assert sample(s, v, indicator="first_line", period="month") == 0.0
    assert sample(s, v, indicator="open_30d", period="month") == 0.0
    # Counts and ages have no numerator or denominator: NaN.
    assert math.isnan(sample(s, "kpimon_indicator_numerator", indicator="open_30d",
                             period="month"))
    assert math.isnan(sample(s, v, indicator="oldest_open", period="month"))
    # Base units: the mean of 11 hours is exported in seconds (its numerator, a sum, too).
    assert sample(s, v, indicator="handling_office_h", period="month") == 11.0 * 3600
    assert sample(s, "kpimon_indicator_numerator", indicator="handling_office_h",
                  period="month") == 11.0 * 3600
    assert sample(s, "kpimon_indicator_denominator", indicator="handling_office_h",
                  period="month") == 1.0
    # Indicators the evaluation does not have, and the whole year: NaN.
    assert math.isnan(sample(s, v, indicator="flow", period="month"))
    assert all(math.isnan(sample(s, v, indicator=i.id, period="year"))
               for i in config.indicators)
    # Breakdown: no population NaN, a real 0 stays 0, keys without an outcome NaN.
    b = "kpimon_indicator_breakdown_value"
    keys = dict(indicator="resp_30m", period="month", dimension="org")
    assert math.isnan(sample(s, b, key="Askersund", **keys))
    assert sample(s, b, key="Hallsberg", **keys) == 0.0
    assert math.isnan(sample(s, b, key="Laxå", **keys))
    assert math.isnan(sample(s, b, key="other", **keys))


def _states(s: dict[Series, float], indicator: str, period: str) -> dict[str, float]:
    out = {}
    for (name, labels), value in s.items():
        lab = dict(labels)
        if name == "kpimon_indicator_status" and lab["indicator"] == indicator \
                and lab["period"] == period:
            out[lab["status"]] = value
    return out


def test_state_sets_have_one_state(config: Config) -> None:
    """Every state is always there; exactly one is 1 where there is a status, none where the
    indicator has not been evaluated yet."""
    s = _series(config, {"month": _evaluation(config)})
    evaluated = {"resp_30m", "first_line", "open_30d", "oldest_open", "handling_office_h"}
    for ind in config.indicators:
        for period in ("month", "year"):
            states = _states(s, ind.id, period)
            assert len(states) == 5
            expected = 1.0 if period == "month" and ind.id in evaluated else 0.0
            assert sum(states.values()) == expected, (ind.id, period, states)
    assert sample(s, "kpimon_indicator_status", indicator="resp_30m", period="month",
                  status="no_value") == 1.0
    assert sample(s, "kpimon_goal_status", goal="control", period="month",
                  status="no_value") == 1.0
    assert sample(s, "kpimon_goal_status", goal="control", period="month",
                  status="achieved") == 0.0


def test_counts_start_at_zero(config: Config) -> None:
    never = RunInfo(source="export", last_started=None, last_ended=None, last_ok=None,
                    last_error=None, last_success=None, last_duration=None, records_total=0,
                    rejects_total=0, requests_total=0, retries_total=0, throttled_total=0)
    for runs in ({}, {"export": never}):
        s = _series(config, {}, runs=runs, open_tickets={("incident", "acute", "Laxå"): 2})
        for family in ("kpimon_source_records_total", "kpimon_source_rejected_records_total",
                       "kpimon_source_requests_total", "kpimon_source_retries_total"):
            assert sample(s, family, source="export") == 0.0
        # Never ran: not down either, so no `up` series at all.
        assert ("kpimon_source_up", (("source", "export"),)) not in s
        # Never succeeded: there is no such time (NaN), not 1970-01-01.
        assert math.isnan(sample(s, "kpimon_source_last_success_timestamp_seconds",
                                 source="export"))
        opened = {labels: v for (name, labels), v in s.items() if name == "kpimon_open_tickets"}
        assert len(opened) == 4 * 4 * 5
        assert sample(s, "kpimon_open_tickets", kind="incident", priority="acute",
                      org="Laxå") == 2.0
        assert sum(opened.values()) == 2.0  # every other combination is there, at 0
        assert {v for (name, _), v in s.items() if name == "kpimon_tickets_at_risk"} == {0.0}


def test_label_sets_do_not_depend_on_results(config: Config) -> None:
    empty = _series(config, {})
    full = _series(config, {"month": _evaluation(config)})
    assert set(empty) == set(full)
