"""MemoryDenyWriteExecute=yes in the unit is safe: kpimon and its native libraries (numpy and its
OpenBLAS, psycopg's libpq, bcrypt, cryptography for NTLM) work in a process that may not create
writable+executable memory.

Linux ≥ 6.3 applies the same rule to a process with prctl(PR_SET_MDWE), inherited across
execve, so the test starts kpimon under it instead of under systemd.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _pg_available
from tests.deploy.harness import env_for_child, write_config

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1

# Runs first in the restricted process: proves the rule is on, then exercises the libraries.
LIBRARIES = r"""
import mmap, sys
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("MDWE is not in force")
except PermissionError:
    pass
import numpy as np
a = np.arange(100_000, dtype=np.int64)
assert int(np.searchsorted(np.cumsum(a), 5_000)) == 100
assert float((np.ones((64, 64)) @ np.ones((64, 64)))[0, 0]) == 64.0
import bcrypt
assert bcrypt.checkpw(b"pw", bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)))
import spnego
client = spnego.client("user", "secret", hostname="sccm.example", protocol="ntlm")
assert client.step()  # the NTLM negotiate message (cryptography underneath)
import psycopg
url = sys.argv[1]
if url:
    with psycopg.connect(url, connect_timeout=5) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
print("ok")
"""


def _launcher(*argv: str) -> list[str]:
    """A python that switches on MDWE for itself and then execs `argv`."""
    code = ("import ctypes, os, sys\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"if libc.prctl({PR_SET_MDWE}, {PR_MDWE_REFUSE_EXEC_GAIN}, 0, 0, 0) != 0:\n"
            "    sys.exit(77)\n"
            "os.execv(sys.argv[1], sys.argv[1:])\n")
    return [sys.executable, "-c", code, *argv]


@pytest.fixture(scope="module", autouse=True)
def _mdwe_supported() -> None:
    # Probed in a child: once on, MDWE cannot be switched off in a process.
    probe = subprocess.run(_launcher(sys.executable, "-c", "pass"), capture_output=True)
    if probe.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")


@pytest.mark.timeout(60)
def test_native_libraries_need_no_writable_executable_memory() -> None:
    pg = "" if _pg_available() else PG_URL.replace("postgresql+psycopg", "postgresql")
    run = subprocess.run(_launcher(sys.executable, "-c", LIBRARIES, pg), env=env_for_child(),
                         capture_output=True, text=True, timeout=50)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


@pytest.mark.timeout(60)
def test_collect_and_kpis_run_under_memory_deny_write_execute(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, ("resp_30m", "first_line", "open_30d")))
    for args in (["collect"], ["kpis", "--period", "2020-03", "--format", "json"]):
        run = subprocess.run(_launcher(sys.executable, "-m", "kpimon", "--config", config,
                                       *args),
                             env=env_for_child(), capture_output=True, text=True, timeout=50)
        assert run.returncode == 0, run.stderr
    assert '"resp_30m"' in run.stdout
