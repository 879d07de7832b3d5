"""queue_log: a last line without its newline is not consumed until it is complete."""

from __future__ import annotations

from pathlib import Path

from tests.sources.phone_helpers import Runner
from tests.sources.queue_log_helpers import append, calls, collect, rejects

ENTER = "1583132400|1.1|servicedesk|NONE|ENTERQUEUE||070|1\n"


def test_a_half_written_line_is_read_whole_next_time(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    append(log, ENTER, "1583132418|1.1|servicedesk|PJSIP/1001|CONN")
    first = collect(log, runner)
    assert calls(first) == {} and rejects(first) == []
    assert runner.state["offset"] == str(len(ENTER))
    assert runner.state["line"] == "1"
    assert "1.1" in runner.state["pending"]

    append(log, "ECT|18|1.2|3\n")
    second = collect(log, runner)
    assert calls(second)["1.1"].wait_seconds == 18
    assert runner.state["offset"] == str(log.stat().st_size)
    assert runner.state["line"] == "2"
