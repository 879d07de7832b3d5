"""A fresh store shows nothing "achieved" before the first collection (DESIGN §8): the first
snapshot has every indicator without a value and every goal without a status, and is not
ready until it has been computed; a source that has never run has no `up` series."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpimon.config import load_config
from kpimon.daemon import Daemon
from tests.web.golden import exposition_of, golden_env, parse_exposition, sample, write_config


@pytest.fixture
def daemon(tmp_path: Path, golden_dir: Path, db_url: str,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Daemon]:
    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)
    d = Daemon(load_config(str(write_config(tmp_path, golden_dir))))
    d.app.store.upgrade()
    yield d
    d.app.store.close()


def test_nothing_achieved_before_the_first_collection(daemon: Daemon) -> None:
    assert daemon.load_stored() is False  # nothing stored
    assert daemon.holder.current.ready is False
    daemon.compute()  # what `kpimon run` does next on a fresh store, before any collection
    snap = daemon.holder.current
    assert snap.ready
    series = parse_exposition(exposition_of(snap))
    achieved = [labels for (name, labels), v in series.items()
                if name in ("kpimon_indicator_status", "kpimon_goal_status")
                and dict(labels)["status"] in ("achieved", "partial") and v == 1.0]
    assert achieved == []
    for ind in ("open_30d", "missing_solution", "flow", "resp_30m"):
        for period in ("month", "year"):
            assert math.isnan(sample(series, "kpimon_indicator_value", indicator=ind,
                                     period=period))
            assert sample(series, "kpimon_indicator_status", indicator=ind, period=period,
                          status="no_value") == 1.0
    assert sample(series, "kpimon_goal_status", goal="control", period="year",
                  status="no_value") == 1.0
    assert not [k for k in series if k[0] == "kpimon_source_up"]
    assert snap.api["indicators"] and all(i["value"] is None for i in snap.api["indicators"])


def test_after_a_collection_the_counts_are_values(daemon: Daemon) -> None:
    daemon.collect("export")
    daemon.compute()
    series = parse_exposition(exposition_of(daemon.holder.current))
    assert sample(series, "kpimon_source_up", source="export") == 1.0
    assert not math.isnan(sample(series, "kpimon_indicator_value", indicator="missing_solution",
                                 period="year"))
    # A restart now serves these figures from the store, ready at once.
    again = Daemon(daemon.config)
    try:
        assert again.load_stored() is True
        assert again.holder.current.ready
        stored = parse_exposition(exposition_of(again.holder.current))
    finally:
        again.app.store.close()
    kpi = {k: v for k, v in series.items() if k[0].startswith("kpimon_indicator_")}
    for key, value in kpi.items():
        got = stored[key]
        assert (math.isnan(value) and math.isnan(got)) or got == value, key
