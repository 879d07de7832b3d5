"""queue_log: a file truncated in place (same inode, smaller) is read again from the start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.sources.phone_helpers import Runner
from tests.sources.queue_log_helpers import append, calls, collect, fixture_lines


def test_truncated_file_is_read_from_zero_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner()
    lines = fixture_lines("queue_log.basic")
    log = tmp_path / "queue_log"
    append(log, *lines[:12])
    collect(log, runner)
    inode = log.stat().st_ino

    with log.open("w") as f:  # copytruncate
        f.write("".join(lines[12:14]))
    assert log.stat().st_ino == inode
    with caplog.at_level(logging.WARNING, logger="kpimon.sources"):
        batches = collect(log, runner)
    assert set(calls(batches)) == {"1583133400.25"}
    assert any("truncated" in r.getMessage() for r in caplog.records)
    assert runner.state["offset"] == str(log.stat().st_size)
    assert runner.state["line"] == "2"


def test_a_different_file_behind_the_same_inode_is_read_from_zero(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner()
    lines = fixture_lines("queue_log.basic")
    log = tmp_path / "queue_log"
    append(log, *lines[4:8])
    collect(log, runner)
    # Rewritten in place, longer than before: only the head of the file tells.
    with log.open("r+") as f:
        f.write("".join(lines[8:]))
    with caplog.at_level(logging.WARNING, logger="kpimon.sources"):
        got = calls(collect(log, runner))
    assert "1583132700.15" in got
    assert any("different file" in r.getMessage() for r in caplog.records)
