"""ticket_csv and DESIGN §3: the autumn hour 02:00-03:00 happens twice; a local time in it
without an offset takes its first occurrence (summer time, +02:00), an explicit offset decides
either way, and the skipped spring hour moves forward by the gap. What reaches the store is the
right UTC instant — on SQLite and PostgreSQL. The fast path for common forms agrees with
`parse_time` for every minute of both days."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kpimon.sources.mapping import LocalTimes
from kpimon.timeutil import parse_time
from tests.sources.ticket_csv_files import (
    TZ,
    collect,
    config,
    csv_text,
    epoch_of,
    open_store,
    row,
    stored_tickets,
    write,
)

CASES = {
    "autumn-first": ("2020-10-25 02:30", "2020-10-25 00:30"),
    "autumn-summer": ("2020-10-25 02:30+02:00", "2020-10-25 00:30"),
    "autumn-winter": ("2020-10-25 02:30+01:00", "2020-10-25 01:30"),
    "autumn-swedish": ("25.10.2020 02:30", "2020-10-25 00:30"),
    "autumn-after": ("2020-10-25 03:00", "2020-10-25 02:00"),
    "spring-gap": ("2020-03-29 02:30", "2020-03-29 01:30"),
    "spring-after": ("2020-03-29 03:30", "2020-03-29 01:30"),
}


def test_dst_times_reach_the_store_as_utc(tmp_path: Path, db_url: str) -> None:
    rows = [row(name, created=local, first_response="", resolved="", closed="",
                status="01 - Ny", updated=local) for name, (local, _) in CASES.items()]
    write(tmp_path / "export.csv", csv_text(rows))
    store = open_store(db_url)
    collect(store, config(tmp_path))
    got = stored_tickets(store)
    for name, (_, expected_utc) in CASES.items():
        assert got[name].created == epoch_of(expected_utc), name


@pytest.mark.parametrize("day", ["2020-10-25", "2020-03-29", "2021-10-31", "2020-07-01"])
@pytest.mark.parametrize("form", ["iso", "iso-t", "iso-seconds", "swedish"])
def test_fast_path_agrees_with_parse_time(day: str, form: str) -> None:
    times = LocalTimes(TZ)
    start = datetime.fromisoformat(day)
    for minute in range(0, 24 * 60, 7):
        t = start + timedelta(minutes=minute, seconds=minute % 60)
        text = {"iso": f"{t:%Y-%m-%d %H:%M}", "iso-t": f"{t:%Y-%m-%dT%H:%M}",
                "iso-seconds": f"{t:%Y-%m-%d %H:%M:%S}", "swedish": f"{t:%d.%m.%Y %H:%M}"}[form]
        assert times(text) == parse_time(text, TZ), text
        assert times(text) == parse_time(text, TZ), text  # from the cache, the same
