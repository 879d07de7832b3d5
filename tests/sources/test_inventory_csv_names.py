"""inventory_csv: a name list with a header becomes one snapshot of Devices."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sources.inventory_files import collect, device_names, devices, inventory_config, write


def test_name_list_with_header(tmp_path: Path) -> None:
    path = write(tmp_path / "cmdb.csv",
                 "Status;Datornamn;Modell\r\nI drift;PC001;Elitebook\r\n"
                 "I drift;pc002.kommun.local;Elitebook\r\nI lager;PC003 ;Latitude\r\n"
                 "I drift;PC001;Elitebook\r\n\r\n")
    batches = collect(inventory_config(tmp_path))
    assert len(batches) == 1
    b = batches[0]
    assert b.snapshot and b.file_key  # after = keep: on_commit leaves the file
    assert b.on_commit is not None
    b.on_commit()
    assert path.exists()
    items = devices(b)
    assert len(items) == len(list(b.items))  # no rejects
    # Kept as given (trimmed); the repeated PC001 row is one computer.
    assert [d.name for d in items] == ["PC001", "pc002.kommun.local", "PC003"]
    mtime = datetime.fromtimestamp(path.stat().st_mtime_ns / 1e9, UTC)
    assert all(d.seen_at == mtime and d.source == "cmdb" and d.attrs == {} for d in items)


def test_column_setting_and_comma_delimiter(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", "Computer name,Hostname\nPC-A,ignored\nPC-B,ignored\n")
    cfg = inventory_config(tmp_path, column="hostname")
    assert device_names(collect(cfg)[0]) == ["ignored"]


def test_bare_list_without_header(tmp_path: Path) -> None:
    write(tmp_path / "list.csv", "PC001\nPC002\n")
    names = device_names(collect(inventory_config(tmp_path))[0])
    assert names == ["PC001", "PC002"]


def test_already_imported_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "Name\nPC001\n")
    cfg = inventory_config(tmp_path)
    key = collect(cfg)[0].file_key
    assert collect(cfg, is_imported=lambda k: k == key) == []
