"""Shared pieces of the fault suite (real `kpimon run` processes, see tests/deploy/harness.py):
an `efecte_rest` source on the fake Efecte, and reading a daemon's metrics while it lives."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from tests.deploy.harness import Daemon, NotifySocket, metric_value
from tests.sources.efecte_server import PASSWORD, FakeEfecte


class DrainedNotify(NotifySocket):
    """A notify socket read all the time by a thread of its own: a datagram socket nobody
    reads fills after a few messages, and then the daemon's next sd_notify blocks."""

    def __init__(self, tmp: Path):
        super().__init__(tmp)
        self._closed = threading.Event()
        self._seen = 0
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while not self._closed.is_set():
            try:
                self.receive(0.2)
            except OSError:
                return

    def wait_for(self, line: str, timeout: float = 15.0) -> set[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in range(self._seen, len(self.messages)):
                if line in self.messages[i]:
                    self._seen = i + 1
                    return self.messages[i]
            time.sleep(0.05)
        raise AssertionError(f"no {line} within {timeout} s; got {self.messages}")

    def close(self) -> None:
        self._closed.set()
        self._reader.join(2)
        super().close()


#: A compute every 2 s, so the metrics follow the collections quickly.
TOP = 'compute_every = "2s"\n'


def efecte_source(srv: FakeEfecte, every: str = "1s") -> str:
    """A `[[sources]]` efecte_rest entry against `srv`: no retries, a 2 s timeout."""
    return f"""
[[sources]]
name = "efecte"
kind = "efecte_rest"
url = "{srv.url}"
username = "kpimon"
password = "{PASSWORD}"
templates = ["incident"]
every = "{every}"
retries = 0
timeout = 2
fields = {{ id = "efecte_id", priority = "priority", status = "status", created = "created", updated = "updated", org = "organization" }}
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "01 - Ny" = "new", "02 - Pågår" = "in_progress", "03 - Väntar" = "waiting", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
values.kind = {{ "incident" = "incident" }}
"""  # noqa: E501 - TOML inline tables cannot be wrapped


def metric(daemon: Daemon, name: str, **labels: str) -> float | None:
    """One value from the daemon's /metrics now (None: no such series)."""
    return metric_value(daemon.metrics(), name, **labels)


def open_tickets(daemon: Daemon) -> float:
    """The sum of `kpimon_open_tickets` over every kind, priority and org."""
    total = 0.0
    for line in daemon.metrics().splitlines():
        m = re.fullmatch(r"kpimon_open_tickets\{.*\} (\S+)", line)
        if m:
            total += float(m.group(1))
    return total


def _engine(db: str) -> Engine:
    return create_engine(db, poolclass=NullPool)


def count(db: str, sql: str) -> int:
    """A count from the daemon's database (a URL), read beside the running daemon; 0 before
    the database or its tables exist."""
    url = make_url(db)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return 0  # connecting would create the file
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    except DBAPIError as e:
        if "no such table" in str(e) or "does not exist" in str(e):
            return 0
        raise
    finally:
        engine.dispose()


def write_bulk_csv(path: Path, n: int, prefix: str = "B") -> None:
    """`n` tickets in the golden export's format (as tests/deploy/harness.py's CSV), created
    every 7 minutes from 2026-01-05: about two thirds resolved and closed, the rest open; ids
    are `prefix` and a number."""
    from datetime import datetime, timedelta

    header = ("Ärende-ID;Typ;Prioritet;Status;Skapad;Första återkoppling;Löst;Stängd;"
              "Löst av linje;Lösning;Grupp;Organisation;Kategori;Senast ändrad\n")
    priorities = ("1. Akut", "2. Hög", "3. Normal", "3. Normal", "4. Låg")
    orgs = ("Askersund", "Hallsberg", "Laxå", "Lekeberg")
    start = datetime(2026, 1, 5, 8, 0)
    fmt = "%Y-%m-%d %H:%M"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header)
        for i in range(n):
            created = start + timedelta(minutes=7 * i)
            response = created + timedelta(minutes=5 + i % 90)
            if i % 3:
                resolved = response + timedelta(hours=1 + i % 40)
                closed = resolved + timedelta(days=2)
                f.write(f"{prefix}{i:06d};Incident;{priorities[i % 5]};07 - Stängd;"
                        f"{created:{fmt}};{response:{fmt}};{resolved:{fmt}};{closed:{fmt}};"
                        f"{1 + i % 2};Åtgärdat;Servicedesk;{orgs[i % 4]};;{closed:{fmt}}\n")
            else:
                f.write(f"{prefix}{i:06d};Incident;{priorities[i % 5]};02 - Pågår;{created:{fmt}};"
                        f"{response:{fmt}};;;;;Servicedesk;{orgs[i % 4]};;{response:{fmt}}\n")


def execute(db: str, sql: str) -> None:
    """One statement on the daemon's database (a URL), committed."""
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def facts_dump(db: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the facts tables (and the tickets' facts columns), sorted."""
    out = {}
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            for table in ("ticket_facts", "resolution_facts", "resolutions"):
                out[table] = sorted((tuple(r) for r in conn.execute(
                    text(f"SELECT * FROM {table}"))), key=repr)
            out["tickets"] = sorted((tuple(r) for r in conn.execute(text(
                "SELECT source, id, response_at, done_at, facts_dirty, flow_origin, flow_seen "
                "FROM tickets"
            ))), key=repr)
    finally:
        engine.dispose()
    return out


def stop(daemon: Daemon, timeout: float = 90) -> int:
    """SIGTERM and the exit code, waiting up to `timeout` (a compute over many tickets may be
    finishing); the log goes into the failure if it does not stop."""
    daemon.signal(signal.SIGTERM)
    try:
        return daemon.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        daemon.proc.kill()
        daemon.proc.wait()
        raise AssertionError(f"kpimon run did not stop within {timeout:g} s:\n"
                             + daemon.log[-5000:]) from None
