"""Several instances, one leader (docs/operations.md "Several instances"), with real parts:
a private PostgreSQL cluster, three `kpimon run` processes, a fake Efecte REST server and a
real SMTP server.

Exactly one instance leads (`kpimon_leader` on each /metrics), and only it collects; every
instance serves the stored figures. The leader is SIGKILLed while a notification waits in the
outbox for its group_wait: another takes over within one collection interval, `kpimon_leader`
moves with it, the collections carry on (what changed at the fake after the kill reaches the
store, which ends up equal to what the fake served), and the notification is mailed once.

Timing is generous and derived from the interval (the machine may be loaded): every wait
polls, with a deadline.
"""

from __future__ import annotations

import re
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from kpimon.store import tables as t
from tests.alerts.bench import Bench, write_config
from tests.alerts.processes import KpimonRun, wait_until
from tests.alerts.smtp_server import SmtpServer
from tests.pg_cluster import pg_cluster
from tests.sources.efecte_server import PASSWORD, FakeEfecte

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

INTERVAL = 15  # the source's `every`, seconds
GROUP_WAIT = 30  # long enough to kill the leader while the notification waits
# Starting three interpreters on a loaded machine takes a while.
START = 120

SOURCE = """
[[sources]]
name = "efecte"
kind = "efecte_rest"
url = "{url}"
username = "kpimon"
password = "{password}"
templates = ["incident"]
every = "{every}s"
fields = {{ id = "efecte_id", priority = "priority", status = "status", created = "created", updated = "updated", org = "organization" }}
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "01 - Ny" = "new", "02 - Pågår" = "in_progress", "03 - Väntar" = "waiting", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
"""  # noqa: E501 (the inline tables a sysadmin writes)

STATUS = {"02 - Pågår": "in_progress", "05 - Avklarad": "resolved"}
LISTENING = re.compile(r"kpimon listening on http://127\.0\.0\.1:(\d+)/")


def _metrics(port: int) -> dict[str, float]:
    """The unlabelled and `source="efecte"` samples of an instance's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("kpimon_") and " " in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def _leaders(ports: dict[KpimonRun, int]) -> list[KpimonRun]:
    """The instances whose /metrics say kpimon_leader 1 (all of them must answer)."""
    return [run for run, port in ports.items() if _metrics(port)["kpimon_leader"] == 1.0]


def _tickets(b: Bench) -> dict[str, str]:
    with b.app.store.engine.connect() as conn:
        rows = conn.execute(select(t.tickets.c.id, t.tickets.c.status).where(
            t.tickets.c.source == "efecte", t.tickets.c.deleted.is_(False))).all()
    return {r.id: r.status for r in rows}


def _served(fake: FakeEfecte) -> dict[str, str]:
    """What the fake holds now, as the store should have it."""
    with fake.lock:
        return {f"INC-{c.id:06d}": STATUS[c.attrs["status"]["values"][0]["value"]]
                for c in fake.cards.values()}


def _runs_after(b: Bench, since: float) -> int:
    """Collection runs of the source that started after `since` and completed."""
    r = t.collection_runs.c
    with b.app.store.engine.connect() as conn:
        return len(conn.execute(select(r.id).where(
            r.source == "efecte", r.started > since, r.ended.is_not(None),
            r.ok.is_(True))).all())


def test_three_instances_one_leader_and_a_failover(tmp_path: Path) -> None:
    with pg_cluster() as pg, FakeEfecte() as fake, SmtpServer() as smtp:
        for i in range(1, 6):
            fake.add_ticket(i)
        route = (f'receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "{GROUP_WAIT}s"\n'
                 'group_interval = "1m"\nrepeat_interval = "4h"')
        path = write_config(tmp_path, pg.url, smtp.port, top='compute_every = "2s"',
                            route=route, sources=SOURCE.format(url=fake.url, password=PASSWORD,
                                                               every=INTERVAL))
        # Three at once on a fresh database: they take turns at migrating it.
        runs = [KpimonRun(path, tmp_path / f"run{i}.log") for i in range(3)]
        b: Bench | None = None
        try:
            ports = {run: int(wait_until(lambda run=run: LISTENING.search(run.log),
                                         timeout=START, what="an instance listening")[1])
                     for run in runs}
            b = Bench(path)

            # Exactly one leader; it collects, and the others serve what it stored.
            [leader] = wait_until(lambda: _leaders(ports), timeout=START, what="a leader")
            wait_until(lambda: _tickets(b) == _served(fake), timeout=3 * INTERVAL + 30,
                       what="the first collection in the store")
            followers = [run for run in runs if run is not leader]
            for run in followers:
                wait_until(lambda run=run: _metrics(ports[run]).get(
                    'kpimon_source_up{source="efecte"}') == 1.0, timeout=3 * INTERVAL + 30,
                    what="a follower serving the leader's collection")
                assert 'kpimon_indicator_value{indicator="calls",period="month"}' in \
                    _metrics(ports[run])
                assert "source efecte:" not in run.log, run.log  # it collected nothing
            assert _leaders(ports) == [leader]

            # A value below its target: an alert fires, and its notification waits for its
            # group_wait. Kill the leader then.
            b.record("calls", 0.5, datetime.now(UTC))
            wait_until(lambda: [n for n in b.notifications() if n.status == "scheduled"],
                       timeout=3 * INTERVAL + 30, what="the notification in the outbox")
            killed_at = time.time()
            leader.kill()
            assert smtp.messages == [], "the notification went out before the kill"
            del ports[leader]

            # Another takes over within one interval, and says so on /metrics.
            [new] = wait_until(lambda: _leaders(ports), timeout=INTERVAL,
                               what="a new leader within one interval")
            assert new in followers
            print(f"takeover: a new leader on /metrics {time.time() - killed_at:.1f} s after "
                  f"the kill (interval {INTERVAL} s)")
            assert [run for run in ports if run is not new and
                    _metrics(ports[run])["kpimon_leader"] == 0.0]

            # The collections carry on from the stored watermark: changes at the fake after
            # the kill reach the store.
            fake.touch(1, datetime.now(UTC), status="05 - Avklarad")
            fake.add_ticket(6, updated=datetime.now(UTC))
            wait_until(lambda: _tickets(b) == _served(fake), timeout=3 * INTERVAL + 30,
                       what="the changes after the kill in the store")
            assert _tickets(b)["INC-000001"] == "resolved" and len(_tickets(b)) == 6
            wait_until(lambda: _runs_after(b, killed_at) >= 2, timeout=3 * INTERVAL + 30,
                       what="collections by the new leader")

            # The waiting notification goes out once, from the new leader.
            smtp.wait_for(1, timeout=GROUP_WAIT + 3 * INTERVAL + 30)
            wait_until(lambda: [n.status for n in b.notifications()
                                if n.status not in ("scheduled", "skipped")] == ["sent"],
                       timeout=30, what="the notification marked sent")
            seen = _runs_after(b, killed_at)
            wait_until(lambda: _runs_after(b, killed_at) > seen, timeout=3 * INTERVAL + 30,
                       what="another collection after the send")
            assert len(smtp.messages) == 1
            assert _leaders(ports) == [new]
        finally:
            codes = {run: run.stop() for run in runs if run.proc.poll() is None}
            if b is not None:
                b.close()
        assert set(codes.values()) == {0}, codes
        for run in codes:
            assert "Traceback" not in run.log, run.log
