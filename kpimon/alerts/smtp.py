"""Delivery through an SMTP relay with `smtplib`: STARTTLS (default) or implicit TLS, with the
certificate verified (against `ca_bundle` where the relay's CA is private), optional login,
and a timeout on every step plus a deadline on the whole send.

The deadline matters for exactly-once: the outbox lends a notification to one sender for a
lease, and the send is cut off before the lease ends, so no second sender can start on it
while the first may still be talking to the relay.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from email.utils import parseaddr

from kpimon.alerts.errors import DeliveryError
from kpimon.config import SmtpConfig


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """Verification on, always; `ca_bundle` replaces the system's CAs (a private CA)."""
    return ssl.create_default_context(cafile=ca_bundle)


class SmtpTransport:
    """Sends one message per call, on a connection of its own."""

    def __init__(self, config: SmtpConfig):
        self.config = config

    @property
    def deadline(self) -> float:
        """The longest one send may take: connect, TLS, login and the data, each up to the
        timeout."""
        return 4 * self.config.timeout

    def send(self, sender: str, recipients: list[str], message: bytes) -> str:
        """Deliver `message`; returns the relay's answer to the data (e.g. `250 2.0.0 Ok:
        queued as 4F1C2`). Raises DeliveryError (permanent for a 5xx answer)."""
        cfg = self.config
        envelope_from = parseaddr(sender)[1] or sender
        started = time.monotonic()
        smtp: smtplib.SMTP | None = None
        timer: threading.Timer | None = None
        cut_off = threading.Event()
        try:
            context = tls_context(cfg.ca_bundle)
            if cfg.tls:
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, local_hostname=cfg.helo,
                                        timeout=cfg.timeout, context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, local_hostname=cfg.helo,
                                    timeout=cfg.timeout)
            conn = smtp

            def cut() -> None:
                cut_off.set()
                sock = conn.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

            timer = threading.Timer(max(0.0, self.deadline - (time.monotonic() - started)),
                                    cut)
            timer.daemon = True
            timer.start()
            smtp.ehlo()
            if cfg.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            code, text = smtp.mail(envelope_from)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, text, envelope_from)
            refused = {}
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    refused[rcpt] = (code, text)
            if len(refused) == len(recipients):
                raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
            code, text = smtp.data(message)
            if code != 250:
                raise smtplib.SMTPDataError(code, text)
            answer = f"{code} {_text(text)}"
            if refused:
                answer += "; refused: " + ", ".join(
                    f"{r} ({c} {_text(t)})" for r, (c, t) in refused.items())
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the message is accepted; a rude goodbye changes nothing
            return answer
        except smtplib.SMTPRecipientsRefused as e:
            codes = [c for c, _ in e.recipients.values()]
            raise DeliveryError("every recipient refused: " + ", ".join(
                f"{r} ({c} {_text(t)})" for r, (c, t) in e.recipients.items()),
                permanent=all(500 <= c < 600 for c in codes)) from None
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(f"{cfg.host}:{cfg.port} answered {e.smtp_code} "
                                f"{_text(e.smtp_error)}",
                                permanent=500 <= e.smtp_code < 600) from None
        except smtplib.SMTPNotSupportedError as e:
            hint = " (kpimon does not send in clear)" if "STARTTLS" in str(e) else ""
            raise DeliveryError(f"{cfg.host}:{cfg.port}: {e}{hint}") from None
        except ssl.SSLError as e:
            raise DeliveryError(f"{cfg.host}:{cfg.port}: TLS failed: {e}") from None
        except (smtplib.SMTPException, OSError) as e:
            if cut_off.is_set():
                raise DeliveryError(f"{cfg.host}:{cfg.port}: cut off after "
                                    f"{self.deadline:g} s") from None
            raise DeliveryError(f"{cfg.host}:{cfg.port}: {type(e).__name__}: {e}") from None
        finally:
            if timer is not None:
                timer.cancel()
            if smtp is not None:
                try:
                    smtp.close()
                except OSError:
                    pass


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())
