"""`kpimon kpis --format json` matches the JSON Schema of DESIGN §9 (kpimon/schemas/) for every
golden case and for an adopted period; the goals name indicators that exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.golden import Kpimon, golden_cases, golden_cli, schema_errors


@pytest.fixture
def kpis(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Kpimon:
    return golden_cli(golden_dir, db_url, monkeypatch, capsys)


def test_every_golden_case_validates(kpis: Kpimon, golden_dir: Path) -> None:
    for case in golden_cases(golden_dir):
        got = kpis("kpis", "--period", case["period"], "--at", case["at"], "--format",
                   "json").json()
        assert schema_errors(got) == [], case["period"]
        assert got["period"]["label"] == case["period"]
        ids = [i["id"] for i in got["indicators"]]
        assert set(ids) == set(case["indicators"])  # every configured indicator, once
        assert len(ids) == len(set(ids))
        for goal in got["goals"]:
            assert set(goal["indicators"]) <= set(ids)
        assert "adopted" not in got


def test_an_adopted_period_validates(kpis: Kpimon) -> None:
    assert kpis("period", "close", "2020-03").code == 0
    got = kpis("kpis", "--period", "2020-03", "--at", "2021-03-01T00:00:00", "--format",
               "json").json()
    assert schema_errors(got) == []
    assert got["adopted"] is True
    assert all("current" in i for i in got["indicators"])
