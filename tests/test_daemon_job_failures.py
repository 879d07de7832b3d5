"""A compute or a retention purge that fails is counted and shown: `kpimon_*_failures_total`
goes up, the last success stays where it was, and the metrics are refreshed with what the
store says now (a source that failed meanwhile is down) while the previous figures stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from kpimon.config import load_config
from kpimon.daemon import Daemon
from tests.deploy.harness import write_config
from tests.web.golden import exposition_of, parse_exposition, sample


def _locked(*_args: Any, **_kw: Any) -> Any:
    raise OperationalError("UPDATE …", {}, Exception("database is locked"))


def _series(daemon: Daemon) -> dict[Any, float]:
    return parse_exposition(exposition_of(daemon.holder.current))


@pytest.mark.timeout(60)
def test_failed_compute_and_purge_are_counted(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(write_config(tmp_path, top="retention_years = 2\n"))
    daemon = Daemon(config, env={})
    try:
        daemon.app.store.upgrade()
        daemon.app.collect()
        daemon.compute()
        good = _series(daemon)
        good_at = daemon.holder.current.computed_at
        computed = sample(good, "kpimon_compute_last_success_timestamp_seconds")
        assert computed > 0 and sample(good, "kpimon_compute_failures_total") == 0
        assert sample(good, "kpimon_source_up", source="export") == 1

        # The source fails next, then the compute cannot write: the outage still shows.
        monkeypatch.setattr(daemon.app.store, "start_run", _locked)
        monkeypatch.setattr(daemon.app.store, "record_run", _locked)
        daemon.collect("export")
        monkeypatch.setattr(daemon.app, "compute", _locked)
        daemon.compute()
        failed = _series(daemon)
        assert sample(failed, "kpimon_compute_failures_total") == 1
        assert sample(failed, "kpimon_compute_last_success_timestamp_seconds") == computed
        assert sample(failed, "kpimon_source_up", source="export") == 0
        assert daemon.holder.current.computed_at == good_at  # the previous figures stay

        monkeypatch.setattr(daemon.app.store, "purge", _locked)
        daemon.purge()
        purged = _series(daemon)
        assert sample(purged, "kpimon_purge_failures_total") == 1
        assert sample(purged, "kpimon_purge_last_success_timestamp_seconds") != \
            sample(purged, "kpimon_purge_last_success_timestamp_seconds")  # NaN: never
        monkeypatch.undo()
        daemon.purge()
        daemon.compute()
        assert sample(_series(daemon), "kpimon_purge_last_success_timestamp_seconds") > 0
    finally:
        daemon.app.store.close()
