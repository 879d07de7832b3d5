"""queue_log: a call that leaves by EXITEMPTY is left out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, Runner
from tests.sources.queue_log_helpers import calls, collect


def test_empty_exit_is_left_out(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    batches = collect(log, runner)
    got = calls(batches)
    assert "1583133500.30" not in got
    assert "1583133500.30" not in json.loads(batches[0].state["pending"])
    assert len(got) == 5
