"""The HTTP server (DESIGN §8 "Web"): a small threaded server on the standard library.

`/metrics`, `/api/alerts` and the status page read the in-memory snapshots only. `/api/kpis`
answers the running month from the snapshot, and evaluates on demand (a read-only query) when
`period`, `from`/`to` or `at` is given; `/rejects?source=NAME` (linked from the page) reads a
source's latest rejected rows on demand. Binds to 127.0.0.1 by default; TLS and basic auth come
from a Prometheus-style `web-config.yml` (see web/webconfig.py).
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from kpimon.alerts.view import AlertsHolder
from kpimon.periods import Period, containing, date_range, parse_period
from kpimon.timeutil import parse_time
from kpimon.web.page import status_page
from kpimon.web.snapshot import SnapshotCollector, SnapshotHolder

log = logging.getLogger("kpimon.web")

Evaluator = Callable[[Period, datetime], dict[str, Any]]
#: Renders an explain page: (indicator id, query) → (HTTP status, HTML).
Explainer = Callable[[str, dict[str, str]], tuple[int, str]]


#: How often the status page reloads itself (seconds).
REFRESH_SECONDS = 60
#: How long a client has to complete its TLS handshake.
HANDSHAKE_TIMEOUT = 10.0
#: How long a connection may sit idle before its thread gives up on it.
IDLE_TIMEOUT = 30.0


class _HTTPServer(ThreadingHTTPServer):
    """One thread per connection; with TLS, the handshake happens in that thread.

    Wrapping the listening socket would run each handshake inside `accept()`, in the one
    thread that accepts every connection: a client that connects and sends nothing (a port
    scan, a stuck proxy) would stall every scrape behind it, with no timeout.
    """

    daemon_threads = True
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except OSError as e:  # ssl.SSLError included: plain HTTP, bad clients, timeouts
            log.debug("TLS handshake with %s failed: %s", client_address[0], e)
            return
        try:
            super().finish_request(conn, client_address)
        finally:
            conn.close()

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
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(SnapshotCollector(holder))
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
        self.basic_auth = basic_auth or {}
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
            timeout = IDLE_TIMEOUT

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s %s", self.address_string(), format % args)

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
        if not self.basic_auth:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except Exception:
            return False
        expected = self.basic_auth.get(user)
        if expected is None:
            return False
        from kpimon.web.webconfig import check_password

        return check_password(password, expected)

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
            return 200, ctype, encoder(self.registry)
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
            at = parse_time(query["at"], self.tz) if query.get("at") else datetime.now(UTC)
            if query.get("period"):
                period = parse_period(query["period"], self.tz)
            elif query.get("from") or query.get("to"):
                period = date_range(date.fromisoformat(query.get("from", "")),
                                    date.fromisoformat(query.get("to", "")), self.tz)
            else:
                period = containing("month", at, self.tz)
        except (ValueError, KeyError) as e:
            body = json.dumps({"error": str(e)}).encode()
            return 400, "application/json", body
        return 200, "application/json", json.dumps(self.evaluator(period, at),
                                                   ensure_ascii=False).encode()


