"""ACE: one bad value never sinks the file. Intervals outside the years 1970–9998, a count of
10¹⁹ (past `bigint`), 3 000 000 000 (past `integer`, which SQLite would take), a 4 301-digit
number, `1e40` in a count, a percent or the average queue time, and NaN/Infinity are rejects
naming line and field; the good rows before and after go in — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from kpimon.collector import Collector
from kpimon.store import Store
from kpimon.store import tables as t
from tests.sources.phone_helpers import TZ, source_config

HEADER = "Kö;Intervall;Mottagna kontakter;Etablerade kontakter;Servicenivå 1 %;Medel kötid\n"
GOOD = "A;2020-03-02 {hh}:00;10;9;50%;00:10\n"


def test_bad_values_in_an_ace_report(tmp_path: Path, db_url: str) -> None:
    bad = [
        "A;0001-01-01 00:00;10;9;50%;00:10",
        "A;1.1.0001 0:00;10;9;50%;00:10",
        "A;9999-12-31 23:59-01:00;10;9;50%;00:10",
        "A;9999-12-31;10;9;50%;00:10",
        f"A;2020-03-02 10:00;{10 ** 19};9;50%;00:10",
        "A;2020-03-02 11:00;3000000000;9;50%;00:10",
        f"A;2020-03-02 12:00;{'1' * 4301};9;50%;00:10",
        "A;2020-03-02 13:00;1e40;9;50%;00:10",
        "A;2020-03-02 14:00;10;9;1e40%;00:10",
        "A;2020-03-02 15:00;10;9;50%;1e40",
        "A;2020-03-02 16:00;10;9;NaN%;00:10",
        "A;2020-03-02 17:00;10;9;50%;Infinity",
        "A;2020-03-02 18:00;1e-40;9;50%;00:10",
    ]
    text = HEADER + GOOD.format(hh="08") + "\n".join(bad) + "\n" + GOOD.format(hh="20")
    path = tmp_path / "report.csv"
    path.write_text(text, encoding="utf-8")
    os.utime(path, (1_583_150_000, 1_583_150_000))
    store = Store.open(db_url)
    store.upgrade()
    config = source_config("ace_csv", path=str(tmp_path / "*.csv"), settle=0)
    outcome = Collector(store, TZ).collect(config)
    assert outcome.ok, outcome.error
    with store.engine.connect() as conn:
        starts = sorted(r.start for r in conn.execute(select(t.queue_intervals)))
        rejects = list(conn.execute(select(t.rejects).order_by(t.rejects.c.id)))
    assert len(starts) == 2
    assert {r.row for r in rejects} == set(range(3, 3 + len(bad)))
    fields = {r.row: r.field for r in rejects}
    assert [fields[n] for n in (3, 4, 5, 6)] == ["interval"] * 4
    assert [fields[n] for n in (7, 8, 9, 10)] == ["received"] * 4
    assert fields[11] == "service_level_1" and fields[12] == "avg_wait"
    assert fields[13] == "service_level_1" and fields[14] == "avg_wait"
    assert fields[15] == "received"
