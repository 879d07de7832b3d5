"""A scrape never touches the database: `/metrics`, the status page and the running month's
`/api/kpis` are served from the in-memory snapshot (DESIGN §1, §8), so they answer, unchanged,
while the store's engine is disposed and refuses every connection."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.web.golden import get, golden_daemon


def test_outputs_answer_with_the_database_gone(tmp_path: Path, golden_dir: Path, db_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        d.daemon.scheduler.pause()  # no new collect or compute may change the figures meanwhile
        before = {p: get(f"{d.url}{p}") for p in ("/metrics", "/", "/api/kpis")}
        engine = d.daemon.app.store.engine
        engine.dispose()
        touched: list[str] = []

        def refuse(name: str):  # type: ignore[no-untyped-def]
            def fail(*args: object, **kwargs: object) -> None:
                # The daemon's own scheduled jobs (collect, compute, alerts) may run meanwhile and
                # may use the database; only the threads answering requests may not.
                if not threading.current_thread().name.startswith(_JOB_THREADS):
                    touched.append(name)
                raise ConnectionRefusedError(f"engine.{name}: the database is gone (test)")
            return fail

        for name in ("connect", "begin", "raw_connection"):
            monkeypatch.setattr(engine, name, refuse(name))
        after = {p: get(f"{d.url}{p}") for p in ("/metrics", "/", "/api/kpis")}
        assert not touched, f"a scrape used the database: {touched}"
        ready = get(f"{d.url}/readyz")  # this one does ask the database, and says so
        assert touched
        monkeypatch.undo()  # let the daemon stop and close its store normally
    for path, r in after.items():
        assert r.status == 200, path
        if path == "/metrics":  # the process's own series (CPU time, memory) move on
            assert _kpimon(r.text) == _kpimon(before[path].text), "metrics changed"
        else:
            assert r.body == before[path].body, f"{path} changed without a compute"
    assert ready.status == 503


#: APScheduler's worker threads (named by concurrent.futures) and its own loop.
_JOB_THREADS = ("ThreadPoolExecutor", "APScheduler")


def _kpimon(exposition: str) -> list[str]:
    return [line for line in exposition.splitlines() if "kpimon_" in line]
