"""Benchmark: the steady compute of every demo indicator for the running month and year.

    python bench/bench_compute.py [--count 100000 --years 1] [--orgs 4]
                                  [--db sqlite,postgresql] [--cache var/bench] [--json FILE]

A store of `--count` generated tickets over `--years` years (the demo's generator, ending now)
is built once per day and kept in `--cache` (SQLite file, PostgreSQL schema `kpimon_bench_N`).
On it the script times what each daemon cycle costs — `App.compute` (facts check, the running
month and year with last year's values and rise/fall baselines) plus the tickets-at-risk
counts — as:

* **cold**: a new process's first compute right after the import (no stored month sums);
* **first**: the first compute of a restarted daemon (the store keeps its month sums);
* **steady**: the best of nine later cycles, taken in turns on the two databases so that
  both see the same load (their median is kept too).

When the store is built in the run, its import (`collect` of the export, the facts of the new
tickets inside it) and the facts pass afterwards are timed too, and the process's peak RSS is
reported for the build and for the computes apart (`--orgs N`: tickets of N organisations, all
of them the configuration's breakdown keys — the scale run's 100 customers).

The baseline, measured in the same run: DuckDB computing *one* of the indicators (the year's
first-line share) straight from the export CSV. Goals (issue 18): steady ≤ 0.4 s on SQLite at
1M tickets and no slower than the DuckDB baseline; first ≤ 1 s; PostgreSQL ≤ 2x SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics as stats
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402
from kpimon.config import Config, load_config  # noqa: E402

# How bench/run_all.py runs this benchmark (quick: `make bench`, full: `make bench-full`).
SUITE = {"quick": [["--count", "100000", "--years", "1"]],
         "full": [["--count", "1000000", "--years", "10"]],
         "full10m": [["--count", "10000000", "--years", "10", "--orgs", "100",
                      "--db", "postgresql", "--json", "bench/results/compute_10m.json"]]}

CONFIG = ROOT / "config" / "demo" / "kpimon.toml"


DEMO_ORGS = 4
RAW_ROWS = 1_000_000  # rows of the raw sqlite3 load baseline (scaled to the file's count)


def _schema(count: int, orgs: int) -> str:
    """The PostgreSQL schema of the store: kpimon_bench_N[_Mo], or $KPIMON_BENCH_SCHEMA (so
    that two working copies on one server do not rebuild each other's store)."""
    return os.environ.get("KPIMON_BENCH_SCHEMA") or (
        f"kpimon_bench_{count}" + (f"_{orgs}o" if orgs != DEMO_ORGS else ""))


def _config(data_dir: Path, db: str, count: int, orgs: int = DEMO_ORGS) -> Config:
    config = load_config(CONFIG, env={"KPIMON_DEMO_DIR": str(data_dir)})
    if orgs != DEMO_ORGS:
        from bench.datagen.tickets import org_names

        config = replace(config, orgs=tuple(org_names(orgs)))
    if db == "postgresql":
        schema = _schema(count, orgs)
        config = replace(config, database=f"{results.PG_URL}?options=-csearch_path%3D{schema}")
    return config


def _pg_schema(count: int, orgs: int, drop: bool) -> None:
    import psycopg

    raw = results.PG_URL.replace("postgresql+psycopg", "postgresql")
    schema = _schema(count, orgs)
    with psycopg.connect(raw, autocommit=True) as conn:
        if drop:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def peak_rss_mib(reset: bool = False) -> float:
    """This process's peak RSS (VmHWM) in MiB; `reset` starts a new peak from the current
    RSS (Linux: clear_refs), so that the computes are measured apart from the build."""
    with open("/proc/self/status") as f:
        peak = next((int(ln.split()[1]) / 1024 for ln in f if ln.startswith("VmHWM:")),
                    float("nan"))
    if reset:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
    return peak


def build(count: int, years: int, db: str, cache: Path, orgs: int = DEMO_ORGS
          ) -> tuple[Path, Path, dict[str, float]]:
    """The store (built once per day and kept) and its export; import and facts times and the
    peak RSS when built now."""
    work = cache / (f"{count}-{years}y-{date.today().isoformat()}"
                    + (f"-{orgs}o" if orgs != DEMO_ORGS else ""))
    data = work / "tickets.csv"
    work.mkdir(parents=True, exist_ok=True)
    if not data.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "tickets",
                        "--count", str(count), "--years", str(years), "--orgs", str(orgs),
                        "--out", str(data)], check=True, stdout=subprocess.DEVNULL)
    marker = work / f"built-{db}"
    if marker.exists():
        return work, data, {}
    from kpimon.app import App

    (work / "tickets").mkdir(exist_ok=True)
    if db == "postgresql":
        _pg_schema(count, orgs, drop=True)
    else:
        (work / "kpimon.db").unlink(missing_ok=True)
    config = _config(work, db, count, orgs)
    peak_rss_mib(reset=True)
    app = App.build(config)
    app.store.upgrade()
    from bench.bench_facts import time_facts_hook

    spent = time_facts_hook(app)  # seconds of the facts of the new tickets, COPY included
    t0 = time.perf_counter()
    outcome = app.collector.collect(config.source("efecte_export"), files=[data])
    t_import = time.perf_counter() - t0
    assert outcome.ok, outcome.error
    t0 = time.perf_counter()
    app.facts.update()  # what the import left: nothing, unless tickets came with a history
    t_pass = time.perf_counter() - t0
    rss = peak_rss_mib()
    floor = positions_floor(app)
    app.store.close()
    marker.touch()
    from bench.bench_facts import raw_sqlite_load

    # The raw load of at most RAW_ROWS rows, scaled to the whole file (it is linear): at 10M
    # the whole file would add a quarter of an hour on a busy machine.
    raw_db = work / "raw.db"
    raw_db.unlink(missing_ok=True)
    rows = min(count, RAW_ROWS)
    raw = raw_sqlite_load(data, raw_db, rows) * count / rows
    raw_db.unlink()
    return work, data, {"import_s": t_import, "facts_at_import_s": spent[0],
                        "facts_pass_after_s": t_pass, "facts_s": spent[0] + t_pass,
                        "build_peak_rss_mib": rss, "raw_sqlite_load_s": raw, **floor}


def positions_floor(app: Any) -> dict[str, float]:
    """`Calendar.positions` over the instants the facts exist for (created, first response,
    every resolved time; on each stored clock): the facts' arithmetic floor (bench_facts)."""
    import numpy as np
    from sqlalchemy import text

    with app.store.engine.connect() as conn:
        def column(sql: str) -> Any:
            rows = conn.execution_options(yield_per=200_000).execute(text(sql))
            return np.fromiter((r[0] for r in rows), np.int64)

        instants = np.concatenate([column("SELECT created FROM tickets"),
                                   column("SELECT COALESCE(response_at, created) FROM tickets"),
                                   column("SELECT resolved_at FROM resolutions")])
    t0 = time.perf_counter()
    for clock in app.facts.stored:
        clock.calendar.positions(instants)
    seconds = time.perf_counter() - t0
    return {"positions_s": seconds, "positions": int(len(instants)) * len(app.facts.stored)}


def cycle(daemon: Any, now: datetime | None = None) -> float:
    """One daemon cycle's indicator work: App.compute and the tickets-at-risk counts, as of
    `now` or else as of the next whole second. The daemon's cycles are seconds apart, each as
    of its own moment (evaluations are to the second): cycles as of one moment would reuse
    what is measured once per moment (the open tickets) and time less than a daemon does."""
    if now is None:
        time.sleep(1.01 - time.time() % 1)
        now = datetime.now(UTC)
    t0 = time.perf_counter()
    daemon.app.compute(now, save=False)
    daemon._at_risk(now)
    return time.perf_counter() - t0


STEADY_CYCLES = 9


def start(work: Path, db: str, count: int, orgs: int = DEMO_ORGS
          ) -> tuple[Any, dict[str, float]]:
    """Cold and first cycles; returns the restarted daemon for the steady ones."""
    from sqlalchemy import delete

    from kpimon.daemon import Daemon
    from kpimon.store import tables as t

    config = _config(work, db, count, orgs)
    now = datetime.now(UTC)
    daemon = Daemon(config, env={})
    daemon.app.store.upgrade()
    with daemon.app.store.engine.begin() as conn:  # as right after an import
        conn.execute(delete(t.settled_sums))
    cold = cycle(daemon, now)
    daemon.app.store.close()
    daemon = Daemon(config, env={})  # a restart: the month sums are kept
    first = cycle(daemon, now)
    return daemon, {"cold_s": cold, "first_s": first}


def steady(daemons: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The steady cycles of every database, taken in turns (SQLite, PostgreSQL, SQLite, ...):
    on a shared machine the load moves by the second, and cycles taken side by side see the
    same load, so their ratio holds where absolute times do not. The best of the cycles is the
    least disturbed (their median is kept too)."""
    runs: dict[str, list[float]] = {db: [] for db in daemons}
    for _ in range(STEADY_CYCLES):
        for db, daemon in daemons.items():
            runs[db].append(cycle(daemon))
    return {db: {"steady_s": min(r), "steady_median_s": stats.median(r),
                 "steady_runs_s": [round(x, 4) for x in r]} for db, r in runs.items()}


def duckdb_baseline(data: Path, now: datetime) -> float | None:
    """DuckDB: the running year's first-line share straight from the export (best of 3)."""
    try:
        import duckdb
    except ImportError:
        return None
    year = now.astimezone(load_config(CONFIG, env={"KPIMON_DEMO_DIR": "."}).tz).year
    sql = f"""
        SELECT sum(CASE WHEN "Löst av linje" = 1 OR ("Löst av linje" IS NULL
                                                     AND "Grupp" = 'Servicedesk')
                        THEN 1 ELSE 0 END) / count(*)
        FROM read_csv('{data}', delim = ';', header = true, all_varchar = false)
        WHERE "Status" <> '08 - Annullerad'
          AND coalesce("Löst", "Stängd") >= TIMESTAMP '{year}-01-01 00:00'
          AND coalesce("Löst", "Stängd") < TIMESTAMP '{year + 1}-01-01 00:00'"""
    best = float("inf")
    for _ in range(3):
        con = duckdb.connect()
        t0 = time.perf_counter()
        con.execute(sql).fetchall()
        best = min(best, time.perf_counter() - t0)
        con.close()
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--orgs", type=int, default=DEMO_ORGS,
                        help="organisations in the export, all breakdown keys (default 4)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    out: dict[str, Any] = {"tickets": args.count, "years": args.years, "orgs": args.orgs}
    data = None
    daemons: dict[str, Any] = {}
    for db in args.db.split(","):
        if db == "postgresql":
            try:
                _pg_schema(args.count, args.orgs, drop=False)
            except Exception as e:  # no server: say so, measure the rest
                print(f"postgresql: skipped ({type(e).__name__}: {e})")
                continue
        work, data, built = build(args.count, args.years, db, args.cache, args.orgs)
        out[db] = {**built, "work": work}
    peak_rss_mib(reset=True)  # the computes' peak apart from the builds'
    for db in [db for db in ("sqlite", "postgresql") if db in out]:
        daemons[db], first = start(out[db].pop("work"), db, args.count, args.orgs)
        out[db].update(first)
    for db, figures in steady(daemons).items():
        out[db].update(figures)
    for daemon in daemons.values():
        daemon.app.store.close()
    # The computes of both databases ran in this process, in turns: one peak for them.
    peak = peak_rss_mib()
    for db in daemons:
        out[db]["compute_peak_rss_mib"] = peak
    baseline = duckdb_baseline(data, now) if data is not None else None
    out["duckdb_one_indicator_s"] = baseline
    label = f"{args.count:,} tickets"
    lite = out.get("sqlite")
    if baseline is None:
        print("duckdb is not installed: no DuckDB baseline (pip install duckdb)")
    for db in ("sqlite", "postgresql"):
        r = out.get(db)
        if not r:
            continue
        extra = f", import {r['import_s']:.1f} s = {r['import_s'] / r['raw_sqlite_load_s']:.2f}x" \
            f" a raw sqlite3 load ({r['raw_sqlite_load_s']:.1f} s), of which facts " \
            f"{r['facts_at_import_s']:.1f} s = {r['facts_at_import_s'] / r['positions_s']:.0f}x" \
            f" Calendar.positions ({r['positions']:,}, {r['positions_s']:.2f} s), then a pass " \
            f"of {r['facts_pass_after_s']:.1f} s; peak RSS {r['build_peak_rss_mib']:.0f} MiB" \
            if "import_s" in r else ""
        print(f"{db}, {label}: cold {r['cold_s']:.3f} s, first {r['first_s']:.3f} s, "
              f"steady {r['steady_s']:.3f} s (median {r['steady_median_s']:.3f} s; peak RSS "
              f"{r['compute_peak_rss_mib']:.0f} MiB){extra}")
        if baseline is not None:
            print(results.ratio_line(f"  {db} steady / DuckDB one indicator from the CSV",
                                     r["steady_s"], baseline, goal="<= 1.0x; <= 0.4 s"))
    if lite and out.get("postgresql"):
        print(results.ratio_line("  postgresql steady / sqlite steady",
                                 out["postgresql"]["steady_s"], lite["steady_s"],
                                 goal="<= 2.0x"))
        print(results.ratio_line("  postgresql steady median / sqlite steady median",
                                 out["postgresql"]["steady_median_s"], lite["steady_median_s"],
                                 goal="<= 2.0x"))
    path = results.write("compute", out, args.json)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
