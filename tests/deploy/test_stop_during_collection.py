"""SIGTERM while collections are in flight still stops promptly with exit 0: a collection that
finishes during the stop (and would schedule its compute) must not deadlock the scheduler's
shutdown, and one that hangs on a slow server is abandoned after the stop grace."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, source_block, write_config
from tests.http_server import LocalServer, QuietHandler


def _server(delay: float, asked: threading.Event) -> type[QuietHandler]:
    class Slow(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            asked.set()
            time.sleep(delay)
            self.reply(503, b"unavailable")

    return Slow


@pytest.fixture
def slow_servers() -> Iterator[list[tuple[str, threading.Event]]]:
    """(url, asked) of one server answering after 1 s and one after 60 s."""
    out = []
    servers = []
    for delay in (1.0, 60.0):
        asked = threading.Event()
        server = LocalServer(_server(delay, asked))
        servers.append(server)
        out.append((f"{server.origin}/x.csv", asked))
    yield out
    for server in servers:
        server.close()


@pytest.mark.timeout(40)
def test_sigterm_during_collections(tmp_path: Path, notify: NotifySocket,
                                    start_daemon: Callable[..., Daemon],
                                    slow_servers: list[tuple[str, threading.Event]]) -> None:
    (quick, quick_asked), (hung, hung_asked) = slow_servers
    sources = (source_block("quick", f'url = "{quick}"', "retries = 0\ntimeout = 30")
               + source_block("hung", f'url = "{hung}"', "retries = 0\ntimeout = 90"))
    daemon = start_daemon(write_config(tmp_path, sources=sources))
    notify.wait_for("READY=1", timeout=20)
    # Both requests are out; "quick" will answer during the stop.
    assert quick_asked.wait(15) and hung_asked.wait(15)
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    notify.wait_for("STOPPING=1", timeout=10)
    code = daemon.stop()
    assert code == 0, daemon.log
    assert time.monotonic() - started < 10
    assert "source quick failed" in daemon.log  # it finished inside the grace …
    assert "abandoned" in daemon.log  # … "hung" did not
