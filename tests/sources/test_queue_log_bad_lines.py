"""queue_log: unparseable lines are rejects with their line number, never the caller id."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.sources.phone_helpers import Runner
from tests.sources.queue_log_helpers import append, calls, collect, rejects


def test_bad_lines_are_rejects(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    append(log,
           "1583132400|3.1|servicedesk|NONE|ENTERQUEUE||0701234567|1\n",
           "garbage\n",
           "\n",
           "yesterday|3.2|servicedesk|NONE|ENTERQUEUE||0701234567|1\n",
           "1583132418|3.1|servicedesk|PJSIP/1001|CONNECT|soon|3.3|3\n",
           "1583132420|3.1|servicedesk|PJSIP/1001|CONNECT|20|3.3|3\n")
    batches = collect(log, runner)
    got = rejects(batches)
    assert [(r.row, r.field) for r in got] == [(2, None), (4, "epoch"), (5, "wait")]
    assert all("0701234567" not in (r.value or "") + r.reason for r in got)
    assert calls(batches)["3.1"].wait_seconds == 20


def test_old_pending_calls_are_dropped_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    append(log, "1583132400|4.1|servicedesk|NONE|ENTERQUEUE||070|1\n")
    collect(log, runner)
    assert "4.1" in runner.state["pending"]
    append(log, f"{1583132400 + 23 * 3600}|NONE|NONE|NONE|QUEUESTART|\n")
    collect(log, runner)
    assert "4.1" in runner.state["pending"]  # 23 h: may still end
    append(log, f"{1583132400 + 25 * 3600}|NONE|NONE|NONE|QUEUESTART|\n")
    with caplog.at_level(logging.WARNING, logger="kpimon.sources"):
        collect(log, runner)
    assert "4.1" not in runner.state["pending"]
    assert any("never ended" in r.getMessage() for r in caplog.records)
