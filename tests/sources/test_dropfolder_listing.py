"""Drop folder: which files are considered, and in what order; the encoding helper."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from kpimon.sources.dropfolder import candidates, decode_text, drop_files
from tests.sources.phone_helpers import FakeClock, Runner, source_config


def test_oldest_first_then_by_name_skipping_hidden_files_and_folders(tmp_path: Path) -> None:
    runner = Runner()
    for name, mtime in (("c.csv", 300), ("b.csv", 100), ("a.csv", 300), (".part.csv", 50)):
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (mtime, mtime))
    (tmp_path / "dir.csv").mkdir()
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"))
    assert [p.name for p in candidates(cfg, runner.ctx(cfg))] == ["b.csv", "a.csv", "c.csv"]


def test_ctx_files_are_read_as_given(tmp_path: Path) -> None:
    runner = Runner()
    a = tmp_path / "elsewhere.txt"
    a.write_text("x")
    os.utime(a, (100, 100))
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0)
    taken = list(drop_files(cfg, runner.ctx(cfg, files=[a]), clock=FakeClock(1000)))
    assert [d.path for d in taken] == [a]
    with pytest.raises(SourceError, match="no such file"):
        list(drop_files(cfg, runner.ctx(cfg, files=[tmp_path / "nope.csv"])))


def test_a_missing_drop_folder_is_created_like_its_parent(tmp_path: Path) -> None:
    runner = Runner()
    parent = tmp_path / "drop"
    parent.mkdir()
    parent.chmod(0o2770)
    cfg = source_config("ace_csv", path=str(parent / "ace" / "new" / "*.csv"))
    assert list(drop_files(cfg, runner.ctx(cfg))) == []
    for made in (parent / "ace", parent / "ace" / "new"):
        assert made.is_dir() and made.stat().st_mode & 0o7777 == 0o2770


def test_a_drop_folder_that_cannot_be_created_fails_the_source_naming_it(
        tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "drop").write_text("a file, not a folder")
    cfg = source_config("ace_csv", path=str(tmp_path / "drop" / "ace" / "*.csv"))
    with pytest.raises(SourceError, match=f"drop folder {tmp_path}/drop/ace does not exist and "
                       f"cannot be created: {tmp_path}/drop is not a folder"):
        list(drop_files(cfg, runner.ctx(cfg)))


def test_a_folder_as_path_means_every_file_in_it(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "b.txt").write_text("y")
    (tmp_path / ".hidden").write_text("z")
    (tmp_path / "sub").mkdir()
    clock = FakeClock(time.time() + 3600)
    for path in (str(tmp_path), f"{tmp_path}/"):
        cfg = source_config("ace_csv", path=path, settle=0)
        taken = list(drop_files(cfg, runner.ctx(cfg), clock=clock))
        assert sorted(d.path.name for d in taken) == ["a.csv", "b.txt"], path
    # A folder that is not there yet, written with its trailing /, is a folder too.
    cfg = source_config("ace_csv", path=f"{tmp_path}/later/", settle=0)
    assert list(drop_files(cfg, runner.ctx(cfg))) == []
    assert (tmp_path / "later").is_dir()


def test_encodings_are_tried_in_order() -> None:
    assert decode_text("\ufeffKö".encode()) == ("Kö", "utf-8-sig")
    assert decode_text("Kö".encode()) == ("Kö", "utf-8-sig")  # no BOM: utf-8-sig reads it too
    assert decode_text("Kö".encode("cp1252")) == ("Kö", "cp1252")
    assert decode_text(b"\x81x")[1] == "cp1252"  # undefined in cp1252: replaced, not an error


def test_an_imported_file_is_never_moved_or_deleted(tmp_path: Path) -> None:
    runner = Runner()
    a = tmp_path / "mine.csv"
    a.write_text("x")
    os.utime(a, (100, 100))
    cfg = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0, after="delete")
    (drop,) = drop_files(cfg, runner.ctx(cfg, files=[a]), clock=FakeClock(1000))
    drop.on_commit()
    assert a.exists()
