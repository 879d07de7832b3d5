"""Drop folder: the same file seen twice is imported once (its key is already imported)."""

from __future__ import annotations

import os
from pathlib import Path

from kpimon.sources.dropfolder import drop_files
from tests.sources.phone_helpers import FakeClock, Runner, source_config


def test_the_same_file_dropped_twice_is_skipped_the_second_time(tmp_path: Path) -> None:
    runner = Runner()
    p = tmp_path / "ace-2020-03-02.csv"
    p.write_bytes(b"Queue;Date\nServicedesk;2020-03-02\n")
    os.utime(p, (1_583_150_000, 1_583_150_000))
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0)
    clock = FakeClock(1_583_160_000)

    first = list(drop_files(cfg, runner.ctx(cfg), clock=clock))
    assert len(first) == 1
    key = first[0].key
    name, size, mtime_ns, digest = key.split("|")
    assert (name, int(size), int(mtime_ns)) == (p.name, p.stat().st_size, p.stat().st_mtime_ns)
    assert len(digest) == 64
    runner.imported.add(key)

    # Dropped again: same name, content and mtime (a re-copy with `cp -p`).
    p.unlink()
    p.write_bytes(b"Queue;Date\nServicedesk;2020-03-02\n")
    os.utime(p, (1_583_150_000, 1_583_150_000))
    assert list(drop_files(cfg, runner.ctx(cfg), clock=clock)) == []
