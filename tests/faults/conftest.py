"""Fixtures of the fault suite: a notify socket that is always drained, and the deploy tests'
always-stopped daemon on it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.conftest import start_daemon
from tests.faults.harness import DrainedNotify

__all__ = ["notify", "start_daemon"]


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[DrainedNotify]:
    sock = DrainedNotify(tmp_path)
    yield sock
    sock.close()
