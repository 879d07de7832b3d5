"""deploy/systemd/kpimon-admin hands systemd-run the command with the service's user and config,
and with exactly the credentials, environment and file-system settings the installed unit and its
drop-ins give the service, so `kpimon-admin check-config` sees what the service will see (a
stand-in systemd-run records the arguments; the real one needs PID 1 systemd)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.unit import SYSTEMD_DIR, UNIT, values

FAKE = """#!/bin/sh
for a in "$@"; do printf '%s\\n' "$a"; done
exit 3
"""


def _admin(tmp_path: Path, *args: str, unit: Path | None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "systemd-run").write_text(FAKE)
    (bin_dir / "systemd-run").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "KPIMON_CONFIG": "/etc/kpimon/kpimon.toml"}
    env.pop("KPIMON_UNIT", None)
    if unit is not None:
        env["KPIMON_UNIT"] = str(unit)
    return subprocess.run(["sh", str(SYSTEMD_DIR / "kpimon-admin"), *args],
                          capture_output=True, text=True, env=env, timeout=20)


def _split(run: subprocess.CompletedProcess[str]) -> tuple[list[str], list[str]]:
    assert run.returncode == 3, run.stderr  # systemd-run's exit status is passed on
    args = run.stdout.splitlines()
    command = args.index("/opt/kpimon/venv/bin/kpimon")
    return args[:command], args[command:]


def _props(options: list[str], key: str) -> list[str]:
    return [o.split("=", 2)[2] for o in options if o.startswith(f"--property={key}=")]


@pytest.mark.timeout(30)
def test_the_shipped_unit_as_the_service_sees_it(tmp_path: Path) -> None:
    unit = tmp_path / "kpimon.service"
    shutil.copy(UNIT, unit)
    options, command = _split(_admin(tmp_path, "kpis", "--period", "2026-11 ", unit=unit))
    assert command == ["/opt/kpimon/venv/bin/kpimon", "--config", "/etc/kpimon/kpimon.toml",
                       "kpis", "--period", "2026-11 "]
    assert {"--wait", "--pipe", "--uid=kpimon", "--gid=kpimon"} <= set(options)
    # The very settings of the unit, so the credentials agree by construction.
    for key in ("LoadCredential", "ReadWritePaths", "ProtectSystem", "ProtectHome",
                "PrivateTmp", "Environment"):
        assert _props(options, key) == values(key), key
    # This command's config wins over the unit's Environment=KPIMON_CONFIG.
    setenv = options.index("--setenv=KPIMON_CONFIG=/etc/kpimon/kpimon.toml")
    assert setenv > max(i for i, o in enumerate(options) if "Environment=" in o)
    assert (SYSTEMD_DIR / "kpimon-admin").stat().st_mode & 0o111


@pytest.mark.timeout(30)
def test_drop_ins_change_it_as_they_change_the_service(tmp_path: Path) -> None:
    unit = tmp_path / "kpimon.service"
    shutil.copy(UNIT, unit)
    dropins = tmp_path / "kpimon.service.d"
    dropins.mkdir()
    (dropins / "10-secrets.conf").write_text(
        "[Service]\n# a site with its own credentials\nLoadCredential=\n"
        "LoadCredential=efecte:/srv/secrets/efecte\n"
        "Environment=PGPASSFILE=/run/credentials/kpimon.service/pgpass\n")
    (dropins / "20-folders.conf").write_text(
        "[Service]\nReadWritePaths=/srv/exports/ace\nEnvironment=HTTPS_PROXY=http://p:3128\n"
        "[Install]\nLoadCredential=ignored:/not/in/service\n")
    (dropins / "notes.txt").write_text("LoadCredential=ignored:/not/a/drop-in\n")
    options, _ = _split(_admin(tmp_path, "check-config", unit=unit))
    [unit_name] = [o.split("=", 1)[1] for o in options if o.startswith("--unit=")]
    assert _props(options, "LoadCredential") == ["efecte:/srv/secrets/efecte"]
    assert _props(options, "ReadWritePaths") == ["/var/lib/kpimon", "/srv/exports/ace"]
    assert _props(options, "Environment") == [
        "KPIMON_CONFIG=/etc/kpimon/kpimon.toml",
        f"PGPASSFILE=/run/credentials/{unit_name}/pgpass",  # this command's credentials
        "HTTPS_PROXY=http://p:3128"]


@pytest.mark.timeout(30)
def test_without_the_unit_it_says_so(tmp_path: Path) -> None:
    run = _admin(tmp_path, "check-config", unit=tmp_path / "nowhere.service")
    assert run.returncode == 2
    assert "kpimon.service is not installed" in run.stderr and run.stdout == ""
