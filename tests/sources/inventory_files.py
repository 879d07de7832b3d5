"""Helpers for the inventory_csv tests: a config, a context and files with a chosen age."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.records import Device, Reject
from kpimon.sources.base import Batch, CollectContext
from kpimon.sources.inventory_csv import InventoryCsvSource

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)


def inventory_config(folder: Path, **kw: Any) -> SourceConfig:
    return SourceConfig(name="cmdb", kind="inventory_csv", every=3600,
                        path=str(folder / "*.csv"), **kw)


def context(config: SourceConfig, **kw: Any) -> CollectContext:
    return CollectContext(config=config, tz=ZoneInfo("Europe/Stockholm"), now=NOW, **kw)


def write(path: Path, content: bytes | str, age: float = 3600.0) -> Path:
    """Write a drop file whose modification time lies `age` seconds in the past."""
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def collect(config: SourceConfig, **ctx_kw: Any) -> list[Batch]:
    return list(InventoryCsvSource(config).collect(context(config, **ctx_kw)))


def devices(batch: Batch) -> list[Device]:
    """The batch's Devices (asserting that everything else in it is a Reject)."""
    items = list(batch.items)
    assert all(isinstance(i, Device | Reject) for i in items), items
    return [i for i in items if isinstance(i, Device)]


def device_names(batch: Batch) -> list[str]:
    return [d.name for d in devices(batch)]
