"""A source that fails in any of the ways a web service fails (500, 503, 429 that never ends, a
hang past the timeout, a truncated body, a connection dropped mid-body, an HTML page instead
of JSON) does not take the daemon down: `kpimon_source_up` goes to 0 for that source only, the
other source goes on being collected, and once the service is back its data comes in,
including what changed meanwhile.

Real processes: `kpimon run` and the fake Efecte (a real HTTP server) beside a drop-folder
ticket_csv source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, write_config
from tests.faults.harness import TOP, efecte_source, metric, open_tickets
from tests.sources.efecte_server import FakeEfecte, Fault
from tests.web.golden import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

OUTAGES = {
    "500": Fault("*", status=500, body='{"code": 500, "error": "Internal Server Error"}'),
    "503": Fault("*", status=503, body="Service Unavailable", ctype="text/plain"),
    "429": Fault("*", status=429, body='{"code": 429}', headers={"Retry-After": "1"}),
    "hang": Fault("*", mode="hang", delay=5, status=200, body='{"meta": {}, "data": []}'),
    "truncated": Fault("data", mode="truncate"),
    "dropped": Fault("data", mode="drop"),  # the connection closed mid-body
    "html": Fault("data", status=200, ctype="text/html",
                  body="<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>"),
}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_a_failing_source_leaves_the_rest_running(
        outage: str, tmp_path: Path, notify: NotifySocket,
        start_daemon: Callable[..., Daemon]) -> None:
    with FakeEfecte() as srv:
        for i in range(1, 4):
            srv.add_ticket(i)
        config = write_config(tmp_path, top=TOP, sources=efecte_source(srv))
        # The drop-folder source `export` is collected every second too.
        config.write_text(config.read_text("utf-8").replace('every = "1h"', 'every = "1s"', 1),
                          encoding="utf-8")
        daemon = start_daemon(config)
        notify.wait_for("READY=1", timeout=30)
        wait_for(lambda: metric(daemon, "kpimon_source_up", source="efecte") == 1, 30,
                 "efecte up", interval=0.3)
        wait_for(lambda: open_tickets(daemon) == 4, 30, "efecte's 3 and export's 1 open ticket",
                 interval=0.3)

        srv.outage = OUTAGES[outage]
        srv.add_ticket(4, updated=datetime.now(UTC))  # changed meanwhile: comes in afterwards
        wait_for(lambda: metric(daemon, "kpimon_source_up", source="efecte") == 0, 40,
                 f"efecte down during the {outage} outage", interval=0.3)
        export_ok = metric(daemon, "kpimon_source_last_success_timestamp_seconds",
                           source="export")
        assert export_ok is not None
        wait_for(lambda: (metric(daemon, "kpimon_source_last_success_timestamp_seconds",
                                 source="export") or 0) > export_ok, 20,
                 "another collection of export while efecte is down", interval=0.3)
        assert metric(daemon, "kpimon_source_up", source="export") == 1
        assert daemon.get("/healthz")[0] == 200
        assert daemon.proc.poll() is None

        srv.outage = None
        wait_for(lambda: metric(daemon, "kpimon_source_up", source="efecte") == 1, 40,
                 "efecte up again", interval=0.3)
        wait_for(lambda: open_tickets(daemon) == 5, 30, "the ticket added during the outage",
                 interval=0.3)
        assert daemon.stop() == 0
