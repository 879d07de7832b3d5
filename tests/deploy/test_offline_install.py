"""`make wheelhouse` builds one folder from which kpimon installs with no index at all.

The build uses the machine's normal pip configuration (it needs the index, or pip's cache, for
the dependencies). The install then runs with pip's configuration switched off —
PIP_CONFIG_FILE=/dev/null and every PIP_* variable unset, so no find-links folder or constraint
of this machine can help — with --no-index, --no-cache-dir and only the wheelhouse, into a fresh
venv; the installed kpimon then migrates a database, collects and checks a config.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.deploy.harness import REPO, write_config

# Copied into the build tree: what `make wheelhouse` reads, nothing the tests write.
SOURCES = ("kpimon", "pyproject.toml", "Makefile", "constraints.txt", "README.md",
           "deploy/systemd", "docs", "config/kpimon.example.toml")
NETWORK_TROUBLE = ("Failed to establish a new connection", "Temporary failure in name resolution",
                   "Network is unreachable", "ConnectTimeoutError", "Read timed out",
                   "No matching distribution found")


def _copy_sources(dest: Path) -> None:
    for rel in SOURCES:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _pip_off_env() -> dict[str, str]:
    """The environment with pip's configuration off and nothing of this checkout visible."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") and k not in ("PYTHONPATH", "VIRTUAL_ENV",
                                                     "KPIMON_CONFIG")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


@pytest.mark.timeout(600)
def test_install_from_the_wheelhouse_alone(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        missing_service("make is not installed")
    src = tmp_path / "src"
    _copy_sources(src)
    wheelhouse = tmp_path / "wheelhouse"
    build = subprocess.run(
        [make, "-C", str(src), "wheelhouse", f"WHEELHOUSE={wheelhouse}",
         f"BUILD_PYTHON={sys.executable}"],
        capture_output=True, text=True, timeout=480)
    if build.returncode != 0:
        out = build.stdout + build.stderr
        if any(t in out for t in NETWORK_TROUBLE):
            missing_service(f"the package index is unreachable for the wheel build: {out[-400:]}")
        pytest.fail(f"make wheelhouse failed:\n{out[-4000:]}")
    wheels = sorted(p.name for p in wheelhouse.glob("*.whl"))
    assert any(w.startswith("kpimon-") for w in wheels), wheels
    shipped = ["constraints.txt", "SHA256SUMS", "README.md", "deploy/kpimon.service",
               "deploy/kpimon-admin", "deploy/kpimon.tmpfiles", "config/kpimon.example.toml"]
    shipped += [str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md")]
    for extra in shipped:
        assert (wheelhouse / extra).is_file(), extra
    # Everything shipped is in the checksums, so `sha256sum -c SHA256SUMS` covers the docs too.
    summed = {line.split(None, 1)[1].strip() for line in
              (wheelhouse / "SHA256SUMS").read_text().splitlines()}
    assert set(shipped) - {"SHA256SUMS"} <= summed
    # The configuration the wheelhouse ships is valid for the kpimon it installs (below).
    example = wheelhouse / "config" / "kpimon.example.toml"

    venv = tmp_path / "venv"
    env = _pip_off_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=120)
    py = venv / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-index", "--no-cache-dir",
         "--disable-pip-version-check", "--find-links", str(wheelhouse),
         "--constraint", str(wheelhouse / "constraints.txt"), "kpimon[ntlm]"],
        capture_output=True, text=True, env=env, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    check = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True,
                           env=env, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    kpimon = str(venv / "bin" / "kpimon")
    where = subprocess.run([str(py), "-c", "import kpimon; print(kpimon.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert where.stdout.startswith(str(venv)), where.stdout  # the wheel, not this checkout
    version = subprocess.run([kpimon, "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("kpimon "), version

    work = tmp_path / "work"
    work.mkdir()
    config = str(write_config(work, ("resp_30m", "first_line")))
    for args in (["check-config"], ["db", "upgrade"], ["collect"]):
        run = subprocess.run([kpimon, "--config", config, *args], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=120)
        assert run.returncode == 0, f"{args}: {run.stdout}{run.stderr}"
    assert "export: 3 records" in run.stdout
    creds = tmp_path / "credentials"
    creds.mkdir()
    for name in ("efecte", "cmdb", "sccm", "smtp"):
        (creds / name).write_text("x\n")
    run = subprocess.run([kpimon, "--config", str(example), "check-config"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**env, "CREDENTIALS_DIRECTORY": str(creds)})
    assert run.returncode == 0 and "ok (5 sources" in run.stdout, run.stdout + run.stderr
