"""ACE: bad rows become rejects with their line number; the good rows still go in."""

from __future__ import annotations

from pathlib import Path

from tests.sources.ace_helpers import collect, split
from tests.sources.phone_helpers import Runner


def test_bad_rows_are_rejects_with_line_numbers(tmp_path: Path) -> None:
    runner = Runner()
    (tmp_path / "r.csv").write_text(
        "Kö;Intervall;Mottagna kontakter;Etablerade kontakter;Servicenivå 1;Medel kötid\n"
        ";2020-03-02 07:45;10;9;8;00:10\n"
        "A;2020-03-02 08:00;10;9;8;00:10\n"
        "A;igår;10;9;8;00:10\n"
        "A;2020-03-02 08:30;tio;9;8;00:10\n"
        "A;2020-03-02 08:45;10;9;8,5;00:10\n"
        "A;2020-03-02 09:00;10;9;8;1:2:3:4\n"
        "A;2020-03-02 09:15;10;-1;8;00:10\n"
        "A;2020-03-02 09:45;10;9;8;00:10\n",
        encoding="utf-8")
    (batch,) = collect(tmp_path, runner)
    records, rejects = split(batch)
    assert len(records) == 2
    assert [(r.row, r.field) for r in rejects] == [
        (2, "queue"), (4, "interval"), (5, "received"), (6, "service_level_1"), (7, "avg_wait"),
        (8, "answered")]
    assert rejects[1].value == "igår"
    assert all(r.where.endswith("r.csv") for r in rejects)
