"""The status history agrees with the ticket rows, and holds the intended irregularities."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

import pytest

from bench.datagen.tickets import (
    TicketSpan,
    iter_status_changes,
    iter_tickets,
    span_for_years,
    write_tickets,
)

DONE = {"05 - Avklarad", "07 - Stängd"}


@pytest.fixture(scope="module")
def data() -> tuple[list[dict[str, str]], dict[str, list[list[str]]]]:
    start, end = span_for_years(dt.datetime(2026, 11, 25, 23, 59), 2)
    tickets, history = io.StringIO(), io.StringIO()
    write_tickets(TicketSpan(20_000, start, end, seed=11), tickets, history)
    rows = list(csv.DictReader(io.StringIO(tickets.getvalue(), newline=""), delimiter=";"))
    reader = csv.reader(io.StringIO(history.getvalue(), newline=""), delimiter=";")
    assert next(reader) == ["Ärende-ID", "Ändrad", "Från", "Till"]
    changes: dict[str, list[list[str]]] = defaultdict(list)
    order = []
    for row in reader:
        if not changes[row[0]]:
            order.append(row[0])
        changes[row[0]].append(row)
    # Grouped by ticket, tickets in the export's order.
    assert order == [r["Ärende-ID"] for r in rows]
    return rows, changes


def test_history_agrees_with_rows(data) -> None:
    rows, changes = data
    for r in rows:
        hist = changes[r["Ärende-ID"]]
        assert hist[0][1:] == [r["Skapad"], "", "01 - Ny"], hist
        for prev, cur in zip(hist, hist[1:], strict=False):
            assert cur[2] == prev[3] and cur[2] != cur[3], hist
            assert prev[1] <= cur[1], hist  # "YYYY-MM-DD HH:MM" sorts as time
        assert hist[-1][3] == r["Status"], (r, hist)
        assert hist[-1][1] == r["Senast ändrad"], (r, hist)
        to_resolved = [h[1] for h in hist if h[3] == "05 - Avklarad"]
        if r["Löst"]:
            assert to_resolved and to_resolved[-1] == r["Löst"], (r, hist)
        if r["Första återkoppling"]:
            first_taken = next(h[1] for h in hist if h[3] == "02 - Pågår")
            assert first_taken == r["Första återkoppling"], (r, hist)
        if r["Stängd"]:
            assert hist[-1][3] in ("07 - Stängd", "08 - Annullerad")


def test_a_few_skip_in_progress_and_a_few_reopen(data) -> None:
    rows, changes = data
    skipped = reopened = 0
    for r in rows:
        targets = [h[3] for h in changes[r["Ärende-ID"]]]
        first_done = next((i for i, t in enumerate(targets) if t in DONE), None)
        if first_done is not None and "02 - Pågår" not in targets[:first_done]:
            skipped += 1
        if any(a[3] == "05 - Avklarad" and b[3] == "02 - Pågår"
               for a, b in zip(changes[r["Ärende-ID"]], changes[r["Ärende-ID"]][1:],
                               strict=False)):
            reopened += 1
    assert 3 <= skipped <= 60
    assert 50 <= reopened <= 600


def test_iterators_match_the_writer() -> None:
    start, end = span_for_years(dt.datetime(2025, 6, 1, 12, 0), 1)
    span = TicketSpan(500, start, end, seed=2)
    tickets, history = io.StringIO(), io.StringIO()
    write_tickets(span, tickets, history)
    assert [";".join(r) for r in iter_tickets(span)] == tickets.getvalue().splitlines()[1:]
    assert [";".join(r) for r in iter_status_changes(span)] == \
        history.getvalue().splitlines()[1:]
