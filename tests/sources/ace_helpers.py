"""Helpers for the ACE tests: drop a fixture into a folder and collect it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from kpimon.records import QueueInterval, Reject
from kpimon.sources.ace_csv import AceCsvSource
from kpimon.sources.base import Batch
from tests.sources.phone_helpers import FIXTURES, FakeClock, Runner, source_config

MTIME = 1_583_150_000


def drop(folder: Path, fixture: str, name: str | None = None) -> Path:
    """Copy a fixture into the drop folder with an old mtime (settled)."""
    dest = folder / (name or fixture)
    shutil.copyfile(FIXTURES / fixture, dest)
    os.utime(dest, (MTIME, MTIME))
    return dest


def collect(folder: Path, runner: Runner, pattern: str = "*", **cfg: Any) -> list[Batch]:
    cfg.setdefault("settle", 0)
    config = source_config("ace_csv", path=str(folder / pattern), **cfg)
    clock = FakeClock(time.time() + 3600)  # every file is settled
    source = AceCsvSource(config, clock=clock, sleep=clock.sleep)
    return runner.run(source.collect(runner.ctx(config)))


def split(batch: Batch) -> tuple[list[QueueInterval], list[Reject]]:
    records = [i for i in batch.items if isinstance(i, QueueInterval)]
    rejects = [i for i in batch.items if isinstance(i, Reject)]
    return records, rejects
