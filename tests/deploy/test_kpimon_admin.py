"""deploy/systemd/kpimon-admin hands systemd-run the command with the service's user, config and
one LoadCredential= per file in the credentials folder (a stand-in systemd-run records the
arguments; the real one needs PID 1 systemd)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.unit import SYSTEMD_DIR

FAKE = """#!/bin/sh
for a in "$@"; do printf '%s\\n' "$a"; done
exit 3
"""


@pytest.mark.timeout(30)
def test_admin_wrapper_arguments(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "systemd-run").write_text(FAKE)
    (bin_dir / "systemd-run").chmod(0o755)
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "efecte").write_text("x")
    (creds / "sccm").write_text("y")
    (creds / "pgpass").write_text("db:5432:kpimon:kpimon:z")
    (creds / "subdir").mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "KPIMON_CREDENTIALS": str(creds), "KPIMON_CONFIG": "/etc/kpimon/kpimon.toml"}
    run = subprocess.run(["sh", str(SYSTEMD_DIR / "kpimon-admin"), "kpis", "--period",
                          "2026-11 "], capture_output=True, text=True, env=env, timeout=20)
    assert run.returncode == 3  # systemd-run's exit status is passed on
    args = run.stdout.splitlines()
    command = args.index("/opt/kpimon/venv/bin/kpimon")
    assert args[command:] == ["/opt/kpimon/venv/bin/kpimon", "--config",
                              "/etc/kpimon/kpimon.toml", "kpis", "--period", "2026-11 "]
    options = args[:command]
    assert {"--wait", "--pipe", "--uid=kpimon", "--gid=kpimon"} <= set(options)
    assert sorted(o for o in options if "LoadCredential" in o) == [
        f"--property=LoadCredential=efecte:{creds}/efecte",
        f"--property=LoadCredential=pgpass:{creds}/pgpass",
        f"--property=LoadCredential=sccm:{creds}/sccm"]
    [unit] = [o.split("=", 1)[1] for o in options if o.startswith("--unit=")]
    assert f"--setenv=PGPASSFILE=/run/credentials/{unit}/pgpass" in options
    assert (SYSTEMD_DIR / "kpimon-admin").stat().st_mode & 0o111
