"""Drop folder: which files are considered, and in what order; the encoding helper."""

from __future__ import annotations

import os
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


def test_a_missing_drop_folder_fails_the_source(tmp_path: Path) -> None:
    runner = Runner()
    cfg = source_config("ace_csv", path=str(tmp_path / "missing" / "*.csv"))
    with pytest.raises(SourceError, match="does not exist"):
        list(drop_files(cfg, runner.ctx(cfg)))


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
