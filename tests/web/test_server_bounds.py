"""The web server's threads and connections are bounded: idle connections cost no thread and
never hold up a scrape, at most WORKERS requests are served at once, a connection past the
limit is answered 503 at once, and a connection that never sends a request is closed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

import kpimon.web.server as server_module
from kpimon.web.server import WORKERS
from tests.web.golden import get, wait_for
from tests.web.standalone import web_server


@contextmanager
def idle_connections(port: int, n: int) -> Iterator[list[socket.socket]]:
    """`n` connections to the server that send nothing."""
    with ExitStack() as stack:
        conns = [stack.enter_context(socket.create_connection(("127.0.0.1", port), 5))
                 for _ in range(n)]
        yield conns


@pytest.mark.timeout(60)
def test_idle_connections_cost_no_thread_and_block_no_scrape() -> None:
    with web_server() as server:
        threads = threading.active_count()
        with idle_connections(server.port, 100):
            time.sleep(0.3)
            assert threading.active_count() <= threads
            t0 = time.perf_counter()
            assert get(f"http://127.0.0.1:{server.port}/metrics").status == 200
            assert time.perf_counter() - t0 < 5


@pytest.mark.timeout(60)
def test_at_most_workers_requests_at_once() -> None:
    lock = threading.Lock()
    running = [0]
    most = [0]
    release = threading.Event()

    def slow_evaluation(*_: Any) -> dict[str, Any]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(20)
        with lock:
            running[0] -= 1
        return {}

    with web_server() as server:
        server.evaluator = slow_evaluation
        url = f"http://127.0.0.1:{server.port}/api/kpis?period=2020"
        answers: list[int] = []
        clients = [threading.Thread(target=lambda: answers.append(get(url, timeout=30).status))
                   for _ in range(WORKERS + 8)]
        for c in clients:
            c.start()
        wait_for(lambda: running[0] == WORKERS, 10, what="every worker busy")
        time.sleep(0.3)  # the other eight would have started by now, if they could
        assert most[0] == WORKERS
        release.set()
        for c in clients:
            c.join(30)
        assert answers == [200] * (WORKERS + 8)  # the queued ones were served after


@pytest.mark.timeout(60)
def test_past_the_limit_a_connection_gets_503_at_once() -> None:
    with web_server() as server:
        server.httpd.max_connections = 20
        with idle_connections(server.port, 20):
            time.sleep(0.2)
            t0 = time.perf_counter()
            r = get(f"http://127.0.0.1:{server.port}/metrics")
            assert r.status == 503 and r.headers["Retry-After"] == "1"
            assert time.perf_counter() - t0 < 5
        # Closed, they free their places.
        wait_for(lambda: get(f"http://127.0.0.1:{server.port}/metrics").status == 200, 10,
                 what="a scrape once the idle connections are gone")


@pytest.mark.timeout(60)
def test_a_connection_that_sends_nothing_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "IDLE_TIMEOUT", 0.5)
    with web_server() as server, idle_connections(server.port, 1) as (conn,):
        conn.settimeout(10)
        t0 = time.perf_counter()
        assert conn.recv(100) == b""  # the server closed it
        assert time.perf_counter() - t0 < 5


@pytest.mark.timeout(60)
def test_a_client_trickling_its_headers_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each byte within the per-read timeout, the whole never: the worker is freed after
    READ_TIMEOUT all the same."""
    monkeypatch.setattr(server_module, "READ_TIMEOUT", 1.0)
    with web_server() as server, idle_connections(server.port, 1) as (conn,):
        conn.sendall(b"GET /metrics HTTP/1.0\r\n")
        t0 = time.perf_counter()
        cut = False
        while time.perf_counter() - t0 < 8:
            time.sleep(0.3)
            try:
                conn.sendall(b"X-Slow: y\r\n")
            except OSError:
                cut = True
                break
            conn.settimeout(0.01)
            try:
                if conn.recv(100) == b"":
                    cut = True
                    break
            except TimeoutError:
                pass
        assert cut, "the trickling client was still being served after 8 s"
        assert time.perf_counter() - t0 < 5
