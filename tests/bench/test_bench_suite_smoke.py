"""A smoke run of the benchmark suite's harness on tiny stores: every benchmark in bench/ is
planned in both modes, and the compute and scrape benchmarks run end to end, print their
ratios to the baselines and write their JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run_all

ROOT = Path(__file__).resolve().parents[2]


def test_every_benchmark_is_planned_in_both_modes() -> None:
    scripts = {p.name for p in (ROOT / "bench").glob("bench_*.py")}
    for full in (False, True):
        assert {script for script, _ in run_all.plan(full, None)} == scripts


def _run(*args: str) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_compute_and_scrape_benchmarks_run_on_a_tiny_store(tmp_path: Path) -> None:
    out = _run("bench/bench_compute.py", "--count", "1500", "--years", "1", "--db", "sqlite",
               "--cache", str(tmp_path), "--json", str(tmp_path / "compute.json"))
    assert "steady" in out and "wrote" in out
    figures = json.loads((tmp_path / "compute.json").read_text())
    assert figures["sqlite"]["steady_s"] > 0 and figures["commit"]
    out = _run("bench/bench_scrape.py", "--counts", "1500", "--seconds", "0.3",
               "--cycles", "3", "--cache", str(tmp_path), "--json", str(tmp_path / "s.json"))
    assert "rate" in out and "x (goal >= 0.9x)" in out
    scrape = json.loads((tmp_path / "s.json").read_text())
    assert scrape["stores"]["1500"]["c10"]["rate_ratio"] > 0
    assert scrape["rss"]["cycles"] == 3
