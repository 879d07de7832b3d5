"""queue_log: a call that entered before a rotation pairs with its CONNECT in the new file."""

from __future__ import annotations

import os
from pathlib import Path

from tests.sources.phone_helpers import Runner
from tests.sources.queue_log_helpers import append, calls, collect


def test_connect_in_the_next_file(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    append(log, "1583132400|2.1|servicedesk|NONE|ENTERQUEUE||070|1\n")
    assert calls(collect(log, runner)) == {}

    os.rename(log, tmp_path / "queue_log.1")  # logrotate
    append(log, "1583132460|2.1|servicedesk|PJSIP/1001|CONNECT|60|2.2|2\n")
    call = calls(collect(log, runner))["2.1"]
    assert (call.queue, call.outcome, call.wait_seconds) == ("servicedesk", "answered", 60)
    assert runner.state["inode"] == str(log.stat().st_ino)
