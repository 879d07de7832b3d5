"""Fixtures of the alert tests: a real SMTP server and a bench on each database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.alerts.bench import Bench, write_config
from tests.alerts.smtp_server import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def bench(tmp_path: Path, db_url: str, smtp: SmtpServer) -> Iterator[Callable[..., Bench]]:
    """`bench(**write_config keywords)`: a Bench on this test's database and SMTP server."""
    made: list[Bench] = []

    def make(**kw: object) -> Bench:
        b = Bench(write_config(tmp_path, db_url, smtp.port, **kw))  # type: ignore[arg-type]
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
