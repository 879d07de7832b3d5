"""SIGTERM while collections are in flight still stops promptly with exit 0: a collection that
finishes during the stop (and would schedule its compute) must not deadlock the scheduler's
shutdown, and one that hangs on a slow server is abandoned after the stop grace."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, source_block, write_config


def _server(delay: float, asked: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            asked.set()
            time.sleep(delay)
            body = b"unavailable"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Slow


@pytest.fixture
def slow_servers() -> Iterator[list[tuple[str, threading.Event]]]:
    """(url, asked) of one server answering after 1 s and one after 60 s."""
    out = []
    servers = []
    for delay in (1.0, 60.0):
        asked = threading.Event()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _server(delay, asked))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        out.append((f"http://127.0.0.1:{server.server_address[1]}/x.csv", asked))
    yield out
    for server in servers:
        server.shutdown()
        server.server_close()


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
