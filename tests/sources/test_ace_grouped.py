"""ACE: a grouped report prints the queue and the date only on the first row of a group."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.sources.ace_helpers import collect, split
from tests.sources.phone_helpers import Runner


def test_empty_queue_and_date_cells_repeat_the_row_above(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "grouped.csv").write_text(
        "Kö;Datum;Intervall;Mottagna kontakter;Etablerade kontakter\n"
        "Servicedesk;2020-03-02;08:00-08:15;4;4\n"
        ";;08:15-08:30;5;4\n"
        "Beställning;2020-03-03;08:00-08:15;1;1\n"
        ";;08:15-08:30;2;2\n"
        "Totalt;;;12;11\n",
        encoding="utf-8")
    records, rejects = split(collect(tmp_path, runner)[0])
    assert rejects == []
    assert [(r.queue, r.start) for r in records] == [
        ("Servicedesk", datetime(2020, 3, 2, 7, 0, tzinfo=UTC)),
        ("Servicedesk", datetime(2020, 3, 2, 7, 15, tzinfo=UTC)),
        ("Beställning", datetime(2020, 3, 3, 7, 0, tzinfo=UTC)),
        ("Beställning", datetime(2020, 3, 3, 7, 15, tzinfo=UTC)),
    ]
