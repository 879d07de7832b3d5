"""Two daemons on one SQLite file (the lock is an flock beside it): only the leader collects,
the follower serves the figures the leader stored and says `kpimon_leader 0`; when the leader
stops, the follower takes over and collects at once."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kpimon.leader import Leadership
from kpimon.store.leader import leader_lock
from tests.web.golden import DaemonThread, get, golden_env, parse_exposition, wait_for, write_config

pytestmark = pytest.mark.timeout(120)


def _values(url: str) -> dict[tuple[object, ...], object]:
    """The role, the indicators' values and the sources' state on an instance's /metrics."""
    series = parse_exposition(get(f"{url}/metrics").text)
    # NaN as a string, so that two instances' NaNs compare equal.
    return {k: "NaN" if math.isnan(v) else v for k, v in series.items() if k[0] in (
        "kpimon_leader", "kpimon_indicator_value", "kpimon_source_up",
        "kpimon_source_records_total")}


def test_the_follower_serves_the_leaders_figures_and_takes_over(tmp_path: Path,
                                                                golden_dir: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/kpimon.db"
    cfg = write_config(tmp_path, golden_dir)
    env = golden_env(golden_dir, db_url)
    first = DaemonThread(cfg, env, leader=Leadership(leader_lock(db_url))).start()
    running = [first]
    try:
        first.wait_collected("export")
        second = DaemonThread(cfg, env, leader=Leadership(leader_lock(db_url))).start()
        running.append(second)
        leading = _values(first.url)
        assert leading[("kpimon_leader", ())] == 1.0
        assert leading[("kpimon_source_up", (("source", "export"),))] == 1.0

        # The follower: the leader's figures, its own kpimon_leader 0, no collection.
        wait_for(lambda: _values(second.url) == {**leading, ("kpimon_leader", ()): 0.0},
                 timeout=30, what="the follower serving the leader's figures")
        assert second.daemon.app.last_outcomes == {}

        running.remove(first)
        first.stop()
        wait_for(lambda: _values(second.url)[("kpimon_leader", ())] == 1.0, timeout=15,
                 what="the follower taking over")
        wait_for(lambda: "export" in second.daemon.app.last_outcomes, timeout=30,
                 what="the new leader collecting")
    finally:
        for d in running:
            d.stop()
