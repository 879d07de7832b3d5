"""The `manual` source (DESIGN §4): a CSV drop of indicator; period; value; note, collected with
`kpimon collect`. Header names in English or Swedish, `;` or `,`, UTF-8 or cp1252, decimal
comma; bad rows are rejects with their row numbers and the good rows are stored; within a
file and across files the latest entry wins; a file is imported once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from kpimon.store import tables as t
from tests.fixtures.board.kit import Board

INDICATORS = """
[[indicators]]
id = "hme"
kind = "manual"
target = "rise from 71.13"

[[indicators]]
id = "sick_leave"
kind = "manual"
unit = "ratio"
target = "fall from 0.07"

[[indicators]]
id = "environment"
kind = "manual"
target = ">= 1"

[[indicators]]
id = "budget"
kind = "manual"
unit = "kSEK"
target = ">= 0"
"""


def _source(tmp: Path) -> str:
    return (f'[[sources]]\nname = "manuellt"\nkind = "manual"\npath = "{tmp}/manual/*.csv"\n'
            'every = "5m"\nsettle = "0s"\n')


def _drop(tmp: Path, name: str, text: str, encoding: str = "utf-8-sig") -> None:
    path = tmp / "manual" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def _rejects(db_url: str) -> list[tuple[str, int | None, str | None]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [(Path(r.location).name, r.row, r.field) for r in conn.execute(
                select(t.rejects).order_by(t.rejects.c.location, t.rejects.c.row))]
    finally:
        engine.dispose()


def test_manual_csv_drop(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, sources=_source(tmp_path))
    _drop(tmp_path, "a.csv", "\n".join([
        "Indikator;Period;Värde;Notering",
        "hme;2020;71,13;Enkät våren",
        "sick_leave;2020;6,58 %;HR:s rapport",
        "budget;2020;\u2212823;",
        "hme;2020-13;5;fel period",
        ";2020;5;",
        "hme;2020;abc;",
        "environment;2020;1",
        "hme;2020;55;rättad",
    ]) + "\n")
    _drop(tmp_path, "b.csv", "\r\n".join([
        "indicator,period,value,note",
        'budget,2020-Q4,"-120,5",kvartal',
        "hme,2019,71,13",
        'environment,2019,1,"Miljödiplom, förnyat"',
    ]) + "\r\n", encoding="cp1252")
    _drop(tmp_path, "c.csv", "hme;2021;70;ingen rubrikrad\n")
    # A file without a header fails as a whole (exit 1), and the two others still go in.
    rc, out, _err = b.run("collect")
    assert rc == 1
    assert "manuellt: 7 records" in out and "4 rejected" in out
    assert "c.csv: the first row must be a header" in out and "it has: hme, 2021" in out
    assert _rejects(db_url) == [("a.csv", 5, "period"), ("a.csv", 6, "indicator"),
                                ("a.csv", 7, "value"), ("b.csv", 3, "value")]
    y2020 = b.indicators("--period", "2020")
    assert {k: v["value"] for k, v in y2020.items()} == {
        "hme": 55, "sick_leave": pytest.approx(0.0658), "environment": 1, "budget": -823}
    assert b.indicators("--period", "2020-Q4")["budget"]["value"] == -120.5
    y2019 = b.indicators("--period", "2019")
    assert (y2019["environment"]["value"], y2019["hme"]["value"]) == (1, None)

    again = b.ok("collect")
    assert "manuellt: 0 records" in again  # imported once; c.csv waits until it changes
    _drop(tmp_path, "d.csv", "indicator;period;value\nhme;2020;60\n")
    b.ok("collect")
    assert b.indicators("--period", "2020")["hme"]["value"] == 60   # a later file wins
