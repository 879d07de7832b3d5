"""Headless Chromium for the page tests: playwright-core and axe-core from npm."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import missing_service, need_tool

HERE = Path(__file__).resolve().parent


def node_modules() -> Path:
    """playwright-core and axe-core, installed once per lock file with `npm ci` into a cache
    folder outside the work tree (offline when npm's cache already has them)."""
    node = need_tool("node")
    npm = need_tool("npm")
    lock = (HERE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("KPIMON_NPM_CACHE_DIR") or
                 Path.home() / ".cache" / "kpimon-tests") / (
        "npm-" + hashlib.sha256(lock).hexdigest()[:16])
    done = cache / "node_modules" / ".kpimon-installed"
    if not done.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(HERE / name, cache / name)
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"],
                             cwd=cache, capture_output=True, text=True, timeout=300,
                             stdin=subprocess.DEVNULL)
        if run.returncode != 0:
            missing_service(f"npm ci of playwright-core and axe-core failed: "
                            f"{run.stderr.strip()[-500:]}")
        done.write_text(node, "utf-8")
    return cache / "node_modules"


def check_pages(out_dir: Path, *urls: str) -> list[dict[str, Any]]:
    """Load each URL in headless Chromium; see check.js for what comes back."""
    chromium = need_tool("chromium")
    modules = node_modules()
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [need_tool("node"), str(HERE / "check.js"), chromium, str(out_dir), *urls],
        env={**os.environ, "NODE_PATH": str(modules)}, capture_output=True, text=True,
        timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout))
