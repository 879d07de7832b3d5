"""Drop folder: after the commit a file is kept, archived (never overwriting) or deleted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kpimon.config import SourceConfig
from kpimon.sources.dropfolder import DropFile, archive_file, drop_files
from tests.sources.phone_helpers import FakeClock, Runner, source_config

MTIME = 1_583_150_000


def _drop(folder: Path, name: str, content: bytes = b"Queue;Date\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(content)
    os.utime(p, (MTIME, MTIME))
    return p


def _take(cfg: SourceConfig, runner: Runner) -> list[DropFile]:
    return list(drop_files(cfg, runner.ctx(cfg), clock=FakeClock(MTIME + 60)))


def test_keep_leaves_the_file(tmp_path: Path) -> None:
    runner = Runner()
    p = _drop(tmp_path, "a.csv")
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0)
    (drop,) = _take(cfg, runner)
    drop.on_commit()
    assert p.exists()


def test_delete_removes_the_file(tmp_path: Path) -> None:
    runner = Runner()
    p = _drop(tmp_path, "a.csv")
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0, after="delete")
    (drop,) = _take(cfg, runner)
    assert p.exists()  # nothing happens before the commit
    drop.on_commit()
    assert not p.exists()


def test_archive_creates_the_folder_and_never_overwrites(tmp_path: Path) -> None:
    runner = Runner()
    drop_dir = tmp_path / "drop"
    archive = tmp_path / "archive" / "ace"
    cfg = source_config("ace_csv", path=str(drop_dir / "*.csv"), settle=0, after="archive",
                        archive=str(archive))
    for version in (b"one\n", b"two\n", b"three\n"):
        _drop(drop_dir, "report.csv", version)
        (drop,) = _take(cfg, runner)
        drop.on_commit()
        assert not (drop_dir / "report.csv").exists()
    assert (archive / "report.csv").read_bytes() == b"one\n"
    assert (archive / "report.1.csv").read_bytes() == b"two\n"
    assert (archive / "report.2.csv").read_bytes() == b"three\n"


def test_a_relative_archive_is_inside_the_drop_folder_and_not_read_again(tmp_path: Path) -> None:
    runner = Runner()
    _drop(tmp_path, "a.csv")
    cfg = source_config("ace_csv", path=str(tmp_path / "**" / "*.csv"), settle=0,
                        after="archive", archive="done")
    (drop,) = _take(cfg, runner)
    drop.on_commit()
    assert (tmp_path / "done" / "a.csv").exists()
    assert _take(cfg, runner) == []  # the recursive glob does not pick up the archive


def test_a_file_changed_after_it_was_read_is_left_in_place(tmp_path: Path) -> None:
    runner = Runner()
    p = _drop(tmp_path, "a.csv")
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0, after="delete")
    (drop,) = _take(cfg, runner)
    p.write_bytes(b"a newer export\n")
    drop.on_commit()
    assert p.read_bytes() == b"a newer export\n"


def test_archive_file_suffix_goes_before_the_extension(tmp_path: Path) -> None:
    (tmp_path / "arch").mkdir()
    (tmp_path / "arch" / "x.tar.csv").write_bytes(b"old")
    src = tmp_path / "x.tar.csv"
    src.write_bytes(b"new")
    dest = archive_file(src, tmp_path / "arch")
    assert dest.name == "x.tar.1.csv"
    assert not src.exists()


@pytest.mark.parametrize("after", ["archive", "delete"])
def test_a_vanished_file_is_not_an_error(tmp_path: Path, after: str) -> None:
    runner = Runner()
    p = _drop(tmp_path, "a.csv")
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0, after=after,
                        archive=str(tmp_path / "arch"))
    (drop,) = _take(cfg, runner)
    p.unlink()
    drop.on_commit()
