"""The generator's time base: DST offsets, Swedish holidays, the office clock, formatting."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bench.datagen.timebase import (
    NEVER,
    BusinessClock,
    Stockholm,
    TimeFormatter,
    holiday_day_numbers,
    local_to_utc_minutes,
    swedish_holidays,
)
from bench.generate import parse_end

TZ = ZoneInfo("Europe/Stockholm")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _minutes(aware: dt.datetime) -> int:
    return int((aware - EPOCH).total_seconds() // 60)


def test_offsets_agree_with_zoneinfo() -> None:
    tz = Stockholm(2019, 2031)
    start = _minutes(dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
    end = _minutes(dt.datetime(2031, 12, 31, tzinfo=dt.UTC))
    # Every 7 hours and a few minutes, plus every transition and its neighbours.
    sample = np.concatenate((np.arange(start, end, 7 * 60 + 13),
                             (tz.transitions[:, None] + np.array([-1, 0, 1, 59, 60])).ravel()))
    ours = tz.offset(sample)
    for m, off in zip(sample.tolist(), ours.tolist(), strict=True):
        aware = (EPOCH + dt.timedelta(minutes=m)).astimezone(TZ)
        assert aware.utcoffset() == dt.timedelta(minutes=off), aware


def test_the_repeated_autumn_hour_is_avoided() -> None:
    tz = Stockholm(2025, 2025)
    first = local_to_utc_minutes(dt.datetime(2025, 10, 26, 2, 30))  # summer time, first pass
    second = first + 60  # 02:30 again, winter time
    out = tz.unambiguous(np.array([first, second, second + 40], dtype=np.int64))
    three = local_to_utc_minutes(dt.datetime(2025, 10, 26, 3, 0))
    assert out.tolist() == [first, three, second + 40]


@pytest.mark.parametrize("year, expected", [
    (2026, ["2026-01-01", "2026-01-06", "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-01",
            "2026-05-14", "2026-05-24", "2026-06-06", "2026-06-19", "2026-06-20", "2026-10-31",
            "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31"]),
    (2020, ["2020-01-01", "2020-01-06", "2020-04-10", "2020-04-12", "2020-04-13", "2020-05-01",
            "2020-05-21", "2020-05-31", "2020-06-06", "2020-06-19", "2020-06-20", "2020-10-31",
            "2020-12-24", "2020-12-25", "2020-12-26", "2020-12-31"]),
])
def test_swedish_holidays(year: int, expected: list[str]) -> None:
    assert [d.isoformat() for d in swedish_holidays(year)] == expected


def test_office_clock() -> None:
    tz = Stockholm(2026, 2026)
    start = local_to_utc_minutes(dt.datetime(2026, 3, 30))
    end = local_to_utc_minutes(dt.datetime(2026, 4, 30, 23, 59))
    clock = BusinessClock(tz, start, end, holiday_day_numbers(2026, 2026).tolist())

    def add(local: dt.datetime, minutes: int) -> dt.datetime | None:
        t = np.array([local_to_utc_minutes(local)], dtype=np.int64)
        out = int(clock.instant(clock.at(t) + minutes, t)[0])
        if out == NEVER:
            return None
        return (EPOCH + dt.timedelta(minutes=out)).astimezone(TZ).replace(tzinfo=None)

    assert add(dt.datetime(2026, 3, 31, 9, 0), 30) == dt.datetime(2026, 3, 31, 9, 30)
    assert add(dt.datetime(2026, 3, 31, 16, 55), 10) == dt.datetime(2026, 4, 1, 8, 5)
    assert add(dt.datetime(2026, 3, 31, 22, 0), 0) == dt.datetime(2026, 3, 31, 22, 0)
    # Thursday before Easter, 16:50 + 20 min: Good Friday and Easter Monday are closed.
    assert add(dt.datetime(2026, 4, 2, 16, 50), 20) == dt.datetime(2026, 4, 7, 8, 10)
    assert add(dt.datetime(2026, 4, 3, 15, 50), 20) == dt.datetime(2026, 4, 7, 8, 20)
    assert add(dt.datetime(2026, 4, 30, 16, 0), 120) is None  # after the end: not yet


def test_formatter_matches_datetime() -> None:
    tz = Stockholm(2025, 2026)
    first = local_to_utc_minutes(dt.datetime(2025, 1, 1))
    fmt = TimeFormatter(tz, first // 1440 - 1, first // 1440 + 800)
    sample = np.arange(first, first + 700 * 1440, 997, dtype=np.int64)
    valid = np.ones(len(sample), dtype=bool)
    valid[::5] = False
    out = fmt.format(sample, valid)
    for m, ok, text in zip(sample.tolist(), valid.tolist(), out, strict=True):
        want = (EPOCH + dt.timedelta(minutes=m)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        assert text == (want if ok else "")


def test_parse_end() -> None:
    assert parse_end("2026-11-26") == dt.datetime(2026, 11, 26, 23, 59)
    assert parse_end("2026-11-26T14:30") == dt.datetime(2026, 11, 26, 14, 30)
    assert parse_end("2026-11-26 14:30:45") == dt.datetime(2026, 11, 26, 14, 30)
    now = dt.datetime(2026, 11, 26, 9, 41, 12, 5)
    assert parse_end(None, now) == dt.datetime(2026, 11, 26, 9, 41)
