"""ACE: a Swedish 15-minute report (cp1252, `;`, title lines, nbsp thousands, a total row)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sources.ace_helpers import collect, drop, split
from tests.sources.phone_helpers import Runner


def test_swedish_quarter_hour_report(tmp_path: Path) -> None:
    runner = Runner()
    drop(tmp_path, "ace_sv_15min.csv")
    (batch,) = collect(tmp_path, runner)
    records, rejects = split(batch)
    assert rejects == []
    assert batch.file_key and batch.file_key.startswith("ace_sv_15min.csv|")
    by_key = {(r.queue, r.start): r for r in records}
    assert len(records) == 6  # the Totalt row is a sum, not an interval

    first = by_key[("Servicedesk", datetime(2020, 3, 2, 7, 0, tzinfo=UTC))]  # 08:00 CET
    assert first.source == "phone"
    assert first.end == datetime(2020, 3, 2, 7, 15, tzinfo=UTC)
    assert (first.received, first.answered, first.abandoned, first.abandoned_short) == (12, 10,
                                                                                       2, 1)
    assert first.answered_within == {20: 7, 60: 9}
    assert first.wait_seconds_answered_sum == 25 * 10  # 00:25 average over 10 answered

    busy = by_key[("Servicedesk", datetime(2020, 3, 2, 7, 15, tzinfo=UTC))]
    # "1 234" with a non-breaking space, "1 150" with a plain one.
    assert (busy.received, busy.answered) == (1234, 1200)
    assert busy.answered_within == {20: 1000, 60: 1150}
    assert busy.wait_seconds_answered_sum == 31 * 1200

    quiet = by_key[("Servicedesk", datetime(2020, 3, 2, 7, 30, tzinfo=UTC))]
    assert (quiet.received, quiet.answered, quiet.wait_seconds_answered_sum) == (0, 0, 0)

    # Beställning has no 08:15 row; its intervals are still 15 minutes long.
    order = by_key[("Beställning", datetime(2020, 3, 2, 7, 30, tzinfo=UTC))]
    assert order.end == datetime(2020, 3, 2, 7, 45, tzinfo=UTC)
    assert order.wait_seconds_answered_sum == 62
