"""queue_log: a large read is split into batches, each with the state at its end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kpimon.sources.queue_log import QueueLogSource
from tests.sources.phone_helpers import FIXTURES, Runner, source_config
from tests.sources.queue_log_helpers import calls


def test_each_batch_carries_its_own_offset_and_pending_calls(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    config = source_config("queue_log", path=str(log))
    batches = runner.run(QueueLogSource(config, batch_lines=5).collect(runner.ctx(config)))
    assert [b.state["line"] for b in batches] == ["5", "10", "15", "19"]
    # After line 5 the first call has entered but not been answered yet.
    assert json.loads(batches[0].state["pending"]) == {
        "1583132400.11": ["servicedesk", 1583132400]}
    offsets = [int(b.state["offset"]) for b in batches]
    assert offsets == sorted(offsets) and offsets[-1] == log.stat().st_size
    assert len(calls(batches)) == 5

    # Resuming from a middle batch's state gives the same calls as reading on.
    resumed = Runner(state=dict(batches[1].state))
    rest = resumed.run(QueueLogSource(config).collect(resumed.ctx(config)))
    assert set(calls(rest)) == set(calls(batches[2:]))
