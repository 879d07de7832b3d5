"""The HTTP server (docs/operations.md, "Limits of the web server"): a small server on the
standard library, with a fixed
pool of worker threads and a bound on open connections (see `_HTTPServer`); basic auth in
web/auth.py.

`/metrics`, `/api/alerts` and the status page read the in-memory snapshots only. `/api/kpis`
answers the running month from the snapshot, and evaluates on demand (a read-only query) when
`period`, `from`/`to` or `at` is given; `/rejects?source=NAME` (linked from the page) reads a
source's latest rejected rows on demand. Binds to 127.0.0.1 by default; TLS and basic auth come
from a Prometheus-style `web-config.yml` (see web/webconfig.py).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from kpimon.alerts.view import AlertsHolder
from kpimon.periods import Period, check_years, containing, date_range, parse_at, parse_period
from kpimon.web.auth import BasicAuth
from kpimon.web.page import status_page
from kpimon.web.snapshot import SnapshotHolder

log = logging.getLogger("kpimon.web")

Evaluator = Callable[[Period, datetime], dict[str, Any]]
#: Renders an explain page: (indicator id, query) → (HTTP status, HTML).
Explainer = Callable[[str, dict[str, str]], tuple[int, str]]


#: How often the status page reloads itself (seconds).
REFRESH_SECONDS = 60
#: How long a client has to complete its TLS handshake.
HANDSHAKE_TIMEOUT = 10.0
#: How long a connection may stay open without sending a request (it costs no thread).
IDLE_TIMEOUT = 30.0
#: How long a client has for its request line and headers once they start to arrive (and a
#: worker for each read and write); a client that trickles them is cut off after that.
READ_TIMEOUT = 10.0
#: Worker threads serving requests: enough that ten concurrent scrapers are served as fast as
#: by a thread per connection, few enough that a flood of clients cannot start threads.
WORKERS = 16
#: Open connections at most (waiting for their request, queued or being served); one more is
#: answered 503 and closed at once.
MAX_CONNECTIONS = 256
BUSY_ANSWER = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
               b"Connection: close\r\n\r\n")


class _HTTPServer(HTTPServer):
    """Bounded: a fixed pool of worker threads, and at most MAX_CONNECTIONS open connections.

    A thread per connection (the standard library's ThreadingHTTPServer) lets a flood of
    clients start threads without limit. Here one thread accepts connections and watches them
    in a selector until their request starts to arrive, so an idle connection (a port scan, a
    stuck proxy) costs no thread and cannot hold a worker; then one of WORKERS threads serves
    it. A connection idle for IDLE_TIMEOUT is closed. Past MAX_CONNECTIONS a new connection is
    answered `503` at once (plain HTTP; with TLS it is just closed) and a warning is logged, at
    most once a minute.

    With TLS, the handshake happens in the worker: doing it in the accepting thread would let
    one slow client stall every scrape behind it.
    """

    request_queue_size = 128  # the listen backlog, before accept()
    tls: ssl.SSLContext | None = None

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 workers: int = WORKERS, max_connections: int = MAX_CONNECTIONS):
        self.workers = workers
        self.max_connections = max_connections
        self._open = 0  # connections accepted and not yet closed
        self._open_lock = threading.Lock()
        self._ready: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._last_busy_warning = -math.inf
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._serving = False
        self._reading: dict[Any, float] = {}  # connection → deadline of its request's headers
        self._reading_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        super().__init__(address, handler)  # binds (and calls server_close if that fails)
        self._threads = [threading.Thread(target=self._work, name=f"kpimon-web-{i}",
                                          daemon=True) for i in range(workers)]
        for t in self._threads:
            t.start()

    # ---------------------------------------------------------------- the accepting thread

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving = True
        waiting: dict[Any, tuple[Any, float]] = {}  # connection → (address, accepted at)
        with selectors.DefaultSelector() as sel:
            sel.register(self.socket, selectors.EVENT_READ)
            try:
                while not self._stop.is_set():
                    for key, _ in sel.select(poll_interval):
                        if key.fileobj is self.socket:
                            self._accept(sel, waiting)
                        else:  # its request is arriving: to a worker
                            sel.unregister(key.fileobj)
                            address, _at = waiting.pop(key.fileobj)
                            self._ready.put((key.fileobj, address))
                    now = time.monotonic()
                    for conn, (_address, at) in list(waiting.items()):
                        if now - at > IDLE_TIMEOUT:
                            sel.unregister(conn)
                            del waiting[conn]
                            self.shutdown_request(conn)
                    self._cut_slow_readers(now)
            finally:
                for conn in waiting:
                    self.shutdown_request(conn)
                self._stopped.set()

    def _accept(self, sel: selectors.BaseSelector, waiting: dict[Any, tuple[Any, float]]
                ) -> None:
        try:
            conn, address = self.socket.accept()
        except OSError:
            return
        with self._open_lock:
            full = self._open >= self.max_connections
            if not full:
                self._open += 1
        if full:
            self._refuse(conn, address)
            return
        sel.register(conn, selectors.EVENT_READ)
        waiting[conn] = (address, time.monotonic())

    def _refuse(self, conn: Any, address: Any) -> None:
        now = time.monotonic()
        if now - self._last_busy_warning >= 60:
            self._last_busy_warning = now
            log.warning("HTTP server busy: %d connections open; refusing %s (and any other "
                        "within a minute)", self.max_connections, address[0])
        if self.tls is None:
            try:  # best effort, never blocking the accepting thread
                conn.setblocking(False)
                conn.send(BUSY_ANSWER)
            except OSError:
                pass
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.close()

    def shutdown(self) -> None:
        self._stop.set()
        if self._serving:
            self._stopped.wait(5)

    # ---------------------------------------------------------------- the workers

    def _cut_slow_readers(self, now: float) -> None:
        """End the requests whose line and headers did not all arrive within READ_TIMEOUT:
        the per-read timeout alone lets a client that sends a byte now and then hold a worker
        for ever. Shutting the socket down wakes the worker blocked in its read."""
        with self._reading_lock:
            late = [conn for conn, deadline in self._reading.items() if now > deadline]
            for conn in late:
                del self._reading[conn]
        for conn in late:
            try:  # the plain socket's shutdown, also under TLS: the SSL state is the worker's
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
            except OSError:
                pass

    def reading(self, conn: Any) -> None:
        """`conn`'s request starts to be read now; see `_cut_slow_readers`."""
        with self._reading_lock:
            self._reading[conn] = time.monotonic() + READ_TIMEOUT

    def request_read(self, conn: Any) -> None:
        """`conn`'s request line and headers are in: no deadline for the answer."""
        with self._reading_lock:
            self._reading.pop(conn, None)

    def _work(self) -> None:
        while (item := self._ready.get()) is not None:
            conn, address = item
            try:
                conn.settimeout(READ_TIMEOUT)
                self.finish_request(conn, address)
            except Exception:
                self.handle_error(conn, address)
            finally:
                self.request_read(conn)
                self.shutdown_request(conn)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self._open_lock:
            self._open -= 1

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            self.reading(request)
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except OSError as e:  # ssl.SSLError included: plain HTTP, bad clients, timeouts
            log.debug("TLS handshake with %s failed: %s", client_address[0], e)
            return
        try:
            conn.settimeout(READ_TIMEOUT)
            self.reading(conn)
            super().finish_request(conn, client_address)
        finally:
            self.request_read(conn)
            conn.close()

    def server_close(self) -> None:
        super().server_close()
        for _ in self._threads:
            self._ready.put(None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-answer is not worth a traceback on stderr.
        log.debug("error serving %s", client_address[0], exc_info=True)


class WebServer:
    """Serves the outputs in a background thread; `port` is the bound port (0 picks one)."""

    def __init__(self, host: str, port: int, holder: SnapshotHolder, evaluator: Evaluator,
                 tz: Any, ping: Callable[[], bool],
                 basic_auth: dict[str, str] | None = None, ssl_context: Any = None,
                 explainer: Explainer | None = None, alerts: AlertsHolder | None = None,
                 rejects: Callable[[str], str | None] | None = None,
                 collectors: Sequence[Collector] = ()):
        self.holder = holder
        self.explainer = explainer
        self.rejects = rejects  # source → its latest rejects as text (None: no such source)
        self.alerts = alerts or AlertsHolder()
        # What /metrics encodes per scrape; the snapshot's own metrics come pre-rendered from
        # the holder, once per snapshot (see SnapshotHolder.exposition).
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.alerts)
        for collector in collectors:  # e.g. the daemon's leadership (kpimon_leader)
            self.registry.register(collector)
        # The client library's own: process_* (memory, CPU, open files) and python_* (the
        # interpreter, its garbage collector), as on any Prometheus-instrumented service.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.evaluator = evaluator
        self.tz = tz
        self.ping = ping
        self.auth = BasicAuth(basic_auth or {})
        handler = self._handler_class()
        self.httpd = _HTTPServer((host, port), handler)
        self.httpd.tls = ssl_context
        self.port = self.httpd.server_address[1]
        self.host = host
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="kpimon-web",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ handlers

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "kpimon"
            sys_version = ""
            timeout = READ_TIMEOUT

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s %s", self.address_string(), format % args)

            def parse_request(self) -> bool:
                ok = super().parse_request()  # reads the headers
                server.httpd.request_read(self.connection)
                return ok

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if not server._authorized(self.headers.get("Authorization")):
                    self.send_response(HTTPStatus.UNAUTHORIZED)
                    self.send_header("WWW-Authenticate", 'Basic realm="kpimon"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                try:
                    status, ctype, body = server.route(url.path, query,
                                                       self.headers.get("Accept", ""))
                except Exception as e:  # never let a bug kill the server thread
                    log.exception("error serving %s", url.path)
                    status, ctype, body = 500, "text/plain; charset=utf-8", \
                        f"internal error: {type(e).__name__}\n".encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                for name, value in server.extra_headers(url.path, query, status):
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _authorized(self, header: str | None) -> bool:
        return not self.auth or self.auth.check(header)

    def extra_headers(self, path: str, query: dict[str, str], status: int
                      ) -> list[tuple[str, str]]:
        """The status page refreshes itself every minute through the `Refresh` header (no
        script needed), unless the reader turned it off (`?refresh=off`, linked from the
        page: WCAG 2.2.1 lets a time limit be turned off before it is met)."""
        if status == 200 and path in ("/", "/index.html") and query.get("refresh") != "off":
            return [("Refresh", str(REFRESH_SECONDS))]
        return []

    def route(self, path: str, query: dict[str, str], accept: str = ""
              ) -> tuple[int, str, bytes]:
        """Status, content type and body for a GET of `path`; `accept` is the Accept header."""
        snap = self.holder.current
        if path == "/metrics":
            # Negotiate as prometheus-client's own handlers do: OpenMetrics when the scraper
            # asks for it (Prometheus does), else the classic text format 0.0.4. Labelling
            # every answer `version=1.0.0` claimed a format the scraper had not asked for.
            encoder, ctype = choose_encoder(accept)
            return 200, ctype, self.holder.exposition(encoder) + encoder(self.registry)
        if path == "/healthz":
            return 200, "text/plain; charset=utf-8", b"ok\n"
        if path == "/readyz":
            if not snap.ready:
                return 503, "text/plain; charset=utf-8", \
                    b"not ready: no stored figures, and the first compute not done\n"
            if not self.ping():
                return 503, "text/plain; charset=utf-8", b"not ready: database unreachable\n"
            return 200, "text/plain; charset=utf-8", b"ready\n"
        if path == "/api/kpis":
            return self._api(query)
        if path == "/rejects" and self.rejects is not None:
            # The status page links here: a source's latest rejected rows, read on demand.
            text = self.rejects(query.get("source", ""))
            if text is None:
                return 404, "text/plain; charset=utf-8", b"no such source\n"
            return 200, "text/plain; charset=utf-8", text.encode()
        if path == "/api/alerts":
            return 200, "application/json", json.dumps(self.alerts.current.api(),
                                                       ensure_ascii=False).encode()
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", status_page(
                snap, firing_alerts=self.alerts.current.page_items(),
                refresh=query.get("refresh") != "off").encode()
        if path.startswith("/indicators/") and self.explainer is not None:
            ident = unquote(path[len("/indicators/"):])
            status, html = self.explainer(ident, query)
            return status, "text/html; charset=utf-8", html.encode()
        return 404, "text/plain; charset=utf-8", b"not found\n"

    def _api(self, query: dict[str, str]) -> tuple[int, str, bytes]:
        snap = self.holder.current
        if not any(k in query for k in ("period", "from", "to", "at")):
            if not snap.ready:
                return 503, "application/json", b'{"error": "first compute not done"}'
            return 200, "application/json", json.dumps(snap.api, ensure_ascii=False).encode()
        try:
            at = parse_at(query["at"], self.tz) if query.get("at") else datetime.now(UTC)
            if query.get("period"):
                period = parse_period(query["period"], self.tz)
            elif query.get("from") or query.get("to"):
                period = check_years(date_range(date.fromisoformat(query.get("from", "")),
                                                date.fromisoformat(query.get("to", "")),
                                                self.tz))
            else:
                period = containing("month", at, self.tz)
        except (ValueError, KeyError) as e:
            body = json.dumps({"error": str(e)}).encode()
            return 400, "application/json", body
        return 200, "application/json", json.dumps(self.evaluator(period, at),
                                                   ensure_ascii=False).encode()


