"""A bare `WebServer` for the tests of the HTTP layer itself (auth, bounds): a real server on
127.0.0.1 over an empty snapshot, with no daemon, store or evaluator behind it."""

from __future__ import annotations

import base64
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from kpimon.web.server import WebServer
from kpimon.web.snapshot import Snapshot, SnapshotHolder


@contextmanager
def web_server(**kw: Any) -> Iterator[WebServer]:
    """A started WebServer (keyword arguments as WebServer's); shut down on exit."""
    server = WebServer("127.0.0.1", 0, SnapshotHolder(Snapshot(metrics=())), lambda *a: {},
                       ZoneInfo("Europe/Stockholm"), lambda: True, **kw)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def median_seconds(action: Callable[[], object], times: int, pause: float = 0.0) -> float:
    """The median wall time of `times` runs of `action`, `pause` seconds apart (not timed)."""
    took = []
    for _ in range(times):
        time.sleep(pause)
        t0 = time.perf_counter()
        action()
        took.append(time.perf_counter() - t0)
    return statistics.median(took)
