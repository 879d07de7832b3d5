"""Helpers for the queue_log tests: write log lines and collect them like the runner does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpimon.records import Call, Reject
from kpimon.sources.base import Batch
from kpimon.sources.queue_log import QueueLogSource
from tests.sources.phone_helpers import FIXTURES, Runner, source_config


def fixture_lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines(keepends=True)


def append(path: Path, *chunks: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(chunk)


def collect(path: Path, runner: Runner, **cfg: Any) -> list[Batch]:
    config = source_config("queue_log", path=str(path), **cfg)
    return runner.run(QueueLogSource(config).collect(runner.ctx(config)))


def calls(batches: list[Batch]) -> dict[str, Call]:
    return {i.call_id: i for b in batches for i in b.items if isinstance(i, Call)}


def rejects(batches: list[Batch]) -> list[Reject]:
    return [i for b in batches for i in b.items if isinstance(i, Reject)]
