"""queue_log: a call that crosses midnight counts on the day it entered."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, TZ, Runner
from tests.sources.queue_log_helpers import calls, collect


def test_call_crossing_midnight_counts_on_its_entry_day(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.midnight", log)
    got = calls(collect(log, runner))
    answered, abandoned = got["1583189970.71"], got["1583189880.70"]
    assert answered.entered.astimezone(TZ).date() == date(2020, 3, 2)
    assert (answered.outcome, answered.wait_seconds) == ("answered", 75)
    assert abandoned.entered.astimezone(TZ).date() == date(2020, 3, 2)
    assert (abandoned.outcome, abandoned.wait_seconds) == ("abandoned", 180)
