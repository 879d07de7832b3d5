"""inventory_csv: `after` deletes or archives a file once its batch is committed."""

from __future__ import annotations

from pathlib import Path

from tests.sources.inventory_files import collect, inventory_config, write


def test_after_delete_runs_on_commit_only(tmp_path: Path) -> None:
    path = write(tmp_path / "cmdb.csv", "Name\nPC001\n")
    [batch] = collect(inventory_config(tmp_path, after="delete"))
    assert path.exists()  # nothing happens before the store commits
    assert batch.on_commit is not None
    batch.on_commit()
    assert not path.exists()


def test_after_archive_moves_without_overwriting(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "cmdb.csv").write_text("older\n")
    path = write(tmp_path / "cmdb.csv", "Name\nPC001\n")
    [batch] = collect(inventory_config(tmp_path, after="archive", archive="archive"))
    assert batch.on_commit is not None
    batch.on_commit()
    assert not path.exists()
    assert (tmp_path / "archive" / "cmdb.1.csv").read_text() == "Name\nPC001\n"
    assert (tmp_path / "archive" / "cmdb.csv").read_text() == "older\n"


def test_imported_file_left_behind_is_deleted_next_cycle(tmp_path: Path) -> None:
    # The store committed, then the process stopped before on_commit ran.
    path = write(tmp_path / "cmdb.csv", "Name\nPC001\n")
    cfg = inventory_config(tmp_path, after="delete")
    key = collect(cfg)[0].file_key
    assert collect(cfg, is_imported=lambda k: k == key) == []
    assert not path.exists()
