"""ACE: unknown columns are ignored and named once per file in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.sources.ace_helpers import collect, drop, split
from tests.sources.phone_helpers import Runner


def test_unknown_columns_are_ignored_and_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner()
    drop(tmp_path, "ace_en_unknown_columns.csv")
    with caplog.at_level(logging.INFO, logger="kpimon.sources"):
        (batch,) = collect(tmp_path, runner)
    records, rejects = split(batch)
    assert rejects == []
    assert [(r.received, r.answered, r.answered_within) for r in records] == [
        (10, 9, {20: 8, 60: 9}), (20, 18, {20: 15, 60: 18})]
    assert records[0].wait_seconds_answered_sum == 15 * 9
    messages = [r.getMessage() for r in caplog.records if "unknown columns" in r.getMessage()]
    assert len(messages) == 1
    assert "'Average talk time'" in messages[0] and "'Longest queue time'" in messages[0]
    # "Average talk time" must not be taken for the queue-time column, nor values leak.
    assert "04:12" not in messages[0]
