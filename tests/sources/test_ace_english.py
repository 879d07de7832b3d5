"""ACE: an English daily report (UTF-8 with BOM, `,`, service levels as percents)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sources.ace_helpers import collect, drop, split
from tests.sources.phone_helpers import Runner


def test_english_day_report_with_percent_service_levels(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "ace_en_day.csv")
    (batch,) = collect(tmp_path, runner)
    records, rejects = split(batch)
    assert rejects == []
    assert [r.start for r in records] == [
        datetime(2020, 3, 1, 23, tzinfo=UTC),  # local midnight, CET
        datetime(2020, 3, 2, 23, tzinfo=UTC),
        datetime(2020, 3, 3, 23, tzinfo=UTC),
    ]
    assert all(r.end.timestamp() - r.start.timestamp() == 86400 for r in records)
    mon, tue, wed = records
    assert (mon.queue, mon.received, mon.answered, mon.abandoned, mon.abandoned_short) == (
        "Servicedesk", 120, 100, 20, 4)
    # 66.7 % of 120 received = 80.04 → 80; 90 % → 108.
    assert mon.answered_within == {20: 80, 60: 108}
    assert mon.wait_seconds_answered_sum == 1450  # 14.5 s × 100 answered
    # Quoted decimal commas in a comma-separated file: 72,5 % of 80 = 58; 9,25 s × 76 = 703.
    assert tue.answered_within == {20: 58, 60: 76}
    assert tue.wait_seconds_answered_sum == 703
    assert (wed.received, wed.answered_within) == (0, {20: 0, 60: 0})


def test_service_levels_follow_config(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "ace_en_day.csv")
    (batch,) = collect(tmp_path, runner, service_levels=(30, 90))
    records, _ = split(batch)
    assert records[0].answered_within == {30: 80, 90: 108}
