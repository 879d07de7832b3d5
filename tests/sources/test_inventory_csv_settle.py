"""inventory_csv: a file still being written is left for later, or waited for in one-shot runs."""

from __future__ import annotations

from pathlib import Path

from kpimon.sources.inventory_csv import InventoryCsvSource
from tests.sources.inventory_files import collect, context, device_names, inventory_config, write


def test_unsettled_file_is_left_for_the_next_cycle(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "Name\nPC001\n", age=0)
    assert collect(inventory_config(tmp_path, settle=30)) == []


def test_one_shot_collect_waits_for_the_file_to_settle(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "Name\nPC001\n", age=0)
    cfg = inventory_config(tmp_path, settle=1)
    slept: list[float] = []
    # A fake clock that the fake sleep advances keeps the test fast and exact.
    now = [float((tmp_path / "cmdb.csv").stat().st_mtime)]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    source = InventoryCsvSource(cfg, clock=lambda: now[0], sleep=sleep)
    batches = list(source.collect(context(cfg, wait_for_settle=True)))
    assert device_names(batches[0]) == ["PC001"]
    assert slept and sum(slept) >= 1.0


def test_import_reads_the_named_file_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere.txt", "Name\nPC001\n", age=0)
    cfg = inventory_config(tmp_path, settle=30)
    batches = collect(cfg, files=[path], is_imported=lambda key: True)
    assert device_names(batches[0]) == ["PC001"]
