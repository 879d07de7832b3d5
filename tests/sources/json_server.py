"""A real local HTTP server that answers every GET with one settable JSON body (and a login
POST with a token): for the tests that feed an API source pages of their own making."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonServer:
    """`body` (bytes, or anything json.dumps takes) for every GET; `hits` the paths asked."""

    def __init__(self, body: Any = b"{}"):
        self.body = body
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(b'{"token": "a.b.c"}')

            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                body = owner.body
                self._send(body if isinstance(body, bytes) else json.dumps(body).encode())

            def _send(self, data: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
