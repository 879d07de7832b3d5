"""Two computer-name lists, as exported from the CMDB (Efecte) and from SCCM, that nearly agree.

Names look like `ASK-PC01234` (org code, PC or LT for laptop, a five-digit asset number). Both
lists share most machines; on top of that each has a few real differences, and some differences
that reconciliation must see through (docs/indicators.md `asset_reconciliation`):

* CMDB: machines SCCM no longer sees (scrapped, not yet written off), one name listed twice, and a
  few machines registered a second time under their lower-case or fully qualified name.
* SCCM: new machines not yet in the CMDB, and some shared names reported in lower case or with the
  `.kommun.local` domain suffix.

With the defaults the CMDB has 3 226 rows and SCCM 3 221, as in the board's 2020 figures, and
after normalisation exactly `cmdb_only + sccm_only` (ten) names differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.datagen.files import atomic_text
from bench.datagen.tickets import NEWLINE

HEADER = "Namn"
DOMAIN = ".kommun.local"
ORG_CODES = ("ASK", "HAL", "LAX", "LEK")
ORG_SHARE = (0.27, 0.37, 0.14, 0.22)
LAPTOP_SHARE = 0.45


@dataclass(frozen=True)
class InventorySpec:
    """How many names of each kind to generate."""

    shared: int = 3216
    cmdb_only: int = 5
    sccm_only: int = 5
    cmdb_duplicates: int = 1  # the same name twice
    cmdb_variant_duplicates: int = 4  # a second registration in lower case or with the domain
    sccm_lower: int = 12
    sccm_domain: int = 15
    seed: int = 1


@dataclass
class Inventory:
    """The two lists (rows as written) and the ground truth for tests."""

    cmdb: list[str]
    sccm: list[str]
    cmdb_only: list[str] = field(default_factory=list)
    sccm_only: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """Upper case, surrounding space and domain suffix removed (as kpimon compares names)."""
    return name.strip().split(".", 1)[0].upper()


def make_inventory(spec: InventorySpec | None = None) -> Inventory:
    """Build both lists deterministically from the spec's seed."""
    spec = spec or InventorySpec()
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x1AB]))
    total = spec.shared + spec.cmdb_only + spec.sccm_only
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < total:
        org = ORG_CODES[int(rng.choice(len(ORG_CODES), p=ORG_SHARE))]
        kind = "LT" if rng.random() < LAPTOP_SHARE else "PC"
        name = f"{org}-{kind}{int(rng.integers(1, 15000)):05d}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    shared = names[:spec.shared]
    cmdb_only = names[spec.shared:spec.shared + spec.cmdb_only]
    sccm_only = names[spec.shared + spec.cmdb_only:]

    # Pick distinct shared machines for each kind of harmless difference.
    picks = rng.permutation(spec.shared)
    cursor = 0

    def take(k: int) -> list[str]:
        nonlocal cursor
        out = [shared[i] for i in picks[cursor:cursor + k]]
        cursor += k
        return out

    duplicates = take(spec.cmdb_duplicates)
    variant_of = take(spec.cmdb_variant_duplicates)
    variants = [n.lower() if i % 2 == 0 else n + DOMAIN for i, n in enumerate(variant_of)]
    lower = set(take(spec.sccm_lower))
    domain = set(take(spec.sccm_domain))

    # The CMDB list view exports sorted by name; SCCM in resource-id order, i.e. unsorted.
    cmdb = sorted(shared + cmdb_only + duplicates + variants, key=normalise)
    sccm_names = [n.lower() if n in lower else n + DOMAIN if n in domain else n
                  for n in shared + sccm_only]
    sccm = [sccm_names[i] for i in rng.permutation(len(sccm_names))]
    return Inventory(cmdb=cmdb, sccm=sccm, cmdb_only=sorted(cmdb_only),
                     sccm_only=sorted(sccm_only), duplicates=duplicates, variants=variants)


def write_inventory(out_dir: Path, spec: InventorySpec | None = None) -> tuple[Path, Path]:
    """Write cmdb.csv and sccm.csv (header `Namn`) into `out_dir`."""
    inv = make_inventory(spec)
    paths = (out_dir / "cmdb.csv", out_dir / "sccm.csv")
    for path, rows in zip(paths, (inv.cmdb, inv.sccm), strict=True):
        with atomic_text(path) as f:
            f.write(NEWLINE.join([HEADER, *rows]) + NEWLINE)
    return paths
