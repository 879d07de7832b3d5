"""The unit's sandbox holds what kpimon really does: `kpimon run` traced with strace through a
start, a collection, scrapes of every page, a reload and a stop — with the working directory `/`
as under systemd — makes only system calls the unit's SystemCallFilter= allows, writes
only under its state directory (ProtectSystem=strict + ReadWritePaths), and opens nothing in
/proc beyond its own process (ProcSubset=pid, ProtectProc=invisible).

Without PID 1 systemd the sandbox itself cannot be applied here; this checks the behaviour
against the rules instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.deploy.harness import REPO, NotifySocket, write_config
from tests.deploy.unit import allowed_syscalls

# SQLite gives the files it creates to the database's owner with fchown(), but only when it runs
# as root (robust_fchown); under User=kpimon it never calls it. The test may run as root.
ROOT_ONLY = {"fchown"}
# /proc files outside the process's own directory that a library reads and copes without:
# prometheus_client's default ProcessCollector probes /proc/stat for the boot time at import.
TOLERATED_PROC = {"/proc/stat"}
_CALL = re.compile(r"^\d+\s+(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()")
_PATH_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")
_MUTATING = {"mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat",
             "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate", "chmod",
             "fchmodat", "utimensat"}


@pytest.fixture
def workdir() -> Iterator[Path]:
    """The state directory, short and free of the test's name (the trace matches on it)."""
    path = Path(tempfile.mkdtemp(prefix="kpimon-sandbox-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _child_of(pid: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                return int(entry.name)
    return None


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.timeout(120)
def test_kpimon_run_stays_inside_the_units_sandbox(workdir: Path, db_url: str) -> None:
    strace = need_tool("strace")
    allowed = allowed_syscalls(need_tool("systemd-analyze"))

    config = write_config(workdir, ("resp_30m",))
    if not db_url.startswith("sqlite"):
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r'database = "[^"]*"', f'database = "{db_url}"', text),
                          encoding="utf-8")
    notify = NotifySocket(workdir)
    trace = workdir / "strace.out"
    log = workdir / "stderr.log"
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(REPO), "NOTIFY_SOCKET": str(notify.path),
           "WATCHDOG_USEC": "2000000", "HOME": str(workdir)}
    with log.open("w") as err:
        proc = subprocess.Popen(
            [strace, "-f", "-qq", "-o", str(trace), sys.executable, "-m", "kpimon",
             "--config", str(config), "run"],
            env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        notify.wait_for("READY=1", timeout=60)
        pid = _child_of(proc.pid)
        assert pid is not None
        port = None
        for _ in range(50):
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", log.read_text())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        assert port, f"no listening line; log:\n{log.read_text()}"
        for page in ("/metrics", "/", "/api/kpis", "/readyz", "/healthz", "/nope"):
            assert _get(port, page) in (200, 404), page
        write_config(workdir, ("resp_30m", "first_line"))
        os.kill(pid, signal.SIGHUP)
        notify.wait_for("RELOADING=1", timeout=30)
        notify.wait_for("READY=1", timeout=30)
        assert _get(port, "/metrics") == 200
        os.kill(pid, signal.SIGTERM)
        notify.wait_for("STOPPING=1", timeout=20)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()
    assert proc.returncode == 0, log.read_text()

    seen: set[str] = set()
    writes: set[str] = set()
    proc_files: set[str] = set()
    for line in trace.read_text(errors="replace").splitlines():
        m = _CALL.match(line)
        if not m:
            continue
        call = m.group(1) or m.group(2)
        seen.add(call)
        paths = _PATH_ARG.findall(line)
        if not paths or m.group(1):
            continue
        if call in ("open", "openat") and any(f in line for f in _WRITE_FLAGS):
            writes.add(paths[0])
        elif call in _MUTATING:
            writes.update(paths)
        if call in ("open", "openat", "newfstatat", "stat", "access", "readlink"):
            proc_files.update(p for p in paths if p.startswith("/proc/"))
    if os.geteuid() == 0:
        seen -= ROOT_ONLY
    denied = sorted(seen - allowed)
    assert not denied, f"system calls the unit's SystemCallFilter= would refuse: {denied}"
    state = str(workdir)
    outside = sorted(w for w in writes if not (w == state or w.startswith(state + "/")
                                               or w.startswith(("/tmp/", "/dev/null"))))
    assert not outside, f"writes outside the state directory: {outside}"
    foreign = sorted(p for p in proc_files
                     if not re.match(r"^/proc/(self|thread-self|\d+)(/|$)", p)
                     and p not in TOLERATED_PROC)
    assert not foreign, f"/proc files hidden by ProcSubset=pid: {foreign}"
