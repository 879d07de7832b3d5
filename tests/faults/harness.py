"""Shared pieces of the fault suite (real `kpimon run` processes, see tests/deploy/harness.py):
an `efecte_rest` source on the fake Efecte, and reading a daemon's metrics while it lives."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.deploy.harness import Daemon, metric_value
from tests.sources.efecte_server import PASSWORD, FakeEfecte

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


def count(db: Path, sql: str) -> int:
    """A count from the daemon's SQLite file, read beside the running daemon."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])
