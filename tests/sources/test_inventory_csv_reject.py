"""inventory_csv: a row without a name is a Reject with its line number; the rest still count."""

from __future__ import annotations

from pathlib import Path

from kpimon.records import Reject
from tests.sources.inventory_files import collect, device_names, devices, inventory_config, write


def test_empty_name_is_rejected_with_row_number(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "Namn;Modell\nPC001;Elitebook\n  ;Latitude\nPC002;Elitebook\n")
    [batch] = collect(inventory_config(tmp_path))
    assert device_names(batch) == ["PC001", "PC002"]
    [reject] = [r for r in batch.items if isinstance(r, Reject)]
    assert (reject.where, reject.row, reject.field, reject.reason) == \
        ("cmdb.csv", 3, "Namn", "empty device name")
    assert batch.snapshot


def test_file_without_any_name_is_not_a_snapshot(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "Namn;Modell\n")
    [batch] = collect(inventory_config(tmp_path))
    assert not batch.snapshot  # a broken export must not empty the inventory
    assert [r.reason for r in batch.items if isinstance(r, Reject)] == \
        ["the file holds no device names"]
    assert devices(batch) == []
