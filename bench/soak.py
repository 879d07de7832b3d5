"""Soak: a real `kpimon run` against sources and a mail relay that fail at random, restarted
at random, for a bounded time on loopback only.

Run from the repository root (`make soak` runs one instance on SQLite, then three on
PostgreSQL):

    PYTHONPATH=. python bench/soak.py [--db sqlite|postgresql] [--instances 3]
        [--seconds 300] [--seed 1] [--restart-every 20,60] [--json var/soak-sqlite.json]

What runs, all on 127.0.0.1:

* an Efecte REST server (tests/sources/efecte_server.py, a real HTTP server) whose tickets the
  driver keeps adding and changing, and whose answers fail at random — 500 and 503, 429 with
  Retry-After, hangs longer than the source's timeout, connections dropped mid-body, truncated
  bodies — with poison cards now and then (an unmapped status: rejected until mended);
* a drop folder read by a `ticket_csv` source, where the driver drops export files, some with
  a poison row (a date that is no date), some first written cut off mid-row and only later
  whole (a new version of the file);
* an SMTP relay (aiosmtpd, tests/alerts/smtp_server.py) that refuses DATA at random with 451,
  and an alert rule (`source_failing`, `for = "0s"`, every group interval 1 s) that the
  failures keep firing and resolving, so mails go out all the time;
* one `kpimon run` (collecting both sources every second, computing every 2 s) — or, with
  `--instances 3` on PostgreSQL, three, of which the leader collects, computes and sends —
  stopped at random — SIGTERM (must exit 0) or SIGKILL, and with several instances half the
  time a SIGKILL of the leader, timing how long until another leads — and started again.

At the end the faults stop, the daemon gets a calm minute to catch up, and the store is compared
with what the fakes serve. Printed (and written as JSON): cycles (collection runs, per source
and failed), faults injected (served, by kind), restarts, crashes (a daemon that exited without
being told, or not with 0 after SIGTERM: must be 0), records lost (tickets the fakes serve that
the store lacks or holds in another version, plus tickets the store has and the fakes never
served: must be 0), mails and duplicate notifications (a Message-ID received more than once,
allowed once per SIGKILL that hit inside a send: at most that many), notifications the store
marks sent that never arrived (must be 0), RSS (at the start and end of the longest-lived
daemon, and its growth), and errors the daemon caught and logged with a traceback (a warning;
the work folder with the logs is kept). Exit 1 when a must is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the fakes are the tests' own (tests/sources, tests/alerts)
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, select  # noqa: E402

from kpimon.store import tables as t  # noqa: E402
from tests.alerts.processes import KpimonRun  # noqa: E402
from tests.alerts.smtp_server import SmtpServer  # noqa: E402
from tests.deploy.harness import source_block  # noqa: E402
from tests.sources.efecte_server import (  # noqa: E402
    PASSWORD,
    FakeEfecte,
    Fault,
    rest_source_toml,
)

TZ = ZoneInfo("Europe/Stockholm")
STATUSES = ["01 - Ny", "02 - Pågår", "03 - Väntar", "05 - Avklarad", "07 - Stängd"]
STATUS_IDS = {"01 - Ny": "new", "02 - Pågår": "in_progress", "03 - Väntar": "waiting",
              "05 - Avklarad": "resolved", "07 - Stängd": "closed"}
PRIORITIES = {"1. Akut": "acute", "2. Hög": "high", "3. Normal": "normal", "4. Låg": "low"}
POISON_STATUS = "99 - Okänd"  # not in values.status: the card is rejected
CSV_HEADER = ["Ärende-ID", "Typ", "Prioritet", "Status", "Skapad", "Första återkoppling", "Löst",
              "Stängd", "Löst av linje", "Lösning", "Grupp", "Organisation", "Kategori",
              "Senast ändrad"]
# Faults of the Efecte server, with their weights.
FAULTS = {"500": 3, "503": 2, "429": 2, "hang": 1, "drop": 2, "truncate": 2}
HANG = 2.5  # seconds; the source's timeout is 1 s

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
target = "<= 1"

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
target = ">= 0.6"

[alerts]
smtp = {{ host = "127.0.0.1", port = {smtp}, starttls = false, timeout = "2s" }}
from = "kpimon <kpimon@kommun.example>"
external_url = "https://kpimon.kommun.example/"
receiver = "desk"
group_by = ["rule", "source"]
group_wait = "0s"
group_interval = "1s"
repeat_interval = "1h"

[alerts.receivers.desk]
email = ["desk@kommun.example"]

[[alerts.rules]]
id = "source_failing"
kind = "source_failing"
for = "0s"
"""


@dataclass
class Figures:
    """What the soak counts; `problems` lists every must that was missed."""

    db: str
    seed: int
    seconds: float = 0.0
    cycles: dict[str, int] = field(default_factory=dict)
    failed_cycles: dict[str, int] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    crashes: int = 0
    tickets: dict[str, int] = field(default_factory=dict)
    records_lost: int = 0
    records_phantom: int = 0
    rejects_stored: int = 0
    mails: int = 0
    smtp_refused: int = 0
    notifications_sent: int = 0
    notifications_missing: int = 0
    duplicates: int = 0
    kills_inside_send: int = 0
    rss_kib: dict[str, float] = field(default_factory=dict)
    instances: int = 1
    leaders_at_once: int = 0  # the most instances seen leading at one sample (several only)
    takeovers_s: list[float] = field(default_factory=list)  # leader SIGKILL → a new leader
    failures: Counter[str] = field(default_factory=Counter)  # failed runs by kind of error
    compute_failures: int = 0
    tracebacks: int = 0
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["faults"] = dict(self.faults)
        out["restarts"] = dict(self.restarts)
        out["failures"] = dict(self.failures)
        return out


class Drops:
    """The drop folder's export files, and what their complete versions say."""

    def __init__(self, folder: Path, rng: random.Random, clock: SourceClock):
        self.folder = folder
        self.rng = rng
        self.clock = clock
        self.expected: dict[str, tuple[str, str]] = {}  # id → (status id, priority id)
        self.rows: dict[str, list[str]] = {}  # id → its latest good row
        self.pending: list[tuple[float, Path, bytes]] = []  # cut files to write whole later
        self.serial = 0
        self.faults: Counter[str] = Counter()

    def _row(self, ticket: str, status: str, priority: str, created: datetime) -> list[str]:
        stamp = self.clock.next().astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        return [ticket, "Incident", priority, status, created.astimezone(TZ).strftime(
            "%Y-%m-%d %H:%M"), "", "", "", "", "", "Servicedesk", "Askersund", "", stamp]

    def drop(self) -> None:
        """A new export file: a few new tickets and changes of earlier ones, sometimes with a
        poison row, sometimes written cut off first."""
        rows: list[tuple[str, list[str]]] = []
        for _ in range(self.rng.randint(1, 4)):
            # An id once per file (a second, different row of it would be a reject).
            earlier = sorted(set(self.rows) - {ticket for ticket, _ in rows})
            if earlier and self.rng.random() < 0.4:
                ticket = self.rng.choice(earlier)
                created = datetime.strptime(self.rows[ticket][4], "%Y-%m-%d %H:%M"
                                            ).replace(tzinfo=TZ)
            else:
                self.serial += 1
                ticket = f"D{self.serial:05d}"
                created = self.clock.now() - timedelta(hours=1)
            status = self.rng.choice(STATUSES)
            priority = self.rng.choice(sorted(PRIORITIES))
            rows.append((ticket, self._row(ticket, status, priority, created)))
        poison = self.rng.random() < 0.15
        if poison:
            self.serial += 1
            bad = self._row(f"D{self.serial:05d}", "02 - Pågår", "3. Normal",
                            self.clock.now())
            bad[4] = "2026-13-45 25:61"  # a date that is no date: a reject
            rows.insert(self.rng.randrange(len(rows) + 1), ("", bad))
            self.faults["poison row"] += 1
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        w.writerow(CSV_HEADER)
        for _, row in rows:
            w.writerow(row)
        data = buf.getvalue().encode("utf-8")
        path = self.folder / f"export-{uuid.uuid4().hex[:8]}.csv"
        if self.rng.random() < 0.15:  # cut off mid-row now, whole in a moment
            header_end = data.index(b"\n") + 1
            cut = self.rng.randrange(header_end + 1, len(data) - 1)
            _write(path, data[:cut])
            self.pending.append((time.monotonic() + self.rng.uniform(1, 4), path, data))
            self.faults["truncated file"] += 1
        else:
            _write(path, data)
        for ticket, row in rows:
            if ticket:
                self.rows[ticket] = row
                self.expected[ticket] = (STATUS_IDS[row[3]], PRIORITIES[row[2]])

    def mend(self, everything: bool = False) -> None:
        """Write the cut files whole once their time has come."""
        now = time.monotonic()
        for item in list(self.pending):
            if everything or item[0] <= now:
                _write(item[1], item[2])
                self.pending.remove(item)


class SourceClock:
    """Strictly increasing `updated` times, `step` apart, starting in the past (so that no two
    changes share a time and none lies in the future; the CSV exports write whole minutes)."""

    def __init__(self, start: datetime, step: timedelta):
        self._t = start
        self._step = step
        self._lock = threading.Lock()

    def next(self) -> datetime:
        with self._lock:
            self._t = min(self._t + self._step, datetime.now(UTC))
            return self._t

    def now(self) -> datetime:
        return self._t


class Tickets:
    """The Efecte server's scenario: new and changed cards, poison cards, faults."""

    def __init__(self, srv: FakeEfecte, rng: random.Random, clock: SourceClock):
        self.srv = srv
        self.rng = rng
        self.clock = clock
        self.serial = 1000
        self.poisoned: set[int] = set()
        self.armed: Counter[str] = Counter()

    def change(self) -> None:
        r = self.rng.random()
        if self.srv.cards and r < 0.45:
            card_id = self.rng.choice(sorted(self.srv.cards))
            status = self.rng.choice(STATUSES)
            self.srv.touch(card_id, self.clock.next(), status=status,
                           priority=self.rng.choice(sorted(PRIORITIES)))
            self.poisoned.discard(card_id)  # a poison card mended
            return
        self.serial += 1
        poison = r > 0.96
        updated = self.clock.next()
        self.srv.add_ticket(self.serial, status=POISON_STATUS if poison else
                            self.rng.choice(STATUSES),
                            priority=self.rng.choice(sorted(PRIORITIES)),
                            created=(updated - timedelta(hours=2)).strftime(
                                "%Y-%m-%dT%H:%M:%SZ"), updated=updated)
        if poison:
            self.poisoned.add(self.serial)
            self.armed["poison card"] += 1

    def fault(self) -> None:
        """Arm one fault for the next data request (one at a time)."""
        with self.srv.lock:
            if self.srv.faults:
                return
        kind = self.rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0]
        f = {"500": Fault("data", status=500, body='{"code":500}'),
             "503": Fault("data", status=503, body="Service Unavailable"),
             "429": Fault("data", status=429, body='{"code":429}',
                          headers={"Retry-After": "1"}),
             "hang": Fault("data", mode="hang", delay=HANG),
             "drop": Fault("data", mode="drop"),
             "truncate": Fault("data", mode="truncate")}[kind]
        with self.srv.lock:
            self.srv.faults.append(f)
        self.armed[kind] += 1

    def pending_faults(self) -> Counter[str]:
        with self.srv.lock:
            return Counter(_fault_kind(f) for f in self.srv.faults)

    def expected(self) -> dict[str, tuple[str, str]]:
        out = {}
        with self.srv.lock:
            for card in self.srv.cards.values():
                status = card.attrs["status"]["values"][0]["value"]
                if status == POISON_STATUS:
                    continue
                number = card.attrs["efecte_id"]["values"][0]["value"]
                priority = card.attrs["priority"]["values"][0]["value"]
                out[number] = (STATUS_IDS[status], PRIORITIES[priority])
        return out


def _fault_kind(f: Fault) -> str:
    return f.mode if f.mode != "status" else str(f.status)


def _write(path: Path, data: bytes) -> None:
    """Write a whole file at once, as an export job that renames into place does."""
    tmp = path.with_name("." + path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def rss_kib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Instance:
    """One `kpimon run` process of the soak, and its RSS samples (KiB)."""

    n: int
    run: KpimonRun
    born: float
    rss: list[float] = field(default_factory=list)

    def leads(self) -> bool:
        """Whether it is running and the last leadership line of its log says it leads."""
        if self.run.proc.poll() is not None:
            return False
        text = self.run.log
        return text.rfind("this instance is now the leader") > text.rfind(
            "this instance is no longer the leader")


class Soak:
    """One soak run on one database."""

    def __init__(self, db_url: str, work: Path, seconds: float, seed: int, db: str,
                 restart_every: tuple[float, float] = (20.0, 60.0), instances: int = 1,
                 out=print):  # type: ignore[no-untyped-def]
        self.db_url = db_url
        self.work = work
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.fig = Figures(db=db, seed=seed, instances=instances)
        self.restart_every = restart_every
        self.instances = instances
        self.first_kind = self.rng.randrange(2)
        self.out = out
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
        self.rest_clock = SourceClock(start, timedelta(seconds=1))
        self.csv_clock = SourceClock(start, timedelta(minutes=1))
        self.refusing = True
        self.differences: list[str] = []
        self.logs: list[Path] = []

    # ------------------------------------------------------------------ the run

    def run(self) -> Figures:
        drop = self.work / "drop"
        drop.mkdir(parents=True, exist_ok=True)
        secret = self.work / "efecte.secret"
        secret.write_text(PASSWORD, encoding="utf-8")
        rng_smtp = random.Random(self.rng.random())
        refuse_lock = threading.Lock()

        def refuse() -> bool:
            with refuse_lock:
                return self.refusing and rng_smtp.random() < 0.2

        with FakeEfecte() as srv, SmtpServer(refuse_if=refuse) as smtp:
            # A client that gave up on a hang leaves a broken pipe behind: not news here.
            srv._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
            config = self.work / "kpimon.toml"
            sources = rest_source_toml(srv, secret, every="1s", timeout=1, retries=1) \
                + source_block("drop", f'path = "{drop}/*.csv"', every="1s")
            config.write_text(CONFIG.format(db=self.db_url, sources=sources, smtp=smtp.port),
                              encoding="utf-8")
            tickets = Tickets(srv, random.Random(self.rng.random()), self.rest_clock)
            drops = Drops(drop, random.Random(self.rng.random()), self.csv_clock)
            for _ in range(20):
                tickets.change()
            drops.drop()
            started = time.monotonic()
            rss = self._drive(config, srv, smtp, tickets, drops, started)
            self.fig.seconds = round(time.monotonic() - started, 1)
            self._judge(tickets, drops, smtp, rss)
        return self.fig

    def _start(self, config: Path) -> Instance:
        n = len(self.logs)
        self.logs.append(self.work / f"daemon-{n}.log")
        return Instance(n, KpimonRun(config, self.logs[-1]), time.monotonic())

    def _drive(self, config: Path, srv: FakeEfecte, smtp: SmtpServer, tickets: Tickets,
               drops: Drops, started: float) -> list[list[float]]:
        """The faulty phase, then the calm one; the RSS samples of each daemon's life.

        Restarts come at random intervals until two thirds of the phase (the last daemon
        started then lives long enough for its RSS to say something). With several
        instances, half of them SIGKILL the leader and the time until another leads is
        measured; the rest stop (SIGTERM) or kill any instance."""
        daemons = [self._start(config) for _ in range(self.instances)]
        lives: list[Instance] = list(daemons)
        now = time.monotonic()
        next_restart = now + self.rng.uniform(*self.restart_every)
        next_drop, next_sample = now + 2, now + 5
        end = started + self.seconds
        last_restart = started + self.seconds * 2 / 3
        killed_leader: float | None = None
        while time.monotonic() < end and self.fig.crashes < 5:
            time.sleep(0.25)
            now = time.monotonic()
            if self.rng.random() < 0.3:
                tickets.change()
            if self.rng.random() < 0.35:
                tickets.fault()
            if now >= next_drop:
                drops.drop()
                next_drop = now + self.rng.uniform(1, 4)
            drops.mend()
            if now >= next_sample:
                next_sample = now + 5
                for d in daemons:
                    value = rss_kib(d.run.proc.pid)
                    if value is not None and now - d.born > 15:  # past the start's imports
                        d.rss.append(value)
                if self.instances > 1:
                    leaders = [d for d in daemons if d.leads()]
                    self.fig.leaders_at_once = max(self.fig.leaders_at_once, len(leaders))
            if killed_leader is not None and any(d.leads() for d in daemons):
                self.fig.takeovers_s.append(round(now - killed_leader, 1))
                killed_leader = None
            for i, d in enumerate(daemons):
                if d.run.proc.poll() is not None:  # nobody told it to go
                    self.fig.crashes += 1
                    self.out(f"CRASH: daemon {d.n} exited with {d.run.proc.returncode}; "
                             f"log tail:\n{d.run.log[-2000:]}")
                    d.run.stop()
                    daemons[i] = self._start(config)
                    lives.append(daemons[i])
            if now >= next_restart and now < last_restart:
                next_restart = now + self.rng.uniform(*self.restart_every)
                leader = next((d for d in daemons if d.leads()), None)
                if self.instances > 1 and leader is not None and self.rng.random() < 0.5:
                    victim, how = leader, "SIGKILL leader"
                    killed_leader = now
                else:
                    # SIGTERM and SIGKILL take turns (from a random first), so that a short
                    # soak has both.
                    victim = self.rng.choice(daemons)
                    plain = self.fig.restarts["SIGTERM"] + self.fig.restarts["SIGKILL"]
                    how = ["SIGTERM", "SIGKILL"][(plain + self.first_kind) % 2]
                if how.startswith("SIGKILL"):
                    if time.monotonic() - smtp.handler.last_data < 1.0:
                        self.fig.kills_inside_send += 1
                    victim.run.kill()
                else:
                    code = victim.run.stop()
                    if code != 0:
                        self.fig.crashes += 1
                        self.out(f"CRASH: daemon {victim.n} exited {code} after SIGTERM; "
                                 f"log tail:\n{victim.run.log[-2000:]}")
                self.fig.restarts[how] += 1
                i = daemons.index(victim)
                daemons[i] = self._start(config)
                lives.append(daemons[i])
        # Calm: no more faults, changes or refusals; the cut files written whole.
        self.fig.faults.update(tickets.armed - tickets.pending_faults())
        self.fig.faults.update(drops.faults)
        with srv.lock:
            srv.faults.clear()
        self.refusing = False
        drops.mend(everything=True)
        self._settle(tickets, drops)
        for d in daemons:
            code = d.run.stop()
            if code != 0:
                self.fig.crashes += 1
                self.out(f"CRASH: daemon {d.n} exited {code} after SIGTERM at the end")
        return [d.rss for d in lives]

    def _settle(self, tickets: Tickets, drops: Drops, timeout: float = 90.0) -> None:
        """Wait until the store holds what the fakes serve and the outbox is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lost, phantom = self._compare(tickets, drops)
            if not lost and not phantom and not self._outbox_busy():
                return
            time.sleep(2)

    # ------------------------------------------------------------------ the store

    def _engine(self):  # type: ignore[no-untyped-def]
        return create_engine(self.db_url)

    def _stored(self) -> dict[str, dict[str, tuple[str, str]]]:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                rows = conn.execute(select(t.tickets.c.source, t.tickets.c.id,
                                           t.tickets.c.status, t.tickets.c.priority)
                                    .where(t.tickets.c.deleted.is_(False))).all()
        finally:
            engine.dispose()
        out: dict[str, dict[str, tuple[str, str]]] = {"efecte": {}, "drop": {}}
        for source, ident, status, priority in rows:
            out.setdefault(source, {})[ident] = (status, priority)
        return out

    def _compare(self, tickets: Tickets, drops: Drops) -> tuple[int, int]:
        stored = self._stored()
        self.differences = []
        for source, expected in (("efecte", tickets.expected()), ("drop", drops.expected)):
            have = stored.get(source, {})
            self.differences += [f"{source}/{k}: served {v}, stored {have.get(k)}"
                                 for k, v in sorted(expected.items()) if have.get(k) != v]
            self.differences += [f"{source}/{k}: stored {v}, never served"
                                 for k, v in sorted(have.items()) if k not in expected]
        lost = sum(1 for d in self.differences if "never served" not in d)
        return lost, len(self.differences) - lost

    def _outbox_busy(self) -> bool:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                n = t.notifications.c
                now = int(time.time())
                rows = conn.execute(select(n.status, n.due_at)).all()
        finally:
            engine.dispose()
        return any(s in ("ready", "sending") or (s == "scheduled" and due <= now)
                   for s, due in rows)

    # ------------------------------------------------------------------ the verdict

    def _judge(self, tickets: Tickets, drops: Drops, smtp: SmtpServer,
               rss: list[list[float]]) -> None:
        f = self.fig
        engine = self._engine()
        try:
            with engine.connect() as conn:
                r = t.collection_runs.c
                for source, ok, error in conn.execute(select(r.source, r.ok, r.error)).all():
                    f.cycles[source] = f.cycles.get(source, 0) + 1
                    if not ok:
                        f.failed_cycles[source] = f.failed_cycles.get(source, 0) + 1
                        # The kind of failure: the message without its numbers and port; a
                        # run without an end was cut short by a kill.
                        kind = "interrupted (killed mid-run)" if ok is None else re.sub(
                            r"\d+(\.\d+)?", "N", (error or "?").splitlines()[0])
                        f.failures[f"{source}: {kind[:90]}"] += 1
                f.rejects_stored = len(conn.execute(select(t.rejects.c.id)).all())
                n = t.notifications.c
                sent = conn.execute(select(n.message_id).where(n.status == "sent")).all()
        finally:
            engine.dispose()
        lost, phantom = self._compare(tickets, drops)
        f.records_lost, f.records_phantom = lost, phantom
        stored = self._stored()
        f.tickets = {k: len(v) for k, v in stored.items()}
        # (A long Message-ID header is folded onto a line of its own: unfolded, it keeps the
        # folding space in front.)
        received = Counter(str(m.message["Message-ID"]).strip() for m in smtp.messages)
        f.mails = len(smtp.messages)
        f.smtp_refused = smtp.handler.refused
        f.notifications_sent = len(sent)
        f.notifications_missing = sum(1 for (mid,) in sent if mid not in received)
        f.duplicates = sum(c - 1 for c in received.values())
        longest = max(rss, key=len)
        if len(longest) >= 2:
            f.rss_kib = {"start": longest[0], "end": longest[-1],
                         "growth": longest[-1] - longest[0],
                         "max": max(max(s) for s in rss if s),
                         "lifetime_s": 5.0 * (len(longest) - 1)}
        if f.crashes:
            f.problems.append(f"{f.crashes} crashes")
        if lost or phantom:
            f.problems.append(f"store differs from the fakes: {lost} lost, {phantom} phantom "
                              f"({'; '.join(self.differences[:5])})")
        if f.notifications_missing:
            f.problems.append(f"{f.notifications_missing} notifications marked sent never "
                              "arrived")
        if f.duplicates > f.kills_inside_send:
            f.problems.append(f"{f.duplicates} duplicate mails, but only "
                              f"{f.kills_inside_send} SIGKILLs inside a send")
        if f.leaders_at_once > 1:
            f.problems.append(f"{f.leaders_at_once} instances led at once")
        if not f.mails:
            f.problems.append("no mail was sent: the alert path was not exercised")
        # Errors the daemon caught and lived through (a failed compute keeps the previous
        # snapshot and the next one catches up): reported, not a failure of the soak.
        for p in self.logs:
            text = p.read_text(errors="replace")
            f.compute_failures += text.count("compute failed; the previous snapshot stays")
            f.tracebacks += text.count("Traceback")


# ---------------------------------------------------------------------- databases


def postgres_schema(url: str) -> tuple[str, Any]:
    """A fresh schema on the PostgreSQL server at `url`: (URL using it, drop callable)."""
    import psycopg

    raw = url.replace("postgresql+psycopg", "postgresql")
    name = "soak_" + uuid.uuid4().hex[:12]
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")  # type: ignore[arg-type]
        conn.execute(f"COMMENT ON SCHEMA {name} IS 'bench/soak.py'")  # type: ignore[arg-type]

    def drop() -> None:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")  # type: ignore[arg-type]

    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{name}", drop


def report(fig: Figures) -> str:
    rss = fig.rss_kib
    lines = [
        f"soak on {fig.db}, seed {fig.seed}, {fig.seconds:.0f} s",
        "  cycles: " + ", ".join(f"{s} {n} ({fig.failed_cycles.get(s, 0)} failed)"
                                 for s, n in sorted(fig.cycles.items())),
        "  failed runs by kind: " + "; ".join(f"{k} ×{v}"
                                              for k, v in fig.failures.most_common(8)),
        "  faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.faults.items()))
        + f" (total {sum(fig.faults.values())}); SMTP refusals {fig.smtp_refused}",
        "  restarts: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.restarts.items()))
        + f" ({fig.kills_inside_send} kills inside a send); crashes {fig.crashes}",
        "  tickets: " + ", ".join(f"{s} {n}" for s, n in sorted(fig.tickets.items()))
        + f"; records lost {fig.records_lost}, phantom {fig.records_phantom}; "
        f"rejects stored {fig.rejects_stored}",
        f"  mails {fig.mails}, notifications sent {fig.notifications_sent}, never arrived "
        f"{fig.notifications_missing}, duplicate mails {fig.duplicates} (same Message-ID)",
    ]
    if fig.instances > 1:
        took = sorted(fig.takeovers_s)
        lines.append(f"  {fig.instances} instances: at most {fig.leaders_at_once} leading at "
                     f"once; {len(took)} leader kills taken over in "
                     + (f"{took[0]}–{took[-1]} s (median {took[len(took) // 2]} s)"
                        if took else "—"))
    if rss:
        lines.append(f"  RSS of the longest-lived daemon ({rss['lifetime_s']:.0f} s): "
                     f"{rss['start'] / 1024:.1f} → {rss['end'] / 1024:.1f} MiB "
                     f"({rss['growth'] / 1024:+.1f} MiB, ×{rss['end'] / rss['start']:.2f}); "
                     f"max of all "
                     f"{rss['max'] / 1024:.1f} MiB")
    if fig.tracebacks:
        lines.append(f"  WARNING: {fig.tracebacks} tracebacks logged (caught; "
                     f"{fig.compute_failures} failed computes) — see the daemons' logs")
    lines.append("  OK" if not fig.problems else "  PROBLEMS: " + "; ".join(fig.problems))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="soak", description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get(
        "KPIMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    p.add_argument("--seconds", type=float, default=300.0,
                   help="length of the faulty phase (a calm minute at most follows)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--instances", type=int, default=1,
                   help="kpimon run processes on the one database (PostgreSQL for more than "
                   "one); half the restarts then SIGKILL the leader")
    p.add_argument("--restart-every", default="20,60", metavar="MIN,MAX",
                   help="seconds between random restarts (default 20,60)")
    p.add_argument("--json", type=Path, help="write the figures here as JSON")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, store)")
    args = p.parse_args(argv)
    low, _, high = args.restart_every.partition(",")
    restart_every = (float(low), float(high or low))
    if args.instances > 1 and args.db != "postgresql":
        p.error("several instances share a PostgreSQL database (--db postgresql)")
    work = Path(tempfile.mkdtemp(prefix=f"kpimon-soak-{args.db}-"))
    drop_schema = None
    if args.db == "sqlite":
        url = f"sqlite:///{work}/kpimon.db"
    else:
        url, drop_schema = postgres_schema(args.pg_url)
    try:
        fig = Soak(url, work, args.seconds, args.seed, args.db, restart_every=restart_every,
                   instances=args.instances).run()
    finally:
        if drop_schema is not None:
            drop_schema()
    print(report(fig), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
               "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "commit": _commit(), **fig.as_json()}
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.keep or fig.problems or fig.tracebacks:
        print(f"  work folder kept: {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if fig.problems else 0


def _commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
