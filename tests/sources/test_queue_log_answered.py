"""queue_log: ENTERQUEUE + CONNECT is an answered call; wait = CONNECT's holdtime."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, Runner
from tests.sources.queue_log_helpers import calls, collect, rejects


def test_answered_call(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    batches = collect(log, runner)
    assert len(batches) == 1
    got = calls(batches)
    call = got["1583132400.11"]
    assert (call.source, call.queue, call.outcome, call.wait_seconds) == (
        "phone", "servicedesk", "answered", 18)
    assert call.entered == datetime(2020, 3, 2, 7, 0, tzinfo=UTC)
    assert got["1583133600.33"].queue == "bestallning"
    assert rejects(batches) == []

    state = batches[0].state
    assert state["inode"] == str(log.stat().st_ino)
    assert state["offset"] == str(log.stat().st_size)
    assert state["line"] == "19"
    assert json.loads(state["pending"]) == {}
    assert all(isinstance(v, str) for v in state.values())

    # Nothing new: nothing to store.
    assert collect(log, runner) == []


def test_queues_filter(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    got = calls(collect(log, runner, queues=("bestallning",)))
    assert {c.queue for c in got.values()} == {"bestallning"}
