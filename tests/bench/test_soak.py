"""A short soak (bench/soak.py) on each database: a real `kpimon run` against an Efecte server
and a drop folder that fail at random and a relay that refuses at random, restarted (SIGTERM or
SIGKILL; on PostgreSQL three instances, the leader killed at random) a few times — no crash,
the store equal to what the fakes serve, every mail marked sent delivered, no duplicate beyond
one per SIGKILL inside a send, never two leaders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import Soak, report

pytestmark = pytest.mark.slow


@pytest.mark.timeout(400)
def test_short_soak(tmp_path: Path, db_url: str) -> None:
    db = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    instances = 3 if db == "postgresql" else 1  # three: the leader is killed now and then
    fig = Soak(db_url, tmp_path, seconds=45, seed=7, db=db, restart_every=(6.0, 10.0),
               instances=instances, out=lambda line: None).run()
    text = report(fig)
    assert fig.problems == [], text
    assert fig.crashes == 0 and fig.records_lost == 0 and fig.records_phantom == 0, text
    assert sum(fig.restarts.values()) >= 2, text
    assert fig.cycles.get("efecte", 0) >= 15 and fig.cycles.get("drop", 0) >= 15, text
    assert fig.failed_cycles.get("efecte", 0) >= 1, text  # the faults did reach the daemon
    assert sum(fig.faults.values()) >= 10 and fig.mails >= 1, text
    assert fig.duplicates <= fig.kills_inside_send, text
    assert fig.notifications_missing == 0, text
    if instances > 1:
        assert fig.leaders_at_once == 1, text
