"""inventory_csv with count = true: a lone integer, a count column or a count row."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.records import DeviceCount, Reject
from tests.sources.inventory_files import collect, inventory_config, write


@pytest.mark.parametrize("content", [
    "3221\n", "3 221", "\ufeff3221\r\n", "Antal\n3221\n", "Kommun;Antal\nAlla;3 221\n",
    "Count\r\n3221\r\n", "Rapport;Datorer i SCCM\nAntal;3221\n",
])
def test_count_forms(tmp_path: Path, content: str) -> None:
    write(tmp_path / "sccm-count.csv", content)
    batches = collect(inventory_config(tmp_path, count=True))
    assert len(batches) == 1 and batches[0].snapshot
    [item] = list(batches[0].items)
    assert isinstance(item, DeviceCount)
    assert item.count == 3221 and item.source == "cmdb"


def test_bad_count_is_a_reject_and_no_snapshot(tmp_path: Path) -> None:
    write(tmp_path / "sccm-count.csv", "Antal\ntre tusen\n")
    [batch] = collect(inventory_config(tmp_path, count=True))
    assert not batch.snapshot
    [reject] = list(batch.items)
    assert isinstance(reject, Reject)
    assert (reject.row, reject.field, reject.value) == (2, "Antal", "tre tusen")
