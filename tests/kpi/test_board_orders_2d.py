"""`resolution_within` with `threshold = "2d"` in the office calendar (DESIGN §6: `d` is the
calendar's `day_length`, by default its longest opening day, 9 h; so 2d = 18 business hours),
filtered on orders.

* O1 Mon 11-09 08:00 → Wed 11-11 08:00: Mon 9 h + Tue 9 h = 18 h exactly: met (at most T).
* O2 Mon 11-09 08:00 → Wed 11-11 08:01: 18 h 1 min: missed.
* O3 Fri 11-13 15:00 → Tue 11-17 10:00: Fri 1 h (Fridays close at 16) + Mon 9 h + Tue 2 h = 12 h.
* O4 Mon 11-23 08:00, still open: 18 h at Wed 11-25 08:00 (pending: not *more* than T), 19 h at
  09:00 (missed).
* O5 is an incident (filtered out), O6 a cancelled order (left out of everything).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, H, T

INDICATORS = """
[[indicators]]
id = "orders_2d"
name = "Beställningar levererade inom 2 dagar"
kind = "resolution_within"
threshold = "2d"
calendar = "office"
filter = { kind = "order" }
target = ">= 0.6"
"""


def test_orders_within_two_office_days(tmp_path: Path, db_url: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("O1", "2020-11-09 08:00", kind="order", resolved="2020-11-11 08:00"),
        T("O2", "2020-11-09 08:00", kind="order", resolved="2020-11-11 08:01"),
        T("O3", "2020-11-13 15:00", kind="order", resolved="2020-11-17 10:00"),
        T("O4", "2020-11-23 08:00", kind="order", status="in_progress"),
        T("O5", "2020-11-09 08:00", kind="incident", resolved="2020-11-20 08:00"),
        T("O6", "2020-11-20 10:00", kind="order", status="cancelled", closed="2020-11-20 11:00"),
    ])
    b.collect()

    early = b.indicators("--period", "2020-11", "--at", "2020-11-25T08:00")["orders_2d"]
    assert (early["numerator"], early["denominator"]) == (2, 3)
    assert early["status"] == "achieved"
    assert b.verdicts("orders_2d", "--period", "2020-11", "--at", "2020-11-25T08:00") == {
        "O1": "met", "O2": "missed", "O3": "met", "O4": "pending"}

    late = b.indicators("--period", "2020-11", "--at", "2020-11-25T09:00")["orders_2d"]
    assert (late["value"], late["numerator"], late["denominator"]) == (0.5, 2, 4)
    assert late["status"] == "not_achieved"
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in
            b.explain("orders_2d", "--period", "2020-11", "--at", "2020-11-25T09:00")["tickets"]}
    assert rows == {"O1": ("met", 18 * H), "O2": ("missed", 18 * H + 60),
                    "O3": ("met", 12 * H), "O4": ("missed", 19 * H)}
