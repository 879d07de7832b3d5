"""A `short` day in the office calendar (DESIGN §6): 2020-04-09 (Maundy Thursday) is open
08:00-12:00 only, Good Friday and Easter Monday are holidays.

Hand computation, office hours Mon-Thu 08-17, Fri 08-16:
* S1 created Thu 04-09 11:00, answered and resolved Tue 04-14 09:00: Thu 11-12 (1 h) + Tue
  08-09 (1 h) = 2 h (7 h without the short day); a response after 2 h misses 1 h.
* S2 created Thu 04-09 11:30, response Tue 04-14 08:20: 30 min + 20 min = 50 min <= 1 h: met
  (5 h 50 min without the short day: missed).
* S3 created Thu 04-16 11:00 (a normal Thursday), response 12:30: 1 h 30 min: missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, H, T

SHORT = """
[calendars.office]
hours = { mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], thu = ["08:00-17:00"], fri = ["08:00-16:00"] }
holidays = "SE"
short = { "2020-04-09" = "08:00-12:00" }
"""  # noqa: E501

INDICATORS = """
[[indicators]]
id = "handling_h"
kind = "handling_time"
calendar = "office"
unit = "hours"

[[indicators]]
id = "resp_1h"
kind = "response_within"
threshold = "1h"
calendar = "office"
"""


def test_short_day(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, calendars=SHORT)
    b.export("e.csv", [
        T("S1", "2020-04-09 11:00", response="2020-04-14 09:00", resolved="2020-04-14 09:00"),
        T("S2", "2020-04-09 11:30", status="in_progress", response="2020-04-14 08:20"),
        T("S3", "2020-04-16 11:00", status="in_progress", response="2020-04-16 12:30"),
    ])
    b.collect()
    got = b.indicators("--period", "2020-04", "--at", "2020-05-01T00:00")
    assert got["handling_h"]["value"] == pytest.approx(2.0)
    assert got["handling_h"]["numerator"] == pytest.approx(2.0)
    assert got["handling_h"]["denominator"] == 1
    resp = got["resp_1h"]
    assert (resp["numerator"], resp["denominator"]) == (1, 3)  # only S2 met
    elapsed = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in
               b.explain("resp_1h", "--period", "2020-04", "--at", "2020-05-01T00:00")["tickets"]}
    assert elapsed == {"S1": ("missed", 2 * H), "S2": ("met", 50 * 60),
                       "S3": ("missed", H + 30 * 60)}
