"""Reconciliation of two computer inventories by the DESIGN §7 rule."""

from __future__ import annotations

import pytest

from kpimon.inventory import normalize_name, normalized_names, reconcile, reconcile_counts


def test_names_differing_only_in_form_match_and_five_real_differences_count() -> None:
    cmdb = [
        "PC001", "pc002", " PC003 ", "PC004.kommun.local", "PC005", "PC005",  # duplicate
        "LAXÅ-PC06", "SRV-FIL01",
        "PC100", "PC101", "PC102",  # only in the CMDB
    ]
    sccm = [
        "pc001.KOMMUN.local", "PC002", "PC003", "pc004", "Pc005", "laxå-pc06 ",
        "srv-fil01.kommun.local",
        "PC200", "PC201",  # only in SCCM
    ]
    r = reconcile(cmdb, sccm)
    assert r.value == 5
    assert r.only_a == ["PC100", "PC101", "PC102"]
    assert r.only_b == ["PC200", "PC201"]
    assert (r.count_a, r.count_b) == (10, 9)


def test_equal_counts_can_still_differ() -> None:
    r = reconcile(["A", "B"], ["A", "C"])
    assert (r.count_a, r.count_b, r.value) == (2, 2, 2)


def test_normalize_name_rule() -> None:
    assert normalize_name("  pc001.kommun.local ") == "PC001"
    assert normalize_name("Laxå-PC01") == "LAXÅ-PC01"
    assert normalize_name("  ") == ""
    assert normalized_names(["a", "A.x", "", " "]) == frozenset({"A"})


def test_counts_only() -> None:
    r = reconcile_counts(3226, 3221)
    assert r.value == 5
    assert (r.count_a, r.count_b, r.only_a, r.only_b) == (3226, 3221, [], [])
    assert reconcile_counts(3221, 3226).value == 5
    with pytest.raises(ValueError):
        reconcile_counts(-1, 3)
