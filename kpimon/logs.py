"""Logging to stderr for journald (no timestamps of our own, journald adds them) or as JSON
lines. Secrets are redacted from every record by a filter installed on the handler."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

_JOURNAL_PREFIX = {logging.DEBUG: "<7>", logging.INFO: "<6>", logging.WARNING: "<4>",
                   logging.ERROR: "<3>", logging.CRITICAL: "<2>"}


class Redact(logging.Filter):
    """Replaces known secrets in the formatted message with ***."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            msg = record.getMessage()
            for s in self.secrets:
                msg = msg.replace(s, "***")
            record.msg, record.args = msg, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
               "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class JournalFormatter(logging.Formatter):
    """`<6>kpimon.collect: message`: the sd-daemon level prefix journald understands."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = _JOURNAL_PREFIX.get(record.levelno, "<6>") if self.journal else ""
        return f"{prefix}{record.levelname.lower()} {record.name}: {super().format(record)}"

    def __init__(self, journal: bool):
        super().__init__("%(message)s")
        self.journal = journal


def setup(level: str, fmt: str = "text", secrets: Iterable[str] = (),
          stream: object = None) -> None:
    """Configure the root logger once, from main()."""
    import os

    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(JournalFormatter(journal="JOURNAL_STREAM" in os.environ))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
