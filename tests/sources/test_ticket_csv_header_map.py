"""ticket_csv with a header map: `fields` names other column headers (an English export,
extra columns in any order); unmapped columns are never read."""

from __future__ import annotations

from pathlib import Path

from kpimon.config import load_config
from tests.sources.ticket_csv_files import (
    csv_text,
    items,
    rejects_of,
    tickets_of,
    utc,
    write,
)

CONFIG = """
timezone = "Europe/Stockholm"
database = "sqlite:///{folder}/kpimon.db"

[[sources]]
name = "export"
kind = "ticket_csv"
path = "{folder}/*.csv"
every = "1h"
settle = "0s"

[sources.fields]
id = "Ticket"
priority = "Priority"
status = "State"
created = "Opened"
updated = "Last modified"
org = "Customer"
solution = "Resolution notes"

[sources.values]
priority = {{ "P1" = "acute", "P2" = "high", "P3" = "normal" }}
status = {{ "Open" = "new", "Done" = "resolved" }}
"""


def test_other_column_names(tmp_path: Path) -> None:
    cfg_path = tmp_path / "kpimon.toml"
    cfg_path.write_text(CONFIG.format(folder=tmp_path), encoding="utf-8")
    source = load_config(cfg_path).source("export")
    header = ["Subject", "Customer", "Ticket", "Last modified", "State", "Priority", "Opened",
              "Resolution notes", "Requester"]
    rows = [["Printer jam", "Laxå", "T-1", "2020-03-02 10:00", "Done", "P2",
             "2020-03-02 09:00", "Cleared", "Anna Andersson"],
            ["VPN", "", "T-2", "", "Open", "P3", "2020-03-02 09:30", "", ""]]
    write(tmp_path / "export.csv", csv_text(rows, header=header, delimiter=","))
    found = items(source)
    assert rejects_of(found) == []
    got = tickets_of(found)
    assert (got["T-1"].priority, got["T-1"].status, got["T-1"].org) == ("high", "resolved",
                                                                          "Laxå")
    assert got["T-1"].created == utc("2020-03-02 08:00")
    assert got["T-1"].updated == utc("2020-03-02 09:00")
    assert (got["T-1"].solution_present, got["T-2"].solution_present) == (True, False)
    assert got["T-2"].org is None and got["T-2"].kind == "incident"
    # Nothing from an unmapped column (subject, requester) is in any record.
    assert "Anna Andersson" not in repr(found) and "Printer jam" not in repr(found)
