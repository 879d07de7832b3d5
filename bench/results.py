"""What every benchmark of the suite shares: the machine, date and commit a figure was measured
on, and one JSON file per benchmark run (`bench/results/<name>.json`, see bench/run_all.py)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG_URL = os.environ.get("KPIMON_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> dict[str, Any]:
    """The machine a figure was measured on (load included: the machine may be shared)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal")) // 1024
    except (OSError, StopIteration):
        mem = 0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "system": platform.platform(), "load": os.getloadavg()[0]}


def commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "kpimon"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write(name: str, figures: dict[str, Any], out: Path | None = None) -> Path:
    """Write one benchmark's figures with the machine, date and commit; returns the path."""
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": name, "date": datetime.now(UTC).isoformat(timespec="seconds"),
           "commit": commit(), "machine": machine(), "argv": sys.argv[1:], **figures}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def ratio_line(label: str, value: float, baseline: float, unit: str = "s",
               goal: str = "") -> str:
    """`label: value unit vs baseline unit = ratio×` (the suite's one line per figure)."""
    r = value / baseline if baseline else float("inf")
    return f"{label}: {value:.3f} {unit} vs baseline {baseline:.3f} {unit} = {r:.2f}x" + (
        f"  (goal {goal})" if goal else "")
