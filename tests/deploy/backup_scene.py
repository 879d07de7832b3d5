"""The scene of the backup tests: a daemon collecting every second from a real Efecte REST
server (tests/sources/efecte_server.py) whose tickets keep changing, so that a backup is taken
while kpimon writes; and the figures to compare, `kpis --format json` for every period.

The tickets are spread over the months of one year, some resolved, so every month, quarter
and the year have figures; a manual value and an adopted (closed) period live only in the
store, which is what a backup is for.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kpimon import cli
from kpimon.store import tables as t
from tests.deploy.harness import kpimon
from tests.sources.efecte_server import FIELDS, PASSWORD, FakeEfecte, rest_source_toml, text_el

YEAR = 2026
STATUSES = ["01 - Ny", "02 - Pågår", "03 - Väntar", "05 - Avklarad", "07 - Stängd"]
STATUS_IDS = {"01 - Ny": "new", "02 - Pågår": "in_progress", "03 - Väntar": "waiting",
              "05 - Avklarad": "resolved", "07 - Stängd": "closed"}
PRIORITIES = ["1. Akut", "2. Hög", "3. Normal", "4. Låg"]
PRIORITY_IDS = {"1. Akut": "acute", "2. Hög": "high", "3. Normal": "normal", "4. Låg": "low"}
# Every period `kpis --period` takes for the scene's year: months, quarters, the year.
PERIODS = ([f"{YEAR}-{m:02d}" for m in range(1, 13)] + [f"{YEAR}-Q{q}" for q in range(1, 5)]
           + [str(YEAR)])

CONFIG = """
timezone = "Europe/Stockholm"
database = "{db}"
compute_every = "2s"

[http]
listen = "127.0.0.1:0"

{sources}
[[indicators]]
id = "open_30d"
kind = "open_older_than"
threshold = "30d"
target = "<= 5"

[[indicators]]
id = "handling"
kind = "handling_time"
target = "<= 86400"

[[indicators]]
id = "resolved_8h"
kind = "resolution_within"
threshold = "8h"
target = ">= 0.5"

[[indicators]]
id = "budget"
kind = "manual"
target = ">= 0"
"""


def write_config(folder: Path, db_url: str, srv: FakeEfecte) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "efecte.secret"
    secret.write_text(PASSWORD, encoding="utf-8")
    path = folder / "kpimon.toml"
    sources = rest_source_toml(srv, secret, fields=dict(FIELDS, resolved="solved_date"))
    path.write_text(CONFIG.format(db=db_url, sources=sources), encoding="utf-8")
    return path


class Changes:
    """Keeps adding and changing the server's tickets in a thread until `stop()`.

    `updated` times are a second apart, starting three days back, so no two changes share one
    and none lies in the future (the adapter's watermark never passes the collection time)."""

    def __init__(self, srv: FakeEfecte, seed: int = 5):
        self.srv = srv
        self.rng = random.Random(seed)
        self.clock = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
        self.serial = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.changes = 0

    def _tick(self) -> datetime:
        self.clock = min(self.clock + timedelta(seconds=1), datetime.now(UTC))
        return self.clock

    def _card(self, created: datetime, status: str, priority: str) -> dict[str, Any]:
        solved = created + timedelta(hours=self.rng.choice([1, 3, 7, 30, 80]))
        return {"solved_date": text_el(solved.strftime("%Y-%m-%dT%H:%M:%SZ")
                                       if STATUS_IDS[status] in ("resolved", "closed")
                                       else None, "date")}

    def add(self) -> None:
        self.serial += 1
        created = datetime(YEAR, self.rng.randint(1, 11), self.rng.randint(1, 28),
                           self.rng.randint(7, 16), self.rng.choice([0, 15, 30]), tzinfo=UTC)
        status = self.rng.choice(STATUSES)
        priority = self.rng.choice(PRIORITIES)
        self.srv.add_ticket(self.serial, status=status, priority=priority,
                            created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            updated=self._tick(), extra=self._card(created, status, priority))
        self.changes += 1

    def change(self) -> None:
        card_id = self.rng.randint(1, self.serial)
        status = self.rng.choice(STATUSES)
        with self.srv.lock:
            card = self.srv.cards[card_id]
            created = datetime.fromisoformat(
                card.attrs["created"]["values"][0]["value"].replace("Z", "+00:00"))
            card.attrs.update(self._card(created, status, ""))
        self.srv.touch(card_id, self._tick(), status=status)
        self.changes += 1

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            if self.rng.random() < 0.5:
                self.add()
            else:
                self.change()

    def start(self, initial: int = 60) -> Changes:
        for _ in range(initial):
            self.add()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def expected(self) -> dict[str, tuple[str, str]]:
        """Ticket number → (status id, priority id), as the server serves them now."""
        with self.srv.lock:
            return {c.attrs["efecte_id"]["values"][0]["value"]:
                    (STATUS_IDS[c.attrs["status"]["values"][0]["value"]],
                     PRIORITY_IDS[c.attrs["priority"]["values"][0]["value"]])
                    for c in self.srv.cards.values()}


def stored(db_url: str) -> dict[str, tuple[str, str]]:
    """Ticket id → (status, priority) in the store at `db_url`."""
    from sqlalchemy import create_engine, select

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            c = t.tickets.c
            return {i: (s, p) for i, s, p in conn.execute(
                select(c.id, c.status, c.priority).where(c.deleted.is_(False)))}
    finally:
        engine.dispose()


def figures(config: Path, at: str) -> dict[str, Any]:
    """`kpimon kpis --period P --at AT --format json` for every period of the scene's year.

    The first period through a `kpimon` process of its own, the rest through the same entry
    point in this process (seventeen interpreter starts would make the test slow, not
    stricter)."""
    out = {}
    for n, period in enumerate(PERIODS):
        argv = ["--config", str(config), "kpis", "--period", period, "--at", at,
                "--format", "json"]
        if n == 0:
            run = kpimon(*argv)
            assert run.returncode == 0, f"{period}: {run.stderr}"
            text = run.stdout
        else:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                code = cli.main(argv)
            assert code == 0, period
            text = buf.getvalue()
        out[period] = json.loads(text)
    return out


def keep_in_store_only(config: Path) -> None:
    """What exists only in the store: a manual value and the board's adopted March."""
    for args in (("record", "budget", f"{YEAR}-03", "12.5"),
                 ("period", "close", f"{YEAR}-03")):
        run = kpimon("--config", str(config), *args)
        assert run.returncode == 0, f"{args}: {run.stderr}"
