"""`make install-service DESTDIR=…` stages the unit, sysusers and tmpfiles files where systemd
looks for an administrator's own units (mode 0644) and the kpimon-admin wrapper (0755), and
touches nothing else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.deploy.harness import REPO


@pytest.mark.timeout(60)
def test_install_service_into_destdir(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        missing_service("make is not installed")
    run = subprocess.run([make, "-C", str(REPO), "install-service", f"DESTDIR={tmp_path}"],
                         capture_output=True, text=True, timeout=50)
    assert run.returncode == 0, run.stdout + run.stderr
    staged = {str(p.relative_to(tmp_path)): p for p in tmp_path.rglob("*") if p.is_file()}
    assert set(staged) == {"etc/systemd/system/kpimon.service", "etc/sysusers.d/kpimon.conf",
                           "etc/tmpfiles.d/kpimon.conf", "usr/local/sbin/kpimon-admin"}
    for rel, path in staged.items():
        assert path.stat().st_mode & 0o777 == (0o755 if "sbin" in rel else 0o644), rel
    assert staged["etc/systemd/system/kpimon.service"].read_bytes() == \
        (REPO / "deploy/systemd/kpimon.service").read_bytes()
