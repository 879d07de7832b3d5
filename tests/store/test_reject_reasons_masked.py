"""A reject keeps its value only as its shape, and its reason never quotes the value either:
a requester's name typed into a manual value's value or period column, or into an ACE count,
is stored and listed by `kpimon rejects` as `'Xxxxxx Xxxxxx'` — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kpimon.collector import Collector
from kpimon.config import SourceConfig
from kpimon.rejects import rejects_text
from kpimon.store import Store
from kpimon.store import tables as t

NAME = "Gustav Olsson"


def _drop(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (1_583_150_000, 1_583_150_000))


def test_reasons_and_values_are_masked(tmp_path: Path, db_url: str) -> None:
    _drop(tmp_path / "manual" / "values.csv",
          f"indicator;period;value\nhme;2020;{NAME}\nhme;{NAME};71\nhme;2020;71\n")
    _drop(tmp_path / "ace" / "report.csv",
          "Kö;Intervall;Mottagna kontakter;Etablerade kontakter\n"
          f"A;2020-03-02 08:00;{NAME};9\nA;{NAME} 08:15;10;9\n")
    store = Store.open(db_url)
    store.upgrade()
    collector = Collector(store, ZoneInfo("Europe/Stockholm"))
    for kind, folder in (("manual", "manual"), ("ace_csv", "ace")):
        config = SourceConfig(name=folder, kind=kind, every=60, settle=0,
                              path=str(tmp_path / folder / "*.csv"))
        assert collector.collect(config).ok
    with store.engine.connect() as conn:
        rows = [(r.field, r.reason, r.value) for r in conn.execute(
            select(t.rejects).order_by(t.rejects.c.id))]
    assert len(rows) == 4
    assert all("Gustav" not in f"{reason} {value}" for _, reason, value in rows), rows
    assert [value for _, _, value in rows] == ["Xxxxxx Xxxxxx", "Xxxxxx Xxxxxx",
                                               "Xxxxxx Xxxxxx", "Xxxxxx Xxxxxx 99:99"]
    listing = rejects_text(store, ["manual", "ace"])
    assert "'Xxxxxx Xxxxxx'" in listing and "Gustav" not in listing
