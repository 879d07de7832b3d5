"""Logging: plain lines on stderr for journald, or JSON lines; secrets redacted from everything.

* **text** (the default): `level logger: message`, no timestamp of our own — journald (or
  whatever captures stderr) stamps each line, so a second timestamp would only be noise. When
  stderr *is* the journal stream (systemd sets `JOURNAL_STREAM=dev:inode` and we check that it is
  still our stderr, as sd-daemon(3) advises), each line instead starts with the `<N>` priority
  prefix journald understands, so `journalctl -p warning` works and the level word is dropped.
* **json**: one JSON object per line (`ts`, `level`, `logger`, `msg`, `exc`) for log shippers.

A `Redact` filter on the handler replaces every configured secret with `***` in the message, its
arguments, the formatted exception and the stack — and, whatever the secrets, a URL's userinfo
password and secret query parameters (`kpimon.redact`) — so no record can carry one out,
whichever module logged it. `update_secrets` adds the secrets of a reloaded configuration.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from kpimon.redact import redact as redact_text

# sd-daemon(3) priorities: <7> debug … <2> critical.
_JOURNAL_PREFIX = {logging.DEBUG: "<7>", logging.INFO: "<6>", logging.WARNING: "<4>",
                   logging.ERROR: "<3>", logging.CRITICAL: "<2>"}
# Libraries that chatter at INFO/DEBUG; they are held at WARNING unless kpimon runs below it.
_NOISY = ("apscheduler", "urllib3", "alembic", "requests_ntlm", "spnego", "weasyprint", "fontTools")


class Redact(logging.Filter):
    """Replaces known secrets with `***` in a record's message, exception text and stack."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self._formatter = logging.Formatter()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        """Add secrets; old ones stay, since records about the old config may still be logged."""
        merged = set(self.secrets) | {s for s in secrets if s}
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = tuple(sorted(merged, key=len, reverse=True))

    def redact(self, text: str) -> str:
        return redact_text(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string: keep the raw parts, redacted
            msg = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(msg), None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so the formatter uses this redacted text, not the raw
            # exception (whose message may well hold a URL or a password).
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    parts = [p for p in (record.exc_text, record.stack_info) if p]
    return "\n".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; multi-line messages and tracebacks stay inside their string."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        exc = _exception_text(self, record)
        if exc:
            out["exc"] = exc
        return json.dumps(out, ensure_ascii=False)


class JournalFormatter(logging.Formatter):
    """`warning kpimon.collect: message`, or `<4>kpimon.collect: message` on the journal.

    In journal mode every line of a multi-line record (a traceback, a list of config errors)
    carries the prefix, since journald files each line as its own entry.
    """

    def __init__(self, journal: bool):
        super().__init__("%(message)s")
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if not self.journal:
            return f"{record.levelname.lower()} {record.name}: {text}"
        prefix = _JOURNAL_PREFIX.get(record.levelno, "<6>")
        lines = text.split("\n")
        head = f"{prefix}{record.name}: {lines[0]}"
        return "\n".join([head, *(f"{prefix}{line}" for line in lines[1:])])


def journal_stream(stream: object, env: Mapping[str, str]) -> bool:
    """True when `stream` is the journal socket systemd handed us (JOURNAL_STREAM=dev:inode).

    The variable is inherited by children whose stderr may be redirected elsewhere, so it only
    counts when the device and inode match the stream's file descriptor.
    """
    value = env.get("JOURNAL_STREAM", "")
    dev, _, ino = value.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    return st.st_dev == int(dev) and st.st_ino == int(ino)


def _handler() -> logging.Handler | None:
    for h in logging.getLogger().handlers:
        if getattr(h, "_kpimon", False):
            return h
    return None


def setup(level: str, fmt: str = "text", secrets: Iterable[str] = (),
          stream: IO[str] | None = None, env: Mapping[str, str] | None = None) -> None:
    """Configure the root logger once, from main(): one stderr handler with redaction."""
    env = os.environ if env is None else env
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    handler._kpimon = True  # type: ignore[attr-defined]
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(JournalFormatter(journal=journal_stream(out, env)))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    set_level(level)
    # Python warnings and uncaught thread exceptions go through the same handler, so they are
    # redacted and formatted like everything else instead of being printed raw on stderr.
    logging.captureWarnings(True)
    threading.excepthook = _thread_excepthook


def set_level(level: str) -> None:
    """Set kpimon's level (config `log_level` or --log-level); noisy libraries stay quieter."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def update_secrets(secrets: Iterable[str]) -> None:
    """Teach the installed redaction filter the secrets of a reloaded configuration."""
    handler = _handler()
    if handler is None:
        return
    for f in handler.filters:
        if isinstance(f, Redact):
            f.update(secrets)


def redact(text: str) -> str:
    """Redact `text` with the installed filter's secrets (for messages not sent via logging)."""
    handler = _handler()
    for f in handler.filters if handler else ():
        if isinstance(f, Redact):
            return f.redact(text)
    return text


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    logging.getLogger("kpimon").error(
        "uncaught exception in thread %s", name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]
