"""`derive_first_response = true` (DESIGN §4): a source without a first-response field takes
the first status change away from *new* as the response; a ticket with none falls back to its
resolved time (DESIGN §7).

2020-03-02, response within 30 min:
* V1 new 08:00 → in progress 08:20 → resolved 10:00: response 08:20, met.
* V2 new 08:00 → waiting 08:50 → resolved 09:00: response 08:50, missed.
* V3 no history, resolved 08:10: the resolved time stands in, met.
* V4 new 08:00 → in progress 08:40: missed (40 min); as of 08:30 it was still pending.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import FIELDS, Board, T, ticket_source

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


def test_first_change_away_from_new_is_the_response(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    fields = FIELDS.replace('first_response = "Första återkoppling", ', "")
    assert fields != FIELDS
    b.configure(INDICATORS, sources=ticket_source(tmp_path, fields=fields,
                                                  extra="derive_first_response = true"))
    # The export still has a "Första återkoppling" column: unmapped, it is not read.
    b.export("e.csv", [
        T("V1", "2020-03-02 08:00", response="2020-03-02 08:01", resolved="2020-03-02 10:00"),
        T("V2", "2020-03-02 08:00", resolved="2020-03-02 09:00"),
        T("V3", "2020-03-02 08:00", resolved="2020-03-02 08:10"),
        T("V4", "2020-03-02 08:00", status="in_progress"),
    ])
    b.history("h.csv", [
        ("V1", "2020-03-02 08:00", None, "new"),
        ("V1", "2020-03-02 08:20", "new", "in_progress"),
        ("V1", "2020-03-02 10:00", "in_progress", "resolved"),
        ("V2", "2020-03-02 08:00", None, "new"),
        ("V2", "2020-03-02 08:50", "new", "waiting"),
        ("V2", "2020-03-02 09:00", "waiting", "resolved"),
        ("V4", "2020-03-02 08:00", None, "new"),
        ("V4", "2020-03-02 08:40", "new", "in_progress"),
    ])
    b.collect()
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in
            b.explain("resp_30m", "--period", "2020-03", "--at", "2020-04-01T00:00")["tickets"]}
    assert rows == {"V1": ("met", 20 * 60), "V2": ("missed", 50 * 60),
                    "V3": ("met", 10 * 60), "V4": ("missed", 40 * 60)}
    early = b.verdicts("resp_30m", "--period", "2020-03", "--at", "2020-03-02T08:30")
    assert early["V4"] == "pending"
