"""A leader cut off from PostgreSQL steps down before another can take over.

The cut is played by a TCP proxy between the leader and the shared PostgreSQL: it stops
forwarding in both directions (the leader's lock check hangs, as on a cut network), and later
closes its side towards the server, as the server's keepalives would end the session — which
frees the lock. The leader must have stepped down (`is_leader()` False, `kpimon_leader` 0)
before that moment, and another instance takes the lock after it.

The leader's `hold_for` is shortened for the test (15 s in service); what is checked is that a
hanging check cannot keep a leader leading.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from kpimon.leader import Leadership
from kpimon.store.leader import leader_lock
from tests.conftest import PG_RUN, PG_URL, _pg_available, missing_service

HOLD_FOR = 3.0


class Proxy:
    """Forwards 127.0.0.1:`port` to the server; `freeze()` stops all forwarding, `cut()`
    closes the connections towards the server, `close()` everything."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.frozen.is_set():
                    time.sleep(0.05)  # held: never delivered, never answered
                dst.sendall(data)
        except OSError:
            pass

    def freeze(self) -> None:
        self.frozen.set()

    def cut(self) -> None:
        for _, server in self.pairs:
            _shut(server)

    def close(self) -> None:
        self.listener.close()
        for client, server in self.pairs:
            _shut(client)
            _shut(server)
        self.frozen.clear()


def _shut(sock: socket.socket) -> None:
    """Close for real: a plain close() leaves the connection up while a thread reads it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    problem = _pg_available()
    if problem:
        missing_service(f"PostgreSQL at {PG_URL}: {problem}")
    parts = urlsplit(PG_URL.replace("postgresql+psycopg", "postgresql"))
    p = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield p
    p.close()


@pytest.mark.timeout(90)
def test_a_cut_leader_steps_down_before_the_lock_is_free(proxy: Proxy) -> None:
    # Both in one schema of their own on the shared server: one lock, no other test's.
    schema = PG_RUN.create("SCHEMA", "t_")
    direct = f"{PG_URL}?options=-csearch_path%3D{schema}"
    via_proxy = direct.replace(f":{urlsplit(PG_URL).port}/", f":{proxy.port}/")
    leader = Leadership(leader_lock(via_proxy), every=0.2, hold_for=HOLD_FOR)
    other = Leadership(leader_lock(direct), every=0.2)
    try:
        leader.start()
        other.start()
        assert leader.is_leader() and not other.is_leader()

        proxy.freeze()
        cut_at = time.monotonic()
        deadline = cut_at + HOLD_FOR + 5
        while leader.is_leader():
            assert time.monotonic() < deadline, "the cut leader still leads"
            time.sleep(0.05)
        assert not leader.confirm()  # a send asking now is refused
        assert not other.is_leader()  # the server has not let go of the session yet

        proxy.cut()  # the server ends the session: the lock is free
        deadline = time.monotonic() + 15
        while not other.is_leader():
            assert time.monotonic() < deadline, "no one took over"
            time.sleep(0.05)
        assert not leader.is_leader()
    finally:
        proxy.close()  # the hung check fails now, and the leader's thread can end
        leader.stop()
        other.stop()
        PG_RUN.drop("SCHEMA", schema)
