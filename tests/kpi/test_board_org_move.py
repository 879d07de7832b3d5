"""A ticket moved to another org (DESIGN §3: "the priority, kind and org that count are the
ticket's current ones"): a second export with a newer `Senast ändrad` moves M1 from Askersund
to Hallsberg; M1 then counts under Hallsberg only, whichever export file is read first (an
older `updated` never overwrites a newer one, DESIGN §5).

M1: response after 45 min (missed 30m). M2 (Askersund): 10 min (met).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
breakdown = ["org"]
target = ">= 0.5"
"""


@pytest.mark.parametrize("newer_read_last", [True, False], ids=["in-order", "out-of-order"])
def test_counts_under_its_current_org(tmp_path: Path, db_url: str,
                                      capsys: pytest.CaptureFixture[str],
                                      newer_read_last: bool) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    now = time.time() - 3600
    # Files are read oldest mtime first.
    first, second = (now - 60, now) if newer_read_last else (now, now - 60)
    b.export("monday.csv", [
        T("M1", "2020-03-02 09:00", status="in_progress", response="2020-03-02 09:45",
          org="Askersund", updated="2020-03-02 10:00"),
        T("M2", "2020-03-02 09:00", response="2020-03-02 09:10", resolved="2020-03-02 11:00"),
    ], mtime=first)
    b.export("tuesday.csv", [
        T("M1", "2020-03-02 09:00", response="2020-03-02 09:45", resolved="2020-03-03 10:00",
          org="Hallsberg", updated="2020-03-03 10:00"),
    ], mtime=second)
    b.collect()
    resp = b.indicators("--period", "2020-03", "--at", "2020-04-01T00:00")["resp_30m"]
    assert (resp["numerator"], resp["denominator"]) == (1, 2)
    orgs = resp["breakdown"]["org"]
    assert (orgs["Askersund"]["numerator"], orgs["Askersund"]["denominator"]) == (1, 1)
    assert (orgs["Hallsberg"]["numerator"], orgs["Hallsberg"]["denominator"]) == (0, 1)
    assert orgs["Hallsberg"]["status"] == "not_achieved"
    assert orgs["Laxå"]["status"] == "no_value" and orgs["Laxå"]["value"] is None
    assert set(orgs) == {"Askersund", "Hallsberg", "Laxå", "Lekeberg"}
    explained = {r["ticket"]: r["org"] for r in
                 b.explain("resp_30m", "--period", "2020-03", "--at", "2020-04-01T00:00")
                 ["tickets"]}
    assert explained == {"M1": "Hallsberg", "M2": "Askersund"}
