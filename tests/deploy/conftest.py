"""Fixtures of the deploy tests: a notify socket and a daemon that is always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path)
    yield sock
    sock.close()


@pytest.fixture
def start_daemon(notify: NotifySocket) -> Iterator[Callable[..., Daemon]]:
    """Start `kpimon run` under the test's notify socket; killed at teardown if still up."""
    started: list[Daemon] = []

    def start(config: Path, **kw: object) -> Daemon:
        d = Daemon(config, notify, **kw)  # type: ignore[arg-type]
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
