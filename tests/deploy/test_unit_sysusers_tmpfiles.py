"""kpimon.sysusers and kpimon.tmpfiles apply cleanly to an empty root: the kpimon account with
no login shell, the state and drop directories it owns, and a root-only credentials folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.deploy.unit import SYSTEMD_DIR


@pytest.mark.timeout(60)
def test_sysusers_then_tmpfiles(tmp_path: Path) -> None:
    sysusers = need_tool("systemd-sysusers")
    tmpfiles = need_tool("systemd-tmpfiles")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    run = subprocess.run([sysusers, f"--root={root}", str(SYSTEMD_DIR / "kpimon.sysusers")],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    [entry] = [line.split(":") for line in (root / "etc/passwd").read_text().splitlines()
               if line.startswith("kpimon:")]
    uid, gid, home, shell = int(entry[2]), int(entry[3]), entry[5], entry[6]
    assert uid < 1000 and home == "/var/lib/kpimon" and shell.endswith("nologin")

    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles needs root to chown in the test root")
    run = subprocess.run([tmpfiles, "--create", f"--root={root}",
                          str(SYSTEMD_DIR / "kpimon.tmpfiles")],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr

    def owner_mode(rel: str) -> tuple[int, int, int]:
        st = (root / rel).stat()
        return st.st_uid, st.st_gid, st.st_mode & 0o7777

    assert owner_mode("var/lib/kpimon") == (uid, gid, 0o750)
    assert owner_mode("var/lib/kpimon/drop") == (uid, gid, 0o2770)
    assert owner_mode("etc/kpimon") == (0, 0, 0o755)
    assert owner_mode("etc/kpimon/credentials") == (0, 0, 0o700)
