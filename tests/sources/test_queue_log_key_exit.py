"""queue_log: EXITWITHKEY abandons the call; wait = its waittime (data4)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, Runner
from tests.sources.queue_log_helpers import append, calls, collect


def test_key_exit_is_abandoned_with_data4_as_wait(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.basic", log)
    call = calls(collect(log, runner))["1583133400.25"]
    assert (call.outcome, call.wait_seconds) == ("abandoned", 25)


def test_old_key_exit_without_waittime_uses_the_clock(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    append(log, "1583133400|9.1|servicedesk|NONE|ENTERQUEUE||070|1\n",
           "1583133433|9.1|servicedesk|NONE|EXITWITHKEY|5|1\n")
    assert calls(collect(log, runner))["9.1"].wait_seconds == 33
