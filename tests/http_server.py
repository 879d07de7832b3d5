"""A real local HTTP(S) server for the tests, started and stopped the same way everywhere.

`LocalServer(Handler)` binds a `ThreadingHTTPServer` to a free port on 127.0.0.1, serves it in a
daemon thread and, on `close()` (or leaving its `with` block), shuts it down and frees the port.
`QuietHandler` is a request handler that logs nothing and answers with one call,
`reply(status, body, headers)`:

    class Export(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.reply(200, b"Datornamn\\r\\nPC001\\r\\n", {"Content-Type": "text/csv"})

    with LocalServer(Export) as server:
        fetch(f"{server.origin}/export.csv")
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output quiet and answers with `reply`."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass

    def reply(self, status: int, body: bytes = b"",
              headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        """Answer `status` with `body`, its Content-Length and `headers` (a mapping, or pairs
        when a header repeats)."""
        self.send_response(status)
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in pairs:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LocalServer:
    """A `ThreadingHTTPServer` on 127.0.0.1 and a free port, serving from a daemon thread as soon
    as it is made; `close()` stops it. With `tls`, it speaks HTTPS with that server context."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *,
                 tls: ssl.SSLContext | None = None, poll: float = 0.05) -> None:
        self.httpd = ThreadingHTTPServer((HOST, 0), handler)
        if tls is not None:
            # The handshake happens on the handler thread's first read, so a client that
            # refuses the certificate never blocks the accepting thread.
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True,
                                                do_handshake_on_connect=False)
        self.scheme = "http" if tls is None else "https"
        # `poll` bounds how long `close()` waits for the serving loop to notice.
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(poll,),
                                        daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.httpd.server_address[1])

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>` (or https), without a trailing slash."""
        return f"{self.scheme}://{HOST}:{self.port}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
