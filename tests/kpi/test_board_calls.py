"""Call indicators (DESIGN §7): service level at 20 s and 60 s, the short-abandon rule, the
answered-only formula, answer and abandon rates and the average wait, from per-call data and
from interval data (ACE), per queue. The records are written through the store as an adapter's
batches would be (the phone adapters have tests of their own), then read with `kpis`.

Per call, March 2020, queue Servicedesk: answered after 10, 20, 45 and 90 s; abandoned after 3
and 30 s. Queue Växel (not listed: `other`): answered after 5 s.
Interval (ACE), Servicedesk 2020-03-02 08:00-08:15: received 10, answered 8 (6 within 20 s, 7
within 60 s), abandoned 2 (1 within the short-abandon time), 160 s of waiting for the answered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest

from kpimon.records import Call, QueueInterval
from kpimon.sources.base import Batch, SourceStats
from kpimon.store import Store
from tests.fixtures.board.kit import Board

INDICATORS = """
[[indicators]]
id = "calls_20s"
kind = "call_service_level"
threshold = "20s"
target = ">= 0.70"
breakdown = ["queue"]
sources = ["växeln"]

[[indicators]]
id = "calls_60s"
kind = "call_service_level"
threshold = "60s"
sources = ["växeln"]

[[indicators]]
id = "calls_20s_short"
kind = "call_service_level"
threshold = "20s"
short_abandon = "5s"
sources = ["växeln"]

[[indicators]]
id = "calls_20s_answered"
kind = "call_service_level"
threshold = "20s"
formula = "answered_only"
sources = ["växeln"]

[[indicators]]
id = "answer_rate"
kind = "call_answer_rate"
sources = ["växeln"]

[[indicators]]
id = "abandon_rate"
kind = "call_abandon_rate"
sources = ["växeln"]

[[indicators]]
id = "average_wait"
kind = "call_average_wait"
sources = ["växeln"]

[[indicators]]
id = "ace_20s"
kind = "call_service_level"
threshold = "20s"
sources = ["ace"]

[[indicators]]
id = "ace_20s_short"
kind = "call_service_level"
threshold = "20s"
short_abandon = "5s"
sources = ["ace"]

[[indicators]]
id = "ace_wait"
kind = "call_average_wait"
sources = ["ace"]

[[indicators]]
id = "all_20s"
kind = "call_service_level"
threshold = "20s"
"""

SOURCES = """
[[sources]]
name = "växeln"
kind = "queue_log"
path = "/nonexistent/queue_log"

[[sources]]
name = "ace"
kind = "ace_csv"
path = "/nonexistent/*.csv"
"""


def _write(db_url: str) -> None:
    base = datetime(2020, 3, 2, 7, 0, tzinfo=UTC)   # 08:00 in Stockholm
    outcomes: list[tuple[int, Literal["answered", "abandoned"]]] = [
        (10, "answered"), (20, "answered"), (45, "answered"), (90, "answered"),
        (3, "abandoned"), (30, "abandoned")]
    calls = [Call("växeln", "Servicedesk", f"c{i}", base + timedelta(minutes=i), wait, outcome)
             for i, (wait, outcome) in enumerate(outcomes, start=1)]
    calls.append(Call("växeln", "Växel", "c7", base, 5, "answered"))
    interval = QueueInterval("ace", "Servicedesk", base, base + timedelta(minutes=15),
                             received=10, answered=8, answered_within={20: 6, 60: 7},
                             abandoned=2, abandoned_short=1, wait_seconds_answered_sum=160)
    store = Store.open(db_url)
    try:
        store.upgrade()
        for source, items in (("växeln", calls), ("ace", [interval])):
            run = store.start_run(source, 0)
            counts = store.write_batch(run, 0, Batch(label="test", items=items), 0,
                                       source=source, derive_history=False)
            store.finish_run(run, 0, True, counts, SourceStats())
    finally:
        store.close()


def test_call_indicators(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, sources=SOURCES, top='queues = ["Servicedesk"]')
    _write(db_url)
    got = b.indicators("--period", "2020-03", "--at", "2020-04-01T00:00")

    def nd(ident: str) -> tuple[object, object]:
        return got[ident]["numerator"], got[ident]["denominator"]

    assert nd("calls_20s") == (3, 7)            # c1, c2 (20 s is within), c7 of 7 offered
    queues = got["calls_20s"]["breakdown"]["queue"]
    assert (queues["Servicedesk"]["numerator"], queues["Servicedesk"]["denominator"]) == (2, 6)
    assert (queues["other"]["numerator"], queues["other"]["denominator"]) == (1, 1)
    assert queues["Servicedesk"]["status"] == "not_achieved"
    assert queues["other"]["status"] == "achieved"
    assert nd("calls_60s") == (4, 7)
    assert nd("calls_20s_short") == (3, 6)      # the 3-second abandon is not offered
    assert nd("calls_20s_answered") == (3, 5)
    assert got["calls_20s_answered"]["formula"] == "answered_only"
    assert nd("answer_rate") == (5, 7)
    assert nd("abandon_rate") == (2, 7)
    assert got["average_wait"]["value"] == pytest.approx((10 + 20 + 45 + 90 + 5) / 5)
    assert got["average_wait"]["unit"] == "seconds"
    assert nd("ace_20s") == (6, 10)             # received is offered
    assert nd("ace_20s_short") == (6, 9)
    assert got["ace_wait"]["value"] == pytest.approx(20.0)
    assert nd("all_20s") == (9, 17)             # both kinds of source in one indicator
    april = b.indicators("--period", "2020-04", "--at", "2020-05-01T00:00")
    assert (april["calls_20s"]["value"], april["calls_20s"]["status"]) == (None, "no_value")
