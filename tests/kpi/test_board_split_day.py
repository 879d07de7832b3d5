"""A calendar with two opening ranges a day (DESIGN §6: "several ranges a day allowed"):
Mon-Fri 08:00-12:00 and 13:00-17:00, no holidays. Its day is 8 business hours, so `1d` is 8 h.

Hand computation (2020-03-02 is a Monday):
* L1 created Mon 11:30, resolved Mon 13:30: 11:30-12 + 13-13:30 = 1 h (the lunch hour is shut).
* L2 created Mon 11:00, resolved Tue 09:00: 1 h + 4 h + 1 h = 6 h.
* L3 created Mon 08:00, resolved Tue 09:00: 8 h + 1 h = 9 h, more than 1d (8 h): missed.
* L4 created Mon 12:10 (at lunch), resolved Mon 12:50 (still lunch): 0 h.
Mean of 1, 6, 9, 0 = 4 h; resolution within 1d: 3 of 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, H, T

LUNCH = """
[calendars.lunch]
hours = { mon = ["08:00-12:00", "13:00-17:00"], tue = ["08:00-12:00", "13:00-17:00"], wed = ["08:00-12:00", "13:00-17:00"], thu = ["08:00-12:00", "13:00-17:00"], fri = ["08:00-12:00", "13:00-17:00"] }
"""  # noqa: E501

INDICATORS = """
[[indicators]]
id = "handling_h"
kind = "handling_time"
calendar = "lunch"
unit = "hours"

[[indicators]]
id = "within_1d"
kind = "resolution_within"
threshold = "1d"
calendar = "lunch"
target = ">= 0.75"
"""


def test_two_ranges_a_day(tmp_path: Path, db_url: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, calendars=LUNCH)
    b.export("e.csv", [
        T("L1", "2020-03-02 11:30", resolved="2020-03-02 13:30"),
        T("L2", "2020-03-02 11:00", resolved="2020-03-03 09:00"),
        T("L3", "2020-03-02 08:00", resolved="2020-03-03 09:00"),
        T("L4", "2020-03-02 12:10", resolved="2020-03-02 12:50"),
    ])
    b.collect()
    args = ("--period", "2020-03", "--at", "2020-04-01T00:00")
    got = b.indicators(*args)
    assert got["handling_h"]["value"] == pytest.approx(4.0)
    assert got["handling_h"]["numerator"] == pytest.approx(16.0)
    within = got["within_1d"]
    assert (within["value"], within["numerator"], within["denominator"]) == (0.75, 3, 4)
    assert within["status"] == "achieved"
    elapsed = {r["ticket"]: (r["verdict"], r["elapsed_seconds"])
               for r in b.explain("within_1d", *args)["tickets"]}
    assert elapsed == {"L1": ("met", H), "L2": ("met", 6 * H), "L3": ("missed", 9 * H),
                       "L4": ("met", 0)}
