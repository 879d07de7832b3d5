"""queue_log: `kpimon import` reads the given files whole (also .gz) and saves no state."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from kpimon.sources.queue_log import QueueLogSource
from tests.sources.phone_helpers import FIXTURES, Runner, source_config
from tests.sources.queue_log_helpers import calls, collect


def test_import_of_rotated_and_compressed_files(tmp_path: Path) -> None:
    runner = Runner()
    lines = (FIXTURES / "queue_log.basic").read_bytes().splitlines(keepends=True)
    old = tmp_path / "queue_log.2.gz"
    with gzip.open(old, "wb") as f:
        f.writelines(lines[:6])  # the first call enters and rings ...
    newer = tmp_path / "queue_log.1"
    newer.write_bytes(b"".join(lines[6:]))  # ... and is answered in the next file
    config = source_config("queue_log", path=str(tmp_path / "queue_log"))
    batches = runner.run(QueueLogSource(config).collect(runner.ctx(config, files=[old, newer])))
    assert len(calls(batches)) == 5
    assert calls(batches)["1583132400.11"].wait_seconds == 18
    assert all(b.state == {} for b in batches)


def test_a_missing_log_fails_the_source(tmp_path: Path) -> None:
    runner = Runner()
    with pytest.raises(SourceError, match="no such file"):
        collect(tmp_path / "queue_log", runner)


def test_an_empty_log_saves_its_inode(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    log.touch()
    (batch,) = collect(log, runner)
    assert batch.items == [] and batch.state["offset"] == "0"
    assert collect(log, runner) == []
