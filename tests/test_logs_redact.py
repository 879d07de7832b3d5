"""The redaction filter: a secret never leaves through a log record — not in the message, its
arguments, an exception's traceback or a stack — in text or JSON format, and secrets of a
reloaded configuration are added to the old ones."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from kpimon import logs

SECRET = "hunter2-Pa55"
LONGER = SECRET + "-and-more"


@pytest.fixture
def capture() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])


def _emit_everything(log: logging.Logger) -> None:
    log.info("plain %s", SECRET)
    log.warning(f"in the message itself: {LONGER}")
    try:
        raise RuntimeError(f"GET https://efecte.example/login?password={SECRET} failed")
    except RuntimeError:
        log.exception("a failure")
        log.debug("a failure at debug", exc_info=True)
    log.info("with a stack", stack_info=True, extra={"x": SECRET})


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secret_never_in_output(capture: io.StringIO, fmt: str) -> None:
    logs.setup("DEBUG", fmt, [SECRET], stream=capture, env={})
    _emit_everything(logging.getLogger("kpimon.test"))
    out = capture.getvalue()
    assert SECRET not in out
    assert "***" in out and "RuntimeError" in out and "Traceback" in out
    assert "-and-more" in out  # the longer string lost only the secret part


def test_json_lines_parse_one_per_line(capture: io.StringIO) -> None:
    logs.setup("DEBUG", "json", [SECRET], stream=capture, env={})
    _emit_everything(logging.getLogger("kpimon.test"))
    lines = capture.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 5
    assert {r["level"] for r in records} == {"debug", "info", "warning", "error"}
    assert all(set(r) >= {"ts", "level", "logger", "msg"} for r in records)
    assert "Traceback" in records[2]["exc"]


def test_update_secrets_after_a_reload(capture: io.StringIO) -> None:
    logs.setup("INFO", "text", [SECRET], stream=capture, env={})
    logs.update_secrets(["new-token-77"])
    logging.getLogger("kpimon.test").info("old %s new %s", SECRET, "new-token-77")
    out = capture.getvalue()
    assert SECRET not in out and "new-token-77" not in out
    assert logs.redact(f"x{SECRET}y") == "x***y"


def test_level_and_noisy_libraries(capture: io.StringIO) -> None:
    logs.setup("DEBUG", "text", [], stream=capture, env={})
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("urllib3").level == logging.WARNING
    logs.set_level("error")
    logging.getLogger("kpimon.test").warning("hidden")
    assert capture.getvalue() == ""
