"""ticket_csv: a file still being written (changed less than `settle` ago) is left for the
daemon's next cycle; a one-shot `collect` waits for it to settle and takes it."""

from __future__ import annotations

import time
from pathlib import Path

from kpimon.sources.ticket_csv import TicketCsvSource
from tests.sources.ticket_csv_files import (
    config,
    context,
    csv_text,
    items,
    row,
    tickets_of,
    write,
)


def test_unsettled_file_is_left_for_the_next_cycle(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1")]), age=0)
    cfg = config(tmp_path, settle=30)
    assert list(TicketCsvSource(cfg).collect(context(cfg))) == []
    # Once it has settled, the next cycle takes it.
    write(tmp_path / "export.csv", csv_text([row("A1")]), age=60)
    assert set(tickets_of(items(cfg))) == {"A1"}


def test_one_shot_collect_waits_for_the_file(tmp_path: Path) -> None:
    write(tmp_path / "export.csv", csv_text([row("A1")]), age=0)
    cfg = config(tmp_path, settle=1)
    started = time.monotonic()
    found = items(cfg, wait_for_settle=True)
    assert set(tickets_of(found)) == {"A1"}
    assert time.monotonic() - started >= 0.9
