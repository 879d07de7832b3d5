"""queue_log: EXITWITHTIMEOUT abandons the call; wait = its waittime (data3)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, Runner
from tests.sources.queue_log_helpers import calls, collect


def test_timeout_exit_is_abandoned(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    call = calls(collect(log, runner))["1583133000.20"]
    assert (call.outcome, call.wait_seconds) == ("abandoned", 300)
