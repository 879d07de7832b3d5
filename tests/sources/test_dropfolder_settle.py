"""Drop folder: a file is taken only once it has not changed for `settle` seconds."""

from __future__ import annotations

import os
from pathlib import Path

from kpimon.sources.dropfolder import drop_files
from tests.sources.phone_helpers import FakeClock, Runner, source_config

MTIME = 1_583_150_000.0


def _drop(folder: Path, name: str = "report.csv") -> Path:
    p = folder / name
    p.write_text("Kö;Datum\n", encoding="utf-8")
    os.utime(p, (MTIME, MTIME))
    return p


def test_a_file_changed_just_now_is_left_for_the_next_cycle(tmp_path: Path) -> None:
    runner = Runner()
    _drop(tmp_path)
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=10)
    clock = FakeClock(MTIME + 3)
    assert list(drop_files(cfg, runner.ctx(cfg), clock=clock, sleep=clock.sleep)) == []
    assert clock.sleeps == []  # the daemon never waits

    clock.now = MTIME + 10  # next cycle: settled
    taken = list(drop_files(cfg, runner.ctx(cfg), clock=clock, sleep=clock.sleep))
    assert [d.path.name for d in taken] == ["report.csv"]


def test_wait_for_settle_sleeps_in_small_steps_until_settled(tmp_path: Path) -> None:
    runner = Runner()
    _drop(tmp_path)
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=10)
    clock = FakeClock(MTIME + 3)
    ctx = runner.ctx(cfg, wait_for_settle=True)
    taken = list(drop_files(cfg, ctx, clock=clock, sleep=clock.sleep, step=0.5))
    assert [d.path.name for d in taken] == ["report.csv"]
    assert clock.now >= MTIME + 10
    assert clock.sleeps and max(clock.sleeps) <= 0.5


def test_a_file_that_keeps_changing_is_given_up_after_max_wait(tmp_path: Path) -> None:
    runner = Runner()
    p = _drop(tmp_path)
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=10)
    clock = FakeClock(MTIME)

    def writer_sleep(seconds: float) -> None:
        clock.sleep(seconds)
        os.utime(p, (clock.now, clock.now))  # someone is still writing

    ctx = runner.ctx(cfg, wait_for_settle=True)
    taken = list(drop_files(cfg, ctx, clock=clock, sleep=writer_sleep, max_wait=30))
    assert taken == []
    assert 30 <= clock.now - MTIME <= 31
