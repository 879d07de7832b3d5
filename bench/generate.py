"""Deterministic sample-data generator for kpimon's demo, tests and benchmarks.

    python bench/generate.py demo --out DIR [--end DATE] [--seed 1] [--force] [--keep-db]
    python bench/generate.py tickets --count N --out FILE [--end DATE] [--years 2] [--seed 1]
                                     [--status-changes FILE]
    python bench/generate.py ace --days D --out DIR [--end DATE] [--seed 1] [--queue NAME …]
    python bench/generate.py inventory --out DIR [--seed 1]

`--end` is a local (Europe/Stockholm) date, meaning the end of that day, or a date and time
(`2026-11-26T14:30`); the default is now, so the demo's data always ends today. The same seed
and arguments give byte-identical files. The generator itself lives in `bench.datagen`, whose
functions yield rows for benchmarks and tests; see config/demo/README.md for the demo.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python bench/generate.py`: make the repository root importable for `bench.datagen`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datagen.ace import DEFAULT_QUEUES, write_ace  # noqa: E402
from bench.datagen.demo import write_demo  # noqa: E402
from bench.datagen.files import atomic_text  # noqa: E402
from bench.datagen.inventory import InventorySpec, write_inventory  # noqa: E402
from bench.datagen.tickets import TicketSpan, span_for_years, write_tickets  # noqa: E402
from bench.datagen.timebase import TZ  # noqa: E402


def parse_end(text: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """`--end` as a naive Stockholm datetime: a date means its last minute (23:59); default now.

    "Now" is taken in Europe/Stockholm whatever the machine's zone, so the data never reaches
    into kpimon's future.
    """
    if text is None:
        now = now or dt.datetime.now(TZ).replace(tzinfo=None)
        return now.replace(second=0, microsecond=0)
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59))
        return dt.datetime.fromisoformat(text.replace(" ", "T")).replace(
            second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2026-11-26) or a date and time (2026-11-26T14:30)") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="generate.py", description="Generate deterministic kpimon sample data.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, end: bool = True) -> None:
        p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        if end:
            p.add_argument("--end", type=str, default=None,
                           help="last local date (or date and time) of the data; default now")

    demo = sub.add_parser("demo", help="the demo data set for `make run`")
    demo.add_argument("--out", type=Path, required=True, help="demo folder, e.g. var/demo")
    demo.add_argument("--force", action="store_true",
                      help="regenerate even if the folder holds this end date and seed")
    demo.add_argument("--keep-db", action="store_true",
                      help="do not remove the demo database when regenerating")
    common(demo)

    tickets = sub.add_parser("tickets", help="a ticket export of a given size (benchmarks)")
    tickets.add_argument("--count", type=_positive, required=True, help="number of tickets")
    tickets.add_argument("--out", type=Path, required=True, help="ticket CSV to write")
    tickets.add_argument("--years", type=_positive, default=2,
                         help="years before --end that tickets are created in (default 2)")
    tickets.add_argument("--orgs", type=_positive, default=4,
                         help="organisations the tickets come from (default 4, the demo's; "
                              "more adds \"Org 005\", \"Org 006\", …)")
    tickets.add_argument("--status-changes", type=Path, default=None,
                         help="also write the status history to this CSV")
    common(tickets)

    ace = sub.add_parser("ace", help="Telia ACE queue statistics, one file per day")
    ace.add_argument("--days", type=_positive, required=True, help="days up to --end")
    ace.add_argument("--out", type=Path, required=True, help="folder for ace_YYYY-MM-DD.csv")
    ace.add_argument("--queue", action="append", default=None,
                     help=f"queue name, repeatable (default {', '.join(DEFAULT_QUEUES)}; "
                          "Beställning is the other known queue)")
    common(ace)

    inventory = sub.add_parser("inventory", help="CMDB and SCCM computer lists")
    inventory.add_argument("--out", type=Path, required=True, help="folder for cmdb/sccm.csv")
    common(inventory, end=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        end = parse_end(getattr(args, "end", None))
    except argparse.ArgumentTypeError as e:
        parser.error(f"--end: {e}")
    started = time.perf_counter()

    if args.command == "demo":
        result = write_demo(args.out, end, args.seed, force=args.force, keep_db=args.keep_db)
        if result.skipped:
            print(f"{args.out}: demo data for {end.date()} (seed {args.seed}) already there")
            return 0
        for path in result.removed:
            print(f"removed {path}")
        print(f"{args.out}: {result.tickets} tickets, {result.status_changes} status changes, "
              f"{result.ace_files} ACE files, 2 inventory lists, up to {end:%Y-%m-%d %H:%M} "
              f"({time.perf_counter() - started:.1f} s)")
    elif args.command == "tickets":
        start, stop = span_for_years(end, args.years)
        span = TicketSpan(args.count, start, stop, args.seed, orgs=args.orgs)
        with atomic_text(args.out) as out:
            if args.status_changes is None:
                n, changes = write_tickets(span, out)
            else:
                with atomic_text(args.status_changes) as history:
                    n, changes = write_tickets(span, out, history)
        took = time.perf_counter() - started
        extra = f", {changes} status changes" if args.status_changes else ""
        print(f"{args.out}: {n} tickets{extra} in {took:.2f} s ({n / took:,.0f} tickets/s)")
    elif args.command == "ace":
        queues = tuple(args.queue) if args.queue else DEFAULT_QUEUES
        paths = write_ace(args.out, end, args.days, args.seed, queues)
        print(f"{args.out}: {len(paths)} ACE files for {', '.join(queues)}")
    else:
        cmdb, sccm = write_inventory(args.out, InventorySpec(seed=args.seed))
        print(f"{args.out}: {cmdb.name}, {sccm.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
