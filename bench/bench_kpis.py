"""Benchmark: the indicators for the running month and year, against the size of the history.

    python bench/bench_kpis.py [--big 1000000] [--small 100000] [--db sqlite|postgresql]

Two stores are built with the generator: `--big` tickets over ten years and `--small` tickets
over one year, so both hold the same current-year volume. For each the script times the
import, the facts pass and then the compute of the running month and year — all the demo's
ticket indicators, with last year's values and the rise/fall baselines — once right after the
import ("first") and then as each daemon cycle runs it ("steady", best of three: the figures of
settled periods are kept until the data changes). The target
(issue 3): at most 1 s on SQLite for the big store, and at most 1.5x the small store's time —
the cost follows the period, not the history.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpimon.app import App  # noqa: E402
from kpimon.config import load_config  # noqa: E402

CONFIG = ROOT / "config" / "demo" / "kpimon.toml"
PG_URL = os.environ.get("KPIMON_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def build(count: int, years: int, workdir: Path, db: str) -> dict[str, float]:
    """Generate, import and compute facts; returns timings and the compute figure."""
    data = workdir / f"tickets_{count}.csv"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "tickets",
                    "--count", str(count), "--years", str(years), "--out", str(data)],
                   check=True, stdout=subprocess.DEVNULL)
    demo = workdir / f"demo_{count}"
    (demo / "tickets").mkdir(parents=True)
    env = {"KPIMON_DEMO_DIR": str(demo)}
    config = load_config(CONFIG, env=env)
    if db == "postgresql":
        import psycopg

        schema = f"bench_{count}"
        raw = PG_URL.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
        from dataclasses import replace

        config = replace(config, database=f"{PG_URL}?options=-csearch_path%3D{schema}")
    app = App.build(config)
    app.store.upgrade()
    t0 = time.perf_counter()
    outcome = app.collector.collect(config.source("efecte_export"), files=[data])
    t_import = time.perf_counter() - t0
    assert outcome.ok, outcome.error
    t0 = time.perf_counter()
    app.facts.update()
    t_facts = time.perf_counter() - t0
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    app.compute(now, save=False)
    cold = time.perf_counter() - t0
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        app.compute(now, save=False)
        best = min(best, time.perf_counter() - t0)
    app.store.close()
    return {"tickets": count, "import_s": t_import, "facts_s": t_facts, "cold_s": cold,
            "compute_s": best}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpimon-bench-") as tmp:
        small = build(args.small, 1, Path(tmp), args.db)
        big = build(args.big, 10, Path(tmp), args.db)
    for r in (small, big):
        print(f"{args.db}: {r['tickets']:>9,} tickets: import {r['import_s']:6.1f} s "
              f"({r['tickets'] / r['import_s']:,.0f}/s), facts {r['facts_s']:6.1f} s, "
              f"compute month+year: first {r['cold_s']:.3f} s, steady {r['compute_s']:.3f} s")
    for name in ("cold_s", "compute_s"):
        label = "first compute" if name == "cold_s" else "steady compute"
        ratio = big[name] / small[name]
        print(f"{label}: big/small {ratio:.2f}x (target <= 1.5x); big {big[name]:.3f} s "
              f"(target <= 1 s on SQLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
