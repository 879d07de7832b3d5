"""Computer-inventory reconciliation (docs/indicators.md `asset_reconciliation`): pure functions.

The board's internal-control indicator compares two inventories, typically the CMDB (Efecte)
and ConfigMgr (SCCM). The rule (docs/indicators.md): take the latest snapshot of each source,
normalise every name
(upper case, the domain suffix and surrounding space removed), collapse duplicates; the value is
the number of names found in only one of the two (the symmetric difference). When a source only
gives a count, the value is |count a − count b|.

Adapters keep names as the source gives them; normalisation happens here, once, so every
indicator and `explain` apply the same rule. Nothing here touches the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def normalize_name(name: str) -> str:
    """A computer name in the form reconciliation compares.

    Surrounding space is removed, the domain suffix (everything from the first dot:
    `pc001.kommun.local` → `pc001`) is dropped, and the rest is upper-cased, so `pc001`,
    ` PC001 ` and `PC001.kommun.local` are one computer. A name that is empty after this is
    returned as `""`; `reconcile` ignores such names.
    """
    return name.strip().split(".", 1)[0].strip().upper()


def normalized_names(names: Iterable[str]) -> frozenset[str]:
    """The distinct normalised names of an inventory, without empty ones."""
    return frozenset(n for n in (normalize_name(x) for x in names) if n)


@dataclass(frozen=True)
class Reconciliation:
    """The comparison of two inventories `a` and `b` (docs/indicators.md `asset_reconciliation`).

    `count_a` and `count_b` are the sizes after normalising and collapsing duplicates; `only_a`
    and `only_b` are the sorted normalised names found on one side only (empty when the
    comparison was made from counts alone); `value` is the indicator's value: the size of the
    symmetric difference for names, |count_a − count_b| for counts.
    """

    count_a: int
    count_b: int
    only_a: list[str]
    only_b: list[str]
    value: int


def reconcile(a_names: Iterable[str], b_names: Iterable[str]) -> Reconciliation:
    """Compare two name lists by the reconciliation rule.

    Both sides are normalised with `normalize_name` and de-duplicated; value =
    len(only_a) + len(only_b), the number of computers present in one inventory but not the
    other. Two inventories of equal size can therefore still differ (value > 0), which is the
    point of comparing names rather than counts.
    """
    a = normalized_names(a_names)
    b = normalized_names(b_names)
    only_a = sorted(a - b)
    only_b = sorted(b - a)
    return Reconciliation(count_a=len(a), count_b=len(b), only_a=only_a, only_b=only_b,
                          value=len(only_a) + len(only_b))


def reconcile_counts(count_a: int, count_b: int) -> Reconciliation:
    """Compare two inventories known only by their counts: value = |count_a − count_b|.

    Use this when either side is count-only (an `inventory_csv` source with `count = true`);
    for a side that has names, pass `len(normalized_names(names))` as its count.
    """
    if count_a < 0 or count_b < 0:
        raise ValueError(f"a computer count cannot be negative ({count_a}, {count_b})")
    return Reconciliation(count_a=count_a, count_b=count_b, only_a=[], only_b=[],
                          value=abs(count_a - count_b))
