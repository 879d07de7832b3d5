"""`evaluation_json` (kpimon/kpi/output.py), the §9 object: integers where the quantity is a
count, null where a figure does not exist, the evaluation time to the second, `adopted` and
`current` only for a closed period; and it always satisfies the schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.config import Config, load_config
from kpimon.i18n import Formatter
from kpimon.kpi.engine import Evaluation, GoalOutcome, IndicatorOutcome, KeyOutcome
from kpimon.kpi.indicators.base import Figures
from kpimon.kpi.output import evaluation_csv, evaluation_json, evaluation_table
from kpimon.kpi.periods import month
from tests.web.golden import golden_env, schema_errors

AT = datetime(2020, 8, 10, 6, 30, 15, 987654, tzinfo=UTC)


@pytest.fixture
def config(golden_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Config:
    for k, v in golden_env(golden_dir, f"sqlite:///{tmp_path}/unused.db").items():
        monkeypatch.setenv(k, v)
    return load_config(str(golden_dir / "kpimon.toml"))


def _evaluation(config: Config, adopted: bool = False) -> Evaluation:
    ind = {i.id: i for i in config.indicators}
    outcomes = [
        IndicatorOutcome(ind["resp_30m"], Figures(0.6, 3.0, 5.0), "achieved", previous=None,
                         breakdown={"org": {
                             "Askersund": KeyOutcome(Figures(1.0, 1.0, 1.0), "achieved"),
                             "Laxå": KeyOutcome(Figures(None, 0.0, 0.0), "no_value")}}),
        IndicatorOutcome(ind["handling_office_h"], Figures(7.5, 15.0, 2.0), "achieved",
                         previous=9.25),
        IndicatorOutcome(ind["handling_p90_office_h"], Figures(11.0, None, 2.0), "no_target"),
        IndicatorOutcome(ind["open_30d"], Figures(2.0, None, None), "not_achieved",
                         previous=0.0),
        IndicatorOutcome(ind["oldest_open"], Figures(None, None, None), "no_target"),
        IndicatorOutcome(ind["flow"], Figures(0.0, None, None, unknown=4), "achieved"),
    ]
    if adopted:
        for o in outcomes:
            o.current = IndicatorOutcome(o.ind, Figures(o.figures.value, o.figures.numerator,
                                                        o.figures.denominator), o.status)
    goals = [GoalOutcome("service", "service", "achieved", ("resp_30m", "handling_office_h")),
             GoalOutcome("control", "control", "partial", ("open_30d", "flow"))]
    return Evaluation(month(2020, 8, config.tz), AT, outcomes, goals, adopted=adopted)


def test_numbers_and_nulls(config: Config) -> None:
    out = evaluation_json(_evaluation(config))
    assert schema_errors(out) == []
    by_id = {i["id"]: i for i in out["indicators"]}
    resp = by_id["resp_30m"]
    # Counts print as integers (3, not 3.0), so scripts can compare them as such.
    assert json.dumps([resp["numerator"], resp["denominator"]]) == "[3, 5]"
    assert resp["breakdown"]["org"]["Laxå"] == {"value": None, "numerator": 0,
                                                "denominator": 0, "status": "no_value"}
    # A mean's numerator is a sum in the unit; n is a count.
    h = by_id["handling_office_h"]
    assert (h["value"], h["numerator"], h["denominator"], h["previous"]) == (7.5, 15.0, 2, 9.25)
    assert by_id["handling_p90_office_h"]["numerator"] is None
    assert json.dumps(by_id["open_30d"]["value"]) == "2"
    assert by_id["open_30d"]["previous"] == 0  # a real 0 stays 0, not null
    assert by_id["oldest_open"]["value"] is None
    assert (by_id["flow"]["unknown"], resp["unknown"]) == (4, None)
    assert all(i["forecast"] is None or set(i["forecast"]) == {"required_share", "reachable"}
               for i in out["indicators"])
    assert "adopted" not in out and all("current" not in i for i in out["indicators"])


def test_times_with_offset_to_the_second(config: Config) -> None:
    out = evaluation_json(_evaluation(config))
    assert out["evaluated_at"] == "2020-08-10T08:30:15+02:00"
    assert out["period"] == {"start": "2020-08-01T00:00:00+02:00",
                             "end": "2020-09-01T00:00:00+02:00", "label": "2020-08"}


def test_adopted_period(config: Config) -> None:
    out = evaluation_json(_evaluation(config, adopted=True))
    assert schema_errors(out) == []
    assert out["adopted"] is True
    cur = {i["id"]: i["current"] for i in out["indicators"]}
    assert cur["resp_30m"] == {"value": 0.6, "numerator": 3, "denominator": 5,
                               "status": "achieved"}
    assert cur["oldest_open"]["value"] is None


def test_table_and_csv_mark_missing_figures(config: Config) -> None:
    ev = _evaluation(config, adopted=True)
    table = evaluation_table(ev, Formatter("en", config.tz))
    assert table.splitlines()[0] == "Period 2020-08 as of 2020-08-10 08:30 (adopted)"
    rows = {line.split()[0]: line for line in table.splitlines()[2:] if line.strip()}
    assert rows["oldest_open"].split()[1] == "–"  # no value: a dash, not 0
    assert rows["org=Laxå"].rstrip().endswith("– no value")
    swedish = evaluation_table(ev)  # the default language
    assert swedish.splitlines()[0] == "Period 2020-08 per 2020-08-10 08:30 (fastställd)"
    assert "– inget värde" in swedish
    assert rows["handling_office_h"].split()[3] == "15/2"
    assert rows["handling_p90_office_h"].split()[3] == "/2"
    csv_rows = {tuple(r.split(";")[1:4]): r.split(";") for r in evaluation_csv(ev).splitlines()}
    assert csv_rows[("oldest_open", "", "")][4:7] == ["", "", ""]
    assert csv_rows[("resp_30m", "org", "Laxå")][4:7] == ["", "0.0", "0.0"]
