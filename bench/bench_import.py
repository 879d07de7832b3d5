"""Benchmark: `ticket_csv` import of a large Efecte-style export into SQLite and PostgreSQL.

Run from the repository root:

    PYTHONPATH=. python bench/bench_import.py [--sizes 100000,1000000] [--pg] [--facts]

For each size it writes an export with the golden headers and vocabulary (unique ids, realistic
dates, deterministic), then imports it in a **child process** through the whole path a user's
`kpimon import` takes (Collector.collect → adapter → Store.write_batch → BatchWriter) into a
fresh database, and reports tickets/s and the child's peak RSS (VmHWM). In the same run and on
the same file it times a bare `csv.reader` pass (the floor any CSV import pays) and prints the
ratio. `--facts` also times `app.facts.update()` after the import; the import computes the
facts of its new tickets itself (in its own transaction), so the pass has nothing left to do
here: `bench/bench_facts.py` measures the facts pass alone and the facts' share of an import.
Targets (SQLite, 1 000 000 tickets): ≥ 60 000 tickets/s, peak RSS ≤ 250 MB, and
RSS at the largest size ≤ 1.3 × RSS at the smallest; `--check` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HEADER = ["Ärende-ID", "Typ", "Prioritet", "Status", "Skapad", "Första återkoppling", "Löst",
          "Stängd", "Löst av linje", "Lösning", "Grupp", "Organisation", "Kategori",
          "Senast ändrad"]
KINDS = ["Incident"] * 6 + ["Tjänsteförfrågan"] * 3 + ["Beställning"]
PRIORITIES = ["1. Akut"] + ["2. Hög"] * 3 + ["3. Normal"] * 12 + ["4. Låg"] * 4
GROUPS = ["Servicedesk"] * 5 + ["Drift", "Nätverk", "Beställning", "Applikation"]
ORGS = ["Askersund", "Hallsberg", "Laxå", "Lekeberg", "Sydnärkes IT"]
CATEGORIES = ["", "Dator", "Skrivare", "Konto", "E-post", "Telefoni", "Verksamhetssystem"]
SOLUTIONS = ["", "Startade om", "Bytt disk", "Nytt lösenord", "Konfigurerat", "Levererad",
             "Löst direkt i telefon", "Behörighet tillagd; användaren informerad"]

TARGET_RATE = 60_000
TARGET_RSS_MB = 250
TARGET_RSS_GROWTH = 1.3

CONFIG = """\
timezone = "Europe/Stockholm"
database = "{database}"
orgs = ["Askersund", "Hallsberg", "Laxå", "Lekeberg"]

[[sources]]
name = "export"
kind = "ticket_csv"
path = "{folder}/*.csv"
every = "1h"
settle = "0s"
first_line_groups = ["Servicedesk"]

[sources.values.priority]
"1. Akut" = "acute"
"2. Hög" = "high"
"3. Normal" = "normal"
"4. Låg" = "low"

[sources.values.status]
"01 - Ny" = "new"
"02 - Pågår" = "in_progress"
"03 - Väntar" = "waiting"
"05 - Avklarad" = "resolved"
"07 - Stängd" = "closed"
"08 - Annullerad" = "cancelled"

[sources.values.kind]
"Incident" = "incident"
"Tjänsteförfrågan" = "request"
"Beställning" = "order"

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"

[[indicators]]
id = "handling"
kind = "handling_time"
calendar = "office"
unit = "hours"

[calendars.office]
holidays = "SE"

[calendars.office.hours]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-16:00"]
"""


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def generate(path: Path, n: int, seed: int = 2020) -> None:
    """Write `n` tickets in the golden export format (UTF-8 with BOM, `;`, CRLF).

    Created times run from 2019-01-01 forward, about 75 tickets an hour from 07 to 17 (a large
    desk: a million tickets span some four years of local times, DST changes included); the
    later times follow from created. Open tickets (new, in progress, waiting) carry no resolved
    time, and only closed ones a closed time.
    """
    rng = random.Random(seed)
    t = datetime(2019, 1, 1, 7, 0)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(HEADER)
        for i in range(n):
            t += timedelta(minutes=rng.choice((0, 0, 1, 1, 2)))
            if t.hour >= 17:
                t = t.replace(hour=7) + timedelta(days=1)
            r = rng.random()
            status = ("01 - Ny" if r < 0.02 else "02 - Pågår" if r < 0.05 else
                      "03 - Väntar" if r < 0.07 else "08 - Annullerad" if r < 0.08 else
                      "05 - Avklarad" if r < 0.2 else "07 - Stängd")
            response = t + timedelta(minutes=rng.randint(0, 600))
            resolved = response + timedelta(minutes=rng.randint(5, 6000))
            closed = resolved + timedelta(days=3)
            done = status in ("05 - Avklarad", "07 - Stängd")
            updated = closed if status == "07 - Stängd" else resolved if done else response
            w.writerow([
                f"INC{i + 1:07d}", rng.choice(KINDS), rng.choice(PRIORITIES), status, _fmt(t),
                _fmt(response) if status != "01 - Ny" else "",
                _fmt(resolved) if done else "",
                _fmt(closed) if status == "07 - Stängd" else "",
                rng.choice(("1", "1", "2")) if done else "",
                rng.choice(SOLUTIONS) if done else "",
                rng.choice(GROUPS), rng.choice(ORGS), rng.choice(CATEGORIES), _fmt(updated),
            ])


def bare_csv_seconds(path: Path) -> float:
    """A bare `csv.reader` pass over the file: decode, split, nothing else."""
    t = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as f:
        for _row in csv.reader(f, delimiter=";"):
            pass
    return time.perf_counter() - t


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(args: argparse.Namespace) -> int:
    """Import one file into a fresh database; print the figures as JSON."""
    from kpimon.app import App
    from kpimon.config import load_config

    config = load_config(Path(args.config))
    app = App.build(config)
    app.store.upgrade()
    source = config.source("export")
    rss_before = peak_rss_mb()
    t = time.perf_counter()
    outcome = app.collector.collect(source, files=[Path(args.file)])
    seconds = time.perf_counter() - t
    if not outcome.ok:
        print(json.dumps({"error": outcome.error}))
        return 1
    out: dict[str, Any] = {"seconds": seconds, "inserted": outcome.counts.inserted,
                           "rejected": outcome.counts.rejected,
                           "rss_start_mb": rss_before, "rss_mb": peak_rss_mb()}
    if args.facts:
        t = time.perf_counter()
        out["facts_tickets"] = app.facts.update()
        out["facts_seconds"] = time.perf_counter() - t
        out["rss_after_facts_mb"] = peak_rss_mb()
    app.store.close()
    print(json.dumps(out))
    return 0


def _pg_schema(base: str, create: bool, schema: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        if create:
            conn.execute(f"CREATE SCHEMA {schema}")
        else:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run_one(work: Path, csv_path: Path, backend: str, pg_url: str, facts: bool) -> dict[str, Any]:
    """Import `csv_path` into a fresh database of `backend` in a child process."""
    schema = None
    if backend == "sqlite":
        db = work / f"bench-{uuid.uuid4().hex[:8]}.db"
        database = f"sqlite:///{db}"
    else:
        schema = "bench_" + uuid.uuid4().hex[:10]
        _pg_schema(pg_url, True, schema)
        database = f"{pg_url}?options=-csearch_path%3D{schema}"
    folder = work / "drop-unused"
    folder.mkdir(exist_ok=True)
    config = work / f"kpimon-{backend}.toml"
    config.write_text(CONFIG.format(database=database, folder=folder), encoding="utf-8")
    cmd = [sys.executable, __file__, "--child", "--config", str(config), "--file", str(csv_path)]
    if facts:
        cmd.append("--facts")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            raise RuntimeError(f"child failed: {proc.stdout}\n{proc.stderr}")
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result
    finally:
        if schema:
            _pg_schema(pg_url, False, schema)
        elif backend == "sqlite":
            for p in work.glob("bench-*.db*"):
                p.unlink()


def main(argv: list[str] | None = None) -> int:
    """Generate, import, measure and print."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100000,1000000", help="comma-separated ticket counts")
    p.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    p.add_argument("--pg-only", action="store_true", help="only on PostgreSQL")
    p.add_argument("--pg-url", default=os.environ.get(
        "KPIMON_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    p.add_argument("--facts", action="store_true", help="also time facts.update()")
    p.add_argument("--work", help="folder for the generated files (default a temp folder)")
    p.add_argument("--check", action="store_true", help="exit 1 if a SQLite target is missed")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--config", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)

    sizes = [int(s) for s in args.sizes.split(",")]
    backends = (["postgresql"] if args.pg_only else
                ["sqlite"] + (["postgresql"] if args.pg else []))
    work_ctx = tempfile.TemporaryDirectory(prefix="kpimon-bench-")
    work = Path(args.work) if args.work else Path(work_ctx.name)
    work.mkdir(parents=True, exist_ok=True)
    failed = False
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for backend in backends:
        rss: dict[int, float] = {}
        for n in sizes:
            path = work / f"tickets-{n}.csv"
            if not path.exists():
                t = time.perf_counter()
                generate(path, n)
                print(f"generated {path.name}: {path.stat().st_size / 1e6:.1f} MB "
                      f"in {time.perf_counter() - t:.1f} s")
            base = bare_csv_seconds(path)
            r = run_one(work, path, backend, args.pg_url, args.facts)
            rate = n / r["seconds"]
            rss[n] = r["rss_mb"]
            line = (f"{backend:<10} {n:>9,} tickets: {r['seconds']:6.2f} s, {rate:9,.0f} "
                    f"tickets/s, peak RSS {r['rss_mb']:6.1f} MB; bare csv.reader "
                    f"{base:5.2f} s ({n / base:,.0f} rows/s), import/csv = "
                    f"{r['seconds'] / base:.1f}x")
            if "facts_seconds" in r:
                line += (f"; facts.update() {r['facts_tickets']:,} tickets in "
                         f"{r['facts_seconds']:.1f} s, peak RSS "
                         f"{r['rss_after_facts_mb']:.1f} MB")
            print(line, flush=True)
            if r["inserted"] != n or r["rejected"]:
                print(f"  !! expected {n} inserted, got {r['inserted']} "
                      f"({r['rejected']} rejected)")
                failed = True
            if backend == "sqlite" and n >= 1_000_000:
                if rate < TARGET_RATE or r["rss_mb"] > TARGET_RSS_MB:
                    failed = True
        if len(rss) > 1:
            lo, hi = min(rss), max(rss)
            growth = rss[hi] / rss[lo]
            print(f"{backend:<10} peak RSS at {hi:,} / at {lo:,} = {growth:.2f}")
            if backend == "sqlite" and growth > TARGET_RSS_GROWTH:
                failed = True
    work_ctx.cleanup()
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
