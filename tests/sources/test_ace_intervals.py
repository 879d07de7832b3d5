"""ACE: interval lengths — 15 min and days inferred, explicit ranges, DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.sources.ace_helpers import collect, drop, split
from tests.sources.phone_helpers import Runner


def _write(folder: Path, body: str) -> None:
    (folder / "r.csv").write_text(
        "Kö;Intervall;Mottagna kontakter;Etablerade kontakter\n" + body, encoding="utf-8")


def test_quarter_hours_inferred_from_consecutive_starts(tmp_path: Path) -> None:
    runner = Runner()
    _write(tmp_path, "A;2020-03-02 08:00;1;1\nA;2020-03-02 08:15;1;1\nA;2020-03-02 09:00;1;1\n")
    records, _ = split(collect(tmp_path, runner)[0])
    assert {r.end - r.start for r in records} == {timedelta(minutes=15)}


def test_date_only_values_are_whole_local_days_even_across_dst(tmp_path: Path) -> None:
    runner = Runner()
    _write(tmp_path, "A;2020-03-28;1;1\nA;2020-03-29;1;1\nA;2020-10-25;1;1\n")
    records, _ = split(collect(tmp_path, runner)[0])
    assert [r.end - r.start for r in records] == [timedelta(hours=24), timedelta(hours=23),
                                                  timedelta(hours=25)]


def test_midnight_starts_a_day_apart_are_days(tmp_path: Path) -> None:
    runner = Runner()
    _write(tmp_path, "A;2020-03-28 00:00;1;1\nA;2020-03-29 00:00;1;1\n")
    records, _ = split(collect(tmp_path, runner)[0])
    assert [r.end - r.start for r in records] == [timedelta(hours=24), timedelta(hours=23)]


def test_explicit_hour_ranges_in_a_separate_column_over_spring_dst(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "ace_sv_hour_split.csv")
    records, rejects = split(collect(tmp_path, runner)[0])
    assert rejects == []
    assert [(r.start, r.end) for r in records] == [
        (datetime(2020, 3, 29, 0, tzinfo=UTC), datetime(2020, 3, 29, 1, tzinfo=UTC)),
        (datetime(2020, 3, 29, 1, tzinfo=UTC), datetime(2020, 3, 29, 2, tzinfo=UTC)),
        (datetime(2020, 3, 29, 21, tzinfo=UTC), datetime(2020, 3, 29, 22, tzinfo=UTC)),
    ]
    assert records[1].answered_within == {20: 2, 60: 3}  # 50 % and 75 % of 4
    assert records[1].wait_seconds_answered_sum == 62  # 20,5 s × 3 = 61.5 → 62


def test_the_repeated_autumn_hour_is_its_second_occurrence_the_second_time(tmp_path: Path) -> None:
    runner = Runner()
    _write(tmp_path, "A;2020-10-25 01:00;1;1\nA;2020-10-25 02:00;2;2\nA;2020-10-25 02:00;3;3\n"
                     "A;2020-10-25 03:00;4;4\n")
    records, rejects = split(collect(tmp_path, runner)[0])
    assert rejects == []
    assert [(r.start, r.received) for r in records] == [
        (datetime(2020, 10, 24, 23, tzinfo=UTC), 1),
        (datetime(2020, 10, 25, 0, tzinfo=UTC), 2),  # 02:00 CEST
        (datetime(2020, 10, 25, 1, tzinfo=UTC), 3),  # 02:00 CET
        (datetime(2020, 10, 25, 2, tzinfo=UTC), 4),
    ]
    assert {r.end - r.start for r in records} == {timedelta(hours=1)}
