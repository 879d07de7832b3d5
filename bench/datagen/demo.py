"""The demo data set that `make run` feeds to kpimon (config/demo/kpimon.toml).

Layout under the output folder:

    tickets/tickets.csv             two years of Efecte-style tickets, ~12 000 a year
    history/status_changes.csv      their status history (not in tickets/: its glob would match)
    ace/ace_YYYY-MM-DD.csv          Telia ACE queue statistics for the last 60 days
    inventory/cmdb.csv, sccm.csv    the two computer lists
    .generated.json                 what was generated (version, seed, end), to skip a rerun

A rerun with the same seed on the same end date leaves everything as it is, so `make run` starts at
once. When the data is regenerated, the demo database beside it (kpimon.db) is removed too: the new
tickets reuse the old ids with different histories, and kpimon keeps the newer of two versions of a
ticket, so the old database would mix both data sets.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.datagen.ace import DEFAULT_QUEUES, write_ace
from bench.datagen.files import atomic_text
from bench.datagen.inventory import InventorySpec, write_inventory
from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets

# Bump when the generated content changes, so existing demo folders are regenerated.
GENERATOR_VERSION = 1
TICKETS_PER_YEAR = 12_000
DEMO_YEARS = 2
ACE_DAYS = 60
STAMP = ".generated.json"
DATABASE_FILES = ("kpimon.db", "kpimon.db-wal", "kpimon.db-shm")


@dataclass
class DemoResult:
    """What `write_demo` did."""

    skipped: bool
    tickets: int = 0
    status_changes: int = 0
    ace_files: int = 0
    removed: list[str] = field(default_factory=list)


def demo_paths(out: Path) -> dict[str, Path]:
    """The fixed files of a demo folder (the ACE files are per day and listed separately)."""
    return {
        "tickets": out / "tickets" / "tickets.csv",
        "status_changes": out / "history" / "status_changes.csv",
        "cmdb": out / "inventory" / "cmdb.csv",
        "sccm": out / "inventory" / "sccm.csv",
    }


def ticket_count(start: int, end: int, per_year: int = TICKETS_PER_YEAR) -> int:
    """Tickets for a span of UTC minutes at `per_year` a year."""
    return round(per_year * (end - start) / (365.25 * 1440))


def _stamp(end_local: dt.datetime, seed: int) -> dict[str, object]:
    return {"version": GENERATOR_VERSION, "seed": seed, "end_date": end_local.date().isoformat(),
            "end": end_local.isoformat(timespec="minutes")}


def is_current(out: Path, end_local: dt.datetime, seed: int) -> bool:
    """True if `out` already holds this generator's data for the same end date and seed."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    want = _stamp(end_local, seed)
    same = all(stamp.get(k) == want[k] for k in ("version", "seed", "end_date"))
    return same and all(p.exists() for p in demo_paths(out).values())


def write_demo(out: Path, end_local: dt.datetime, seed: int = 1, force: bool = False,
               keep_db: bool = False) -> DemoResult:
    """Generate the demo folder (see the module docstring); skip if it is current."""
    if not force and is_current(out, end_local, seed):
        return DemoResult(skipped=True)
    paths = demo_paths(out)
    result = DemoResult(skipped=False)
    if not keep_db:
        for name in DATABASE_FILES:
            db = out / name
            if db.exists():
                db.unlink()
                result.removed.append(str(db))

    start, end = span_for_years(end_local, DEMO_YEARS)
    span = TicketSpan(ticket_count(start, end), start, end, seed)
    with (atomic_text(paths["tickets"]) as tickets,
          atomic_text(paths["status_changes"]) as changes):
        result.tickets, result.status_changes = write_tickets(span, tickets, changes)

    ace_dir = out / "ace"
    written = write_ace(ace_dir, end_local, ACE_DAYS, seed, DEFAULT_QUEUES)
    result.ace_files = len(written)
    # Days that fell out of the 60-day window came from an earlier run: remove them.
    for old in sorted(set(ace_dir.glob("ace_*.csv")) - set(written)):
        old.unlink()
        result.removed.append(str(old))

    write_inventory(out / "inventory", InventorySpec(seed=seed))
    with atomic_text(out / STAMP, encoding="utf-8") as f:
        f.write(json.dumps(_stamp(end_local, seed), indent=2) + "\n")
    return result
