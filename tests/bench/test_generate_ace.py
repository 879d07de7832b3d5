"""Telia ACE queue-statistics files: headers, consistent counts, realistic volumes."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from bench.datagen.ace import ace_day_rows, iter_ace_files, write_ace

HEADER = ["Kö", "Intervall", "Mottagna kontakter", "Etablerade kontakter",
          "Övergivna kontakter", "Övergivna kontakter 1", "Servicenivå 1 (20 s)",
          "Servicenivå 2 (60 s)", "Medel kötid (s)"]


def test_files_have_the_swedish_header_and_one_file_a_day(tmp_path: Path) -> None:
    end = dt.datetime(2026, 11, 25, 23, 59)
    paths = write_ace(tmp_path, end, 7, seed=1, queues=("Servicedesk", "Beställning"))
    assert [p.name for p in paths] == [f"ace_2026-11-{d}.csv" for d in range(19, 26)]
    raw = paths[-1].read_bytes()
    assert raw.startswith("\ufeff".encode() + ";".join(HEADER).encode() + b"\r\n")
    with paths[-1].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == HEADER
    assert {r[0] for r in rows[1:]} == {"Servicedesk", "Beställning"}
    sd = [r for r in rows[1:] if r[0] == "Servicedesk"]
    assert [r[1] for r in sd[:3]] == ["2026-11-25 00:00", "2026-11-25 00:15", "2026-11-25 00:30"]
    assert len(sd) == 96


def test_counts_are_consistent_and_volumes_realistic() -> None:
    totals = [0] * 6
    for _name, rows in iter_ace_files(dt.datetime(2026, 11, 25, 23, 59), 60, seed=4):
        for r in rows:
            received, answered, abandoned, short, sl1, sl2 = map(int, r[2:8])
            assert sl1 <= sl2 <= answered <= received
            assert received == answered + abandoned and short <= abandoned
            avg = float(r[8].replace(",", "."))
            assert "," in r[8] and (answered > 0 or avg == 0)
            totals = [t + v for t, v in zip(totals, map(int, r[2:8]), strict=True)]
    received, answered, abandoned, short, sl1, sl2 = totals
    working_days = 42  # 60 days up to 2026-11-25: weekends and All Saints' Eve excluded
    assert 120 <= received / working_days <= 180
    assert 0.62 <= sl1 / received <= 0.72
    assert 0.80 <= sl2 / received <= 0.90
    assert 0.04 <= abandoned / received <= 0.08
    assert 0.2 <= short / abandoned <= 0.45


def test_quiet_on_weekends_and_no_spring_gap_rows() -> None:
    saturday = ace_day_rows(dt.date(2026, 11, 21), seed=1)
    assert all(r[2] == "0" for r in saturday)
    spring = ace_day_rows(dt.date(2026, 3, 29), seed=1)
    times = [r[1][11:] for r in spring]
    assert len(spring) == 92 and "02:00" not in times and "03:00" in times


def test_the_end_day_stops_at_the_end_instant() -> None:
    files = list(iter_ace_files(dt.datetime(2026, 11, 25, 10, 7), 2, seed=1))
    assert [name for name, _ in files] == ["ace_2026-11-24.csv", "ace_2026-11-25.csv"]
    assert len(files[0][1]) == 96
    assert files[1][1][-1][1] == "2026-11-25 09:45"  # 09:45-10:00 is the last full quarter
