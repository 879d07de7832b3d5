"""queue_log: on rotation the old file is finished from the saved offset, then the new one."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from tests.sources.phone_helpers import Runner
from tests.sources.queue_log_helpers import append, calls, collect, fixture_lines


def test_rotated_file_is_finished_before_the_new_one(tmp_path: Path) -> None:
    runner = Runner()
    lines = fixture_lines("queue_log.basic")
    log = tmp_path / "queue_log"
    append(log, *lines[:8])  # the first call, answered
    assert set(calls(collect(log, runner))) == {"1583132400.11"}

    append(log, *lines[8:12])  # two more calls, written just before the rotation
    os.rename(log, tmp_path / "queue_log.1")
    append(log, *lines[12:])  # the rest, in the new file
    batches = collect(log, runner)
    assert [b.label for b in batches] == ["phone: queue_log.1", "phone: queue_log"]
    assert set(calls(batches[:1])) == {"1583132700.15", "1583133000.20"}
    assert set(calls(batches[1:])) == {"1583133400.25", "1583133600.33"}
    assert batches[0].state["offset"] == str((tmp_path / "queue_log.1").stat().st_size)
    assert runner.state["inode"] == str(log.stat().st_ino)
    assert runner.state["offset"] == str(log.stat().st_size)
    assert collect(log, runner) == []


def test_dateext_rotation_is_found_by_inode(tmp_path: Path) -> None:
    runner = Runner()
    lines = fixture_lines("queue_log.basic")
    log = tmp_path / "queue_log"
    append(log, *lines[:5])
    collect(log, runner)
    append(log, *lines[5:8])
    os.rename(log, tmp_path / "queue_log-20200303")
    append(log, *lines[8:10])
    got = calls(collect(log, runner))
    assert set(got) == {"1583132400.11", "1583132700.15"}


def test_lost_rotated_file_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner()
    lines = fixture_lines("queue_log.basic")
    log = tmp_path / "queue_log"
    append(log, *lines[:8])
    collect(log, runner)
    (tmp_path / "elsewhere").mkdir()
    os.rename(log, tmp_path / "elsewhere" / "old")  # kept (so its inode is not reused), not beside
    append(log, *lines[8:10])
    with caplog.at_level(logging.WARNING, logger="kpimon.sources"):
        got = calls(collect(log, runner))
    assert set(got) == {"1583132700.15"}
    assert any("was not found" in r.getMessage() for r in caplog.records)
