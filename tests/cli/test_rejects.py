"""`kpimon rejects [SOURCE] [--run ID] [--limit N]`: the rows a source could not take, without
SQL — file, row, field, reason and the value, verbatim for a value-mapped field (priority,
status, kind) and only its shape for any other (the store never keeps more)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from kpimon.store import tables as t
from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    return b


def _rows(board: Board) -> None:
    good = T("G1", "2020-03-02 08:00", response="2020-03-02 08:10")
    bad_priority = T("P1", "2020-03-02 09:00")
    bad_date = T("D1", "Gustav Olsson 2026")
    path = board.export("1.csv", [good, bad_priority, bad_date])
    text = path.read_text(encoding="utf-8-sig").replace("P1;Incident;3. Normal",
                                                        "P1;Incident;9. Okänd")
    path.write_text(text, encoding="utf-8-sig")


def test_the_latest_rejects_of_a_source(board: Board) -> None:
    assert board.ok("rejects").strip() == "no rejected rows from export"
    _rows(board)
    out = board.ok("collect")
    assert "2 rejected" in out and "see them with: kpimon rejects export" in out

    lines = board.ok("rejects", "export").splitlines()
    head = re.fullmatch(r"export: run (\d+) \(\d{4}-\d\d-\d\d \d\d:\d\d\) rejected 2 rows:",
                        lines[0])
    assert head, lines[0]
    run = head.group(1)
    assert lines[1].split() == ["file", "row", "field", "reason", "value"]
    assert lines[2].split(None, 3)[:3] == ["1.csv", "3", "priority"]
    assert lines[2].endswith("value '9. Okänd' is not in values.priority  '9. Okänd'")
    assert lines[3].split(None, 3)[:3] == ["1.csv", "4", "created"]
    assert re.search(r"not a date and time +'Xxxxxx Xxxxxx 9999'$", lines[3]), lines[3]
    assert "Gustav" not in board.ok("rejects")

    # The store itself keeps only the shape of a value that is not a vocabulary word.
    engine = create_engine(board.db_url)
    with engine.connect() as conn:
        stored = {r.field: r.value for r in conn.execute(select(t.rejects))}
    engine.dispose()
    assert stored == {"priority": "9. Okänd", "created": "Xxxxxx Xxxxxx 9999"}

    limited = board.ok("rejects", "--limit", "1").splitlines()
    assert limited[0].endswith("rejected 2 rows, the first 1:") and len(limited) == 4
    assert limited[3] == f"  … 1 more: kpimon rejects export --run {run} --limit 2"

    # A later collection without rejects: the listing still shows the latest that had some.
    board.export("2.csv", [T("G2", "2020-03-03 08:00")])
    board.collect()
    assert board.ok("rejects", "export", "--run", run).splitlines()[0] == lines[0]
    assert board.ok("rejects").splitlines()[0] == lines[0]
    assert board.ok("rejects", "export", "--run", "999999").strip() == \
        "export: no collection run 999999"
