"""A real SMTP server for the alert tests (aiosmtpd in a thread of its own).

It keeps every accepted message, and can refuse the first N messages (or any message a
`refuse_if` callable picks) with a temporary error (451), block inside DATA until released
(to kill a sender mid-send), offer STARTTLS with a test CA's certificate, and require a login.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    refuse: int = 0  # refuse this many DATA commands first, with `refuse_with`
    refuse_with: str = "451 4.3.0 try again later"
    block: threading.Event | None = None  # hold the reply to DATA until it is set
    entered_data: threading.Event = field(default_factory=threading.Event)
    messages: list[Received] = field(default_factory=list)
    refused: int = 0
    refuse_if: Callable[[], bool] | None = None  # asked at each DATA: True refuses it
    last_data: float = 0.0  # time.monotonic() of the last DATA command

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.entered_data.set()
        self.last_data = time.monotonic()
        if self.refuse > self.refused or (self.refuse_if is not None and self.refuse_if()):
            self.refused += 1
            return self.refuse_with
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content or envelope.content)))
        if self.block is not None:
            # The message is queued; the reply is held back. A client killed now never
            # learns that the relay has it — SMTP's window for a duplicate.
            import asyncio

            while not self.block.is_set():
                await asyncio.sleep(0.05)
        return "250 2.0.0 Ok: queued as TEST1"


class SmtpServer:
    """`with SmtpServer() as s:` … `s.port`, `s.messages`, `s.wait_for(n)`."""

    def __init__(self, *, tls_context: ssl.SSLContext | None = None,
                 require_starttls: bool = False, ssl_context: ssl.SSLContext | None = None,
                 users: dict[str, str] | None = None, port: int | None = None,
                 **handler: Any):
        """`tls_context` offers STARTTLS, `ssl_context` makes it implicit TLS (port 465)."""
        self.handler = Handler(**handler)
        self.port = port or free_port()
        kwargs: dict[str, Any] = {}
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=require_starttls)
        if ssl_context is not None:
            kwargs.update(ssl_context=ssl_context)
        if users is not None:
            def auth(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
                ok = isinstance(data, LoginPassword) and users.get(
                    data.login.decode()) == data.password.decode()
                return AuthResult(success=ok)

            kwargs.update(authenticator=auth, auth_required=True,
                          # aiosmtpd only counts STARTTLS as TLS; implicit TLS is TLS too.
                          auth_require_tls=tls_context is not None)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.handler.block is not None:
            self.handler.block.set()
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def wait_for(self, n: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= n:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} messages after {timeout} s, wanted {n}")
