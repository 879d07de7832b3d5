"""A private PostgreSQL cluster for tests that kill, restart or share a database between
processes (never the machine's shared server): `initdb` into a fresh folder, `pg_ctl start` on
a spare port on 127.0.0.1, `pg_ctl stop` and the folder removed at the end.

The server binaries are taken from PATH, else the newest /usr/lib/postgresql/*/bin (Debian).
initdb and postgres refuse to run as root: as root the cluster belongs to, and runs as, the
`postgres` user. A missing PostgreSQL skips the test (or fails it under
KPIMON_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.alerts.smtp_server import free_port
from tests.conftest import missing_service


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: int(Path(d).parent.name) if Path(d).parent.name.isdigit()
                  else 0)
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


class PgCluster:
    """A running cluster: `url` (SQLAlchemy, database `postgres`, trust auth), `port`."""

    def __init__(self, bindir: Path, folder: Path, port: int, user: str | None):
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.user = user  # run as this user (when we are root)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        kw: dict[str, Any] = {"user": self.user} if self.user else {}
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True,
                              text=True, timeout=timeout, cwd=self.folder, **kw)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}"
                               f"\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.folder} -c fsync=off "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", "90", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      timeout=60)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def pg_cluster() -> Iterator[PgCluster]:
    """Start a private cluster for the duration of the block."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        missing_service("PostgreSQL server binaries (initdb, pg_ctl) not found")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing_service("running as root, and there is no postgres user to run initdb as")
        user = "postgres"
    # Not under pytest's tmp_path: its folders are private to root, the server needs its own.
    folder = Path(tempfile.mkdtemp(prefix="kpimon-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    cluster = PgCluster(bindir, folder, free_port(), user)  # type: ignore[arg-type]
    try:
        cluster.start()
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield cluster
    finally:
        cluster.stop()
