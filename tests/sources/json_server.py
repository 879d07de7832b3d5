"""A real local HTTP server that answers every GET with one settable JSON body (and a login
POST with a token): for the tests that feed an API source pages of their own making."""

from __future__ import annotations

import json
from typing import Any

from tests.http_server import LocalServer, QuietHandler


class JsonServer:
    """`body` (bytes, or anything json.dumps takes) for every GET; `hits` the paths asked."""

    def __init__(self, body: Any = b"{}"):
        self.body = body
        self.hits: list[str] = []
        owner = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(b'{"token": "a.b.c"}')

            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                body = owner.body
                self._send(body if isinstance(body, bytes) else json.dumps(body).encode())

            def _send(self, data: bytes) -> None:
                self.reply(200, data, {"Content-Type": "application/json"})

        self.server = LocalServer(Handler, poll=0.02)
        self.url = self.server.origin

    def close(self) -> None:
        self.server.close()
