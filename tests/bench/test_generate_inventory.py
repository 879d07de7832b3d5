"""The CMDB and SCCM lists differ by exactly the intended cases."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bench.datagen.inventory import InventorySpec, make_inventory, normalise, write_inventory


def test_files(tmp_path: Path) -> None:
    cmdb, sccm = write_inventory(tmp_path, InventorySpec(seed=3))
    for path, rows in ((cmdb, 3226), (sccm, 3221)):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfNamn\r\n")
        assert raw.count(b"\r\n") == rows + 1


def test_intended_differences() -> None:
    inv = make_inventory(InventorySpec(seed=3))
    assert (len(inv.cmdb), len(inv.sccm)) == (3226, 3221)
    for name in inv.cmdb + inv.sccm:
        assert re.fullmatch(r"(ASK|HAL|LAX|LEK)-(PC|LT)\d{5}(\.kommun\.local)?", name,
                            re.IGNORECASE), name
    a, b = {normalise(n) for n in inv.cmdb}, {normalise(n) for n in inv.sccm}
    # Real differences: about five on each side, and nothing else after normalising.
    assert sorted(a - b) == inv.cmdb_only and len(inv.cmdb_only) == 5
    assert sorted(b - a) == inv.sccm_only and len(inv.sccm_only) == 5
    # The noise: one exact duplicate, second registrations, case and domain suffixes.
    counts = Counter(inv.cmdb)
    assert [n for n, c in counts.items() if c > 1] == inv.duplicates
    assert len(inv.cmdb) - len(a) == 1 + len(inv.variants)
    assert any(n != n.upper() for n in inv.sccm)
    assert sum(n.endswith(".kommun.local") for n in inv.sccm) == 15
    assert len(set(inv.cmdb) ^ set(inv.sccm)) > 10  # a naive comparison would see far more


def test_counts_follow_the_spec() -> None:
    inv = make_inventory(InventorySpec(shared=100, cmdb_only=2, sccm_only=3, cmdb_duplicates=1,
                                       cmdb_variant_duplicates=0, seed=1))
    assert (len(inv.cmdb), len(inv.sccm)) == (103, 103)
