"""The status page gives its times in the configured time zone (that of the periods it
shows), whatever zone the server process runs in."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kpimon.kpi.engine import Evaluation
from kpimon.kpi.periods import month
from kpimon.store import RunInfo
from kpimon.web.page import status_page
from kpimon.web.snapshot import Snapshot


@pytest.fixture(params=["UTC", "America/New_York"])
def process_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the page under another process time zone (as a service with TZ=UTC does)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_times_in_the_configured_zone(process_tz: str) -> None:
    tz = ZoneInfo("Europe/Stockholm")
    computed = datetime(2026, 11, 26, 23, 9, 47, tzinfo=UTC)  # 00:09:47 on the 27th there
    success = int(datetime(2026, 11, 26, 22, 30, tzinfo=UTC).timestamp())
    run = RunInfo(source="export", last_started=success - 1, last_ended=success, last_ok=True,
                  last_error=None, last_success=success, last_duration=1.0, records_total=28,
                  rejects_total=0, requests_total=0, retries_total=0, throttled_total=0)
    snap = Snapshot(metrics=(), ready=True, computed_at=computed, sources={"export": run},
                    evaluations={"month": Evaluation(month(2026, 11, tz), computed, [], [])})
    page = status_page(snap, now=computed)
    assert "Beräknad 27 november 2026 00:09:47 CET" in page
    assert "26 november 2026 23:30" in page  # the export's last success, local
