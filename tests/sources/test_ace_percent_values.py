"""ACE: `%` in the values, tab-separated, Swedish dates, no queue column."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sources.ace_helpers import collect, drop, split
from tests.sources.phone_helpers import Runner


def test_percent_values_and_queue_from_file_name(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "Servicedesk.txt")
    (batch,) = collect(tmp_path, runner)
    records, rejects = split(batch)
    assert rejects == []
    first, second = records
    assert first.queue == "Servicedesk"  # the file stem: there is no Kö column
    assert (first.start, first.end) == (datetime(2020, 3, 1, 23, tzinfo=UTC),
                                        datetime(2020, 3, 2, 23, tzinfo=UTC))
    assert (first.received, first.answered, first.abandoned) == (1021, 950, 71)
    # 67,5 % of 1021 = 689.175 → 689; 88,25 % → 901.03 → 901.
    assert first.answered_within == {20: 689, 60: 901}
    assert first.wait_seconds_answered_sum == 19 * 950  # 0:00:19
    assert second.answered_within == {20: 600, 60: 720}
    assert second.wait_seconds_answered_sum == 12 * 780


def test_queue_from_config_when_there_is_no_column(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "Servicedesk.txt", "export.txt")
    (batch,) = collect(tmp_path, runner, queue="IT-support")
    records, _ = split(batch)
    assert {r.queue for r in records} == {"IT-support"}


def test_a_percent_is_rounded_half_up(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "q.csv").write_text(
        "Kö;Datum;Mottagna kontakter;Etablerade kontakter;Servicenivå 1 (%)\n"
        "A;2020-03-02;2;2;25\n"  # 0.5 → 1
        "A;2020-03-03;10;9;85\n",  # 8.5 → 9
        encoding="utf-8")
    (batch,) = collect(tmp_path, runner)
    records, _ = split(batch)
    assert [r.answered_within for r in records] == [{20: 1}, {20: 9}]
