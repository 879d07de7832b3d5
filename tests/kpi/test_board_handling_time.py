"""`handling_time` (DESIGN §7) in the office calendar in hours across Christmas and New Year:
mean, median and p90 by linear interpolation between closest ranks (numpy's default), per org
too. Julafton (de facto), Juldagen, Nyårsafton (de facto) and Nyårsdagen are closed.

Tickets resolved in December 2020 (office hours Mon-Thu 08-17, Fri 08-16):
* H1 Wed 12-23 16:00 → Mon 12-28 09:00: Wed 1 h + Mon 1 h = 2 h (Thu 24, Fri 25 closed).
* H2 Tue 12-22 08:00 → 12:30: 4.5 h.
* H3 Mon 12-21 10:00 → Tue 12-29 10:00: 7 + 9 + 9 + (Mon 28) 9 + 2 = 36 h.
* H4 Wed 12-30 15:00 → 16:30: 1.5 h.
* H5 Fri 12-18 15:30 → Mon 12-21 08:15: 0.5 h + 0.25 h = 0.75 h.
* H6 created on Julafton 10:00 → Mon 12-28 08:00: 0 h (nothing open in between).
* H7 created Mon 11-30 16:00 → Tue 12-01 09:00: 2 h (resolved in December, so it counts there).
* H8 Wed 12-30 15:00 → Mon 2021-01-04 09:00: Wed 2 h + Mon 1 h = 3 h (Thu 31, Fri 1 closed),
  resolved in January.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "mean_h"
kind = "handling_time"
calendar = "office"
unit = "hours"
target = "<= 20"

[[indicators]]
id = "median_h"
kind = "handling_time"
aggregate = "median"
calendar = "office"
unit = "hours"
breakdown = ["org"]

[[indicators]]
id = "p90_h"
kind = "handling_time"
aggregate = "p90"
calendar = "office"
unit = "hours"
target = "<= 20"

[[indicators]]
id = "mean_s"
kind = "handling_time"
calendar = "office"
"""

DECEMBER = {"H1": 2.0, "H2": 4.5, "H3": 36.0, "H4": 1.5, "H5": 0.75, "H6": 0.0, "H7": 2.0}
ORGS = {"Askersund": ["H1", "H2"], "Hallsberg": ["H3", "H4", "H5"], "Laxå": [],
        "Lekeberg": ["H6"], "other": ["H7"]}


def test_mean_median_p90_across_christmas(tmp_path: Path, db_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("H1", "2020-12-23 16:00", resolved="2020-12-28 09:00", org="Askersund"),
        T("H2", "2020-12-22 08:00", resolved="2020-12-22 12:30", org="Askersund"),
        T("H3", "2020-12-21 10:00", resolved="2020-12-29 10:00", org="Hallsberg"),
        T("H4", "2020-12-30 15:00", resolved="2020-12-30 16:30", org="Hallsberg"),
        T("H5", "2020-12-18 15:30", resolved="2020-12-21 08:15", org="Hallsberg"),
        T("H6", "2020-12-24 10:00", resolved="2020-12-28 08:00", org="Lekeberg"),
        T("H7", "2020-11-30 16:00", resolved="2020-12-01 09:00", org="IT-avdelningen"),
        T("H8", "2020-12-30 15:00", resolved="2021-01-04 09:00", org="Askersund"),
    ])
    b.collect()
    got = b.indicators("--period", "2020-12", "--at", "2021-03-01T00:00")
    hours = list(DECEMBER.values())

    mean = got["mean_h"]
    assert mean["value"] == pytest.approx(46.75 / 7) == pytest.approx(np.mean(hours))
    assert (mean["numerator"], mean["denominator"]) == (pytest.approx(46.75), 7)
    assert mean["status"] == "achieved"

    median = got["median_h"]
    assert median["value"] == pytest.approx(2.0) == pytest.approx(np.percentile(hours, 50))
    assert (median["numerator"], median["denominator"]) == (None, 7)
    assert median["status"] == "no_target"
    for org, ids in ORGS.items():
        key = median["breakdown"]["org"][org]
        assert key["denominator"] == len(ids), org
        if ids:
            assert key["value"] == pytest.approx(
                np.percentile([DECEMBER[i] for i in ids], 50)), org
        else:
            assert key["value"] is None
    assert median["breakdown"]["org"]["Askersund"]["value"] == pytest.approx(3.25)

    p90 = got["p90_h"]
    # sorted 0, .75, 1.5, 2, 2, 4.5, 36: rank (7-1)*0.9 = 5.4 → 4.5 + 0.4*(36-4.5) = 17.1
    assert p90["value"] == pytest.approx(17.1) == pytest.approx(np.percentile(hours, 90))
    assert p90["status"] == "achieved"

    seconds = got["mean_s"]
    assert seconds["unit"] == "seconds"
    assert seconds["value"] == pytest.approx(46.75 * 3600 / 7)

    january = b.indicators("--period", "2021-01", "--at", "2021-03-01T00:00")
    assert (january["mean_h"]["value"], january["mean_h"]["denominator"]) == (
        pytest.approx(3.0), 1)
    rows = {r["ticket"]: r["elapsed_seconds"] for r in
            b.explain("mean_h", "--period", "2020-12", "--at", "2021-03-01T00:00")["tickets"]}
    assert rows == {k: round(v * 3600) for k, v in DECEMBER.items()}
