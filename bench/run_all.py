"""The benchmark suite: every `bench/bench_*.py`, each printing its ratio to a baseline
measured in the same run, with the figures written as JSON to bench/results/.

    python bench/run_all.py [--full] [--only NAME,…] [--list]

`make bench` runs the quick suite (stores up to 100,000 tickets), `make bench-full` the full
one (1,000,000 tickets; with BENCH_10M=1 also 10,000,000 on PostgreSQL). A benchmark says
how it is run in each mode with a module-level literal

    SUITE = {"quick": [["--sizes", "100000"]], "full": [[...], [...]], "full10m": [[...]]}

(each entry one run's arguments); one without it runs once with its defaults in both modes.
Benchmarks that write their own JSON do so in bench/results/<name>.json; for every run the
suite also keeps its command, exit code, time and printed lines in bench/results/suite.json,
with the machine, date and commit.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402

BENCH = ROOT / "bench"
# For benchmarks that carry no SUITE of their own.
KNOWN: dict[str, dict[str, list[list[str]]]] = {
    "import": {"quick": [["--sizes", "100000", "--facts"],
                         ["--sizes", "100000", "--pg-only", "--facts"]],
               "full": [["--sizes", "100000,1000000", "--facts"],
                        ["--sizes", "100000,1000000", "--pg-only", "--facts"]],
               "full10m": [["--sizes", "10000000", "--pg-only", "--facts"]]},
}


def suite_of(path: Path) -> dict[str, list[list[str]]]:
    """The module's SUITE literal (read without importing it), else the KNOWN entry, else
    one run with its defaults."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "SUITE" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return value
    return KNOWN.get(path.stem.removeprefix("bench_"), {"quick": [[]], "full": [[]]})


def plan(full: bool, only: list[str] | None) -> list[tuple[str, list[str]]]:
    modes = ["full", "full10m"] if full and os.environ.get("BENCH_10M") == "1" else \
        ["full"] if full else ["quick"]
    out = []
    for path in sorted(BENCH.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        suite = suite_of(path)
        for mode in modes:
            for args in suite.get(mode, []):
                out.append((path.name, list(args)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--only", default=None, help="comma-separated names (compute,scrape…)")
    parser.add_argument("--list", action="store_true", help="print the runs, run nothing")
    args = parser.parse_args(argv)
    runs = plan(args.full, args.only.split(",") if args.only else None)
    if args.list:
        for script, a in runs:
            print(" ".join(["bench/" + script, *a]))
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done: list[dict[str, Any]] = []
    failed = 0
    for script, a in runs:
        cmd = [sys.executable, str(BENCH / script), *a]
        print(f"\n=== bench/{script} {' '.join(a)}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
        rc = proc.wait()
        failed += rc != 0
        done.append({"script": script, "args": a, "returncode": rc,
                     "seconds": round(time.perf_counter() - t0, 1), "output": lines})
    path = results.write("suite", {"mode": "full" if args.full else "quick", "runs": done})
    print(f"\n{len(done)} runs, {failed} failed; wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
