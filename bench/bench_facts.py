"""Benchmark: the facts pass and `kpimon import` end to end, against baselines of the same run.

    PYTHONPATH=. python bench/bench_facts.py [--count 1000000] [--pg] [--json FILE] [--work DIR]
                                             [--backends sqlite,postgresql] [--parts …]

An export of `--count` tickets over ten years (bench/datagen, no status history: what
`kpimon import SOURCE FILE` of a ticket export reads) is imported with the demo configuration
(its 13 indicators, an office calendar) into a fresh database, in child processes:

* **import end to end**: `kpimon import efecte_export FILE` as a user runs it (adapter, store,
  the facts of the new tickets in the import's own transaction, then the compute of the
  running month and year), wall time and the child's peak RSS; baseline: a **raw sqlite3
  load** of the same file (csv.reader, datetime parsing of the five time columns, executemany
  into a table keyed by id). Goal: ≤ 2.5×, peak RSS ≤ 250 MiB.
* **facts pass**: the same file imported without the facts (every ticket left dirty), then
  `FactsBuilder.update()` over all of them; baseline: `Calendar.positions` over the same
  instants (created, first response and every resolved time, on every stored clock), the
  business-time arithmetic the pass exists for. Goal: ≤ 20× (≤ 5 s SQLite, ≤ 10 s PostgreSQL
  at 1M). Also reported: the facts' share of the import (import with − without them), and
  `kpimon recompute` (`FactsBuilder.rebuild()`: every ticket again, after the import that
  wrote their facts), against the same floor.

The machine may be shared: absolute times move with the load, the ratios much less.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_import import peak_rss_mb  # noqa: E402

DEMO = ROOT / "config" / "demo" / "kpimon.toml"
PG_URL = os.environ.get("KPIMON_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# `make bench` (quick) and `make bench-full` (bench/run_all.py).
SUITE = {"quick": [["--count", "100000", "--pg", "--json", "bench/results/facts_100k.json"]],
         "full": [["--count", "1000000", "--pg", "--json", "bench/results/facts.json"]]}
TIME_COLUMNS = (4, 5, 6, 7, 13)  # Skapad, Första återkoppling, Löst, Stängd, Senast ändrad


def generate(path: Path, count: int) -> None:
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "tickets",
                        "--count", str(count), "--years", "10", "--end", "2026-11-30",
                        "--out", str(path)], check=True, stdout=subprocess.DEVNULL)


def raw_sqlite_load(path: Path, db: Path, limit: int | None = None) -> float:
    """csv + datetime parse + executemany into a keyed table: the floor of any import (of the
    first `limit` rows only, when given)."""
    t = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE tickets (id TEXT PRIMARY KEY, kind TEXT, priority TEXT, "
                 "status TEXT, created INTEGER, first_response INTEGER, resolved INTEGER, "
                 "closed INTEGER, line TEXT, solution TEXT, grp TEXT, org TEXT, category TEXT, "
                 "updated INTEGER)")

    def rows() -> Any:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=";")
            next(reader)
            for r in itertools.islice(reader, limit):
                for i in TIME_COLUMNS:
                    r[i] = int(datetime.strptime(r[i], "%Y-%m-%d %H:%M").timestamp()) \
                        if r[i] else None  # type: ignore[call-overload]
                yield r

    conn.executemany("INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    conn.commit()
    conn.close()
    return time.perf_counter() - t


def _database(backend: str, work: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{work / ('bench-' + uuid.uuid4().hex[:8] + '.db')}", None
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def _drop(schema: str | None, work: Path) -> None:
    if schema is None:
        for p in work.glob("bench-*.db*"):
            p.unlink()
        return
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _config(work: Path, database: str) -> Path:
    demo = work / "demo"
    for sub in ("tickets", "history", "ace", "inventory"):
        (demo / sub).mkdir(parents=True, exist_ok=True)
    text = DEMO.read_text(encoding="utf-8").replace("${KPIMON_DEMO_DIR}", str(demo))
    text = text.replace(f"sqlite:///{demo}/kpimon.db", database)
    cfg = work / f"kpimon-{uuid.uuid4().hex[:6]}.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _child(args: list[str]) -> tuple[dict[str, Any], float]:
    """Run this script (or kpimon) as a child; its JSON answer and its own peak RSS in MiB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if proc.returncode != 0:
            raise RuntimeError(f"child failed: {text}\n{err.read()}")
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), usage.ru_maxrss / 1024


def import_end_to_end(backend: str, work: Path, path: Path) -> dict[str, Any]:
    database, schema = _database(backend, work)
    try:
        cfg = _config(work, database)
        subprocess.run([sys.executable, "-m", "kpimon", "--config", str(cfg), "db", "upgrade"],
                       check=True, capture_output=True, cwd=ROOT)
        t = time.perf_counter()
        _, rss = _child(["-m", "kpimon", "--config", str(cfg), "import", "efecte_export",
                         str(path)])
        return {"seconds": time.perf_counter() - t, "peak_rss_mib": rss}
    finally:
        _drop(schema, work)


def time_facts_hook(app: Any) -> list[float]:
    """Time the import's facts hook of `app`: the returned cell adds up the seconds spent in
    it (computing and writing the facts of new tickets) and in `RawSql.flush`, which sends the
    rows the hook queued as one COPY per table when a batch ends (PostgreSQL): that time is
    the facts' too."""
    from kpimon.store.writer import RawSql

    spent = [0.0]
    hook = app.collector.new_facts
    assert hook is not None

    def timed(*a: Any) -> Any:
        t = time.perf_counter()
        try:
            return hook(*a)
        finally:
            spent[0] += time.perf_counter() - t

    app.collector.new_facts = timed
    flush = getattr(RawSql, "flush", None)  # (older commits: none, for comparisons)

    def timed_flush(self: RawSql) -> None:
        t = time.perf_counter()
        try:
            flush(self)
        finally:
            spent[0] += time.perf_counter() - t

    if flush is not None:
        RawSql.flush = timed_flush  # type: ignore[method-assign]
    return spent


def facts_child(cfg: Path, path: Path, inline: bool) -> None:
    """In a child: import `path` (with or without the facts at import), then the pass."""
    import numpy as np
    from sqlalchemy import text

    from kpimon.app import App
    from kpimon.collector import Collector
    from kpimon.config import load_config

    config = load_config(cfg)
    app = App.build(config)
    app.store.upgrade()
    spent = [0.0]
    if not inline:
        app.collector = Collector(app.store, config.tz, config.secrets)
    else:
        spent = time_facts_hook(app)
    source = config.source("efecte_export")
    t = time.perf_counter()
    outcome = app.collector.collect(source, files=[path], force=True)
    imported = time.perf_counter() - t
    assert outcome.ok, outcome.error
    t = time.perf_counter()
    n = app.facts.update()
    facts = time.perf_counter() - t
    rebuilt = None
    if inline:  # `kpimon recompute`: every ticket again, their facts already there
        t = time.perf_counter()
        app.facts.rebuild()
        rebuilt = time.perf_counter() - t
    rss = peak_rss_mb()  # VmHWM in MiB, before the floor's own arrays below
    # The floor: positions of the same instants on every stored clock.
    with app.store.engine.connect() as conn:
        created, response = (np.array(c, dtype=np.int64) for c in zip(*conn.execute(text(
            "SELECT created, COALESCE(response_at, created) FROM tickets")).all(), strict=True))
        resolved = np.array(conn.execute(text("SELECT resolved_at FROM resolutions"))
                            .scalars().all(), dtype=np.int64)
    instants = np.concatenate([created, response, resolved])
    t = time.perf_counter()
    for clock in app.facts.stored:
        clock.calendar.positions(instants)
    floor = time.perf_counter() - t
    app.store.close()
    print(json.dumps({"import_seconds": imported, "facts_at_import_seconds": spent[0],
                      "facts_tickets": n, "facts_seconds": facts, "rss_after_facts_mib": rss,
                      "recompute_seconds": rebuilt,
                      "positions_seconds": floor,
                      "positions": int(len(instants)) * len(app.facts.stored)}))


def facts_pass(backend: str, work: Path, path: Path, inline: bool) -> dict[str, Any]:
    database, schema = _database(backend, work)
    try:
        cfg = _config(work, database)
        out, rss = _child([__file__, "--facts-child", str(cfg), str(path)]
                          + (["--inline"] if inline else []))
        return {**out, "peak_rss_mib": rss}  # with the floor's arrays; see rss_after_facts_mib
    finally:
        _drop(schema, work)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    p.add_argument("--backends", help="comma-separated: sqlite, postgresql (default: sqlite, "
                   "and postgresql with --pg)")
    p.add_argument("--parts", default="import,pass,inline",
                   help="what to measure, comma-separated: import (end to end), pass (the "
                        "facts pass alone), inline (the facts at import); default all")
    p.add_argument("--json", type=Path, help="write the figures here")
    p.add_argument("--work", type=Path, help="folder for the export (kept; default temporary)")
    p.add_argument("--facts-child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.facts_child:
        facts_child(Path(args.facts_child[0]), Path(args.facts_child[1]), args.inline)
        return 0
    tmp = tempfile.TemporaryDirectory(prefix="kpimon-bench-facts-")
    work = args.work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"tickets-{args.count}.csv"
    generate(path, args.count)
    raw_db = work / "raw.db"

    def raw_load() -> float:
        raw_db.unlink(missing_ok=True)
        seconds = raw_sqlite_load(path, raw_db)
        raw_db.unlink()
        return seconds

    results: dict[str, Any] = {"count": args.count,
                               "date": datetime.now().isoformat(timespec="seconds")}
    print(f"{args.count:,} tickets")
    backends = args.backends.split(",") if args.backends else \
        ["sqlite"] + (["postgresql"] if args.pg else [])
    parts = set(args.parts.split(","))
    for backend in backends:
        res: dict[str, Any] = results.setdefault(backend, {})
        if "import" in parts:
            # The baseline right before and right after the import, so that a change of load
            # on a shared machine moves both sides of the ratio alike.
            before = raw_load()
            e2e = import_end_to_end(backend, work, path)
            raw = (before + raw_load()) / 2
            e2e["raw_sqlite_load_seconds"] = raw
            res["import"] = e2e
            print(f"{backend:<10} import end to end {e2e['seconds']:6.2f} s = "
                  f"{e2e['seconds'] / raw:4.2f}x raw sqlite3 load ({raw:.2f} s), peak RSS "
                  f"{e2e['peak_rss_mib']:.0f} MiB (goal 2.5x, 250 MiB)")
        if "pass" in parts:
            plain = res["facts_pass"] = facts_pass(backend, work, path, inline=False)
            print(f"{backend:<10} facts pass {plain['facts_tickets']:,} tickets "
                  f"{plain['facts_seconds']:6.2f} s = "
                  f"{plain['facts_seconds'] / plain['positions_seconds']:5.1f}x "
                  f"Calendar.positions ({plain['positions']:,} positions, "
                  f"{plain['positions_seconds']:.3f} s; goal 20x), "
                  f"peak RSS {plain['rss_after_facts_mib']:.0f} MiB")
        if "inline" in parts:
            inline = res["import_with_facts"] = facts_pass(backend, work, path, inline=True)
            hook = inline.get("facts_at_import_seconds", 0.0)
            print(f"{backend:<10} facts at import: {hook:6.2f} s in the import's facts hook "
                  f"= {hook / inline['positions_seconds']:5.1f}x Calendar.positions; collect "
                  f"{inline['import_seconds']:6.2f} s; {inline['facts_tickets']:,} left for "
                  "the pass")
            if "facts_pass" in res:
                share = inline["import_seconds"] - res["facts_pass"]["import_seconds"]
                res["facts_share_of_import_seconds"] = share
                print(f"{backend:<10} collect {inline['import_seconds']:6.2f} s with the "
                      f"facts, {res['facts_pass']['import_seconds']:6.2f} s without "
                      f"({share:+.2f} s)")
            rebuilt = inline.get("recompute_seconds")
            if rebuilt is not None:
                print(f"{backend:<10} recompute (every ticket again, FactsBuilder.rebuild) "
                      f"{rebuilt:6.2f} s = {rebuilt / inline['positions_seconds']:5.1f}x "
                      "Calendar.positions")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
