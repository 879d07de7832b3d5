"""Drop folder: a file changed after its import is a new version and is taken again."""

from __future__ import annotations

import os
from pathlib import Path

from kpimon.sources.dropfolder import drop_files
from tests.sources.phone_helpers import FakeClock, Runner, source_config


def test_a_changed_file_is_taken_again_with_a_new_key(tmp_path: Path) -> None:
    runner = Runner()
    p = tmp_path / "ace.csv"
    p.write_bytes(b"Queue;Date\nServicedesk;2020-03-02\n")
    os.utime(p, (1_583_150_000, 1_583_150_000))
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0)
    clock = FakeClock(1_583_160_000)
    first = list(drop_files(cfg, runner.ctx(cfg), clock=clock))
    runner.imported.add(first[0].key)

    # Same size and mtime, different content: only the hash tells them apart.
    p.write_bytes(b"Queue;Date\nServicedesk;2020-03-03\n")
    os.utime(p, (1_583_150_000, 1_583_150_000))
    second = list(drop_files(cfg, runner.ctx(cfg), clock=clock))
    assert len(second) == 1
    assert second[0].key != first[0].key
    assert second[0].identity.size == first[0].identity.size
    assert second[0].identity.mtime_ns == first[0].identity.mtime_ns
