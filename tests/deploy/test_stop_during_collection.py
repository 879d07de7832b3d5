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


def _server(delay: float) -> type[BaseHTTPRequestHandler]:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
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
def slow_urls() -> Iterator[tuple[str, str]]:
    """One server answering after 1 s, one after 60 s."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _server(d)) for d in (1.0, 60.0)]
    for s in servers:
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True).start()
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}/x.csv" for s in servers)  # type: ignore
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.mark.timeout(40)
def test_sigterm_during_collections(tmp_path: Path, notify: NotifySocket,
                                    start_daemon: Callable[..., Daemon],
                                    slow_urls: tuple[str, str]) -> None:
    quick, hung = slow_urls
    sources = (source_block("quick", f'url = "{quick}"', "retries = 0\ntimeout = 30")
               + source_block("hung", f'url = "{hung}"', "retries = 0\ntimeout = 90"))
    daemon = start_daemon(write_config(tmp_path, sources=sources))
    notify.wait_for("READY=1", timeout=20)
    time.sleep(0.6)  # both requests are out; "quick" answers during the stop
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    notify.wait_for("STOPPING=1", timeout=10)
    code = daemon.stop()
    assert code == 0, daemon.log
    assert time.monotonic() - started < 10
    assert "source quick failed" in daemon.log  # it finished inside the grace …
    assert "abandoned" in daemon.log  # … "hung" did not
