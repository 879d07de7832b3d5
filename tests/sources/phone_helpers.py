"""Helpers for the phone-source tests (ACE, queue_log, drop folder): configs, a runner
stand-in and a fake clock. Not a conftest, so it cannot clash with other sources' tests."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.sources.base import Batch, CollectContext, FileError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "phone"
TZ = ZoneInfo("Europe/Stockholm")


@dataclass
class FakeClock:
    """Wall-clock seconds that only move when `sleep` is called (records each sleep)."""

    now: float
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def source_config(kind: str, **kw: Any) -> SourceConfig:
    kw.setdefault("name", "phone")
    return SourceConfig(kind=kind, every=900, **kw)


@dataclass
class Runner:
    """A stand-in for the collection runner: remembers imported file keys and saved state,
    and runs `on_commit` after each batch, as the real runner does after its commit."""

    imported: set[str] = field(default_factory=set)
    state: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # file key → its FileError message

    def ctx(self, config: SourceConfig, **kw: Any) -> CollectContext:
        return CollectContext(
            config=config, tz=TZ, now=datetime(2020, 3, 2, 12, tzinfo=UTC),
            state=dict(self.state), is_imported=self.imported.__contains__,
            failed_before=self.failed.__contains__,
            log=logging.getLogger("kpimon.sources.test"), **kw)

    def run(self, batches: Iterable[Batch]) -> list[Batch]:
        out = []
        for b in batches:
            try:
                b.items = list(b.items)
            except FileError as e:  # the runner rolls the batch back and remembers the file
                if b.file_key:
                    self.failed[b.file_key] = e.message
                b.items = []
                out.append(b)
                continue
            if b.file_key:
                self.imported.add(b.file_key)
            self.state.update(b.state)
            if b.on_commit:
                b.on_commit()
            out.append(b)
        return out
