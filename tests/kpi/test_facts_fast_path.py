"""The facts pass's column-wise path gives exactly the facts of the exact per-ticket path.

Random tickets (any status, times present or not, in any order), random histories — none,
the one first change the column-wise path takes, or any other — and random calendars (a
random set of opening intervals, or the identity) with and without pause statuses: the rows
of every table must be the same whichever path computed them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kpimon.kpi.calendar import Calendar
from kpimon.kpi.facts import Clock, chunk_facts
from kpimon.kpi.resolution import Change
from kpimon.records import STATUSES

UTC = ZoneInfo("UTC")
TIME = st.integers(0, 200)
MAYBE = st.one_of(st.none(), TIME)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    if draw(st.booleans()):
        return Calendar("24x7", UTC, 86400, None)
    cuts = sorted(draw(st.lists(st.integers(-20, 220), min_size=0, max_size=12)))
    pairs = np.array(cuts[:len(cuts) // 2 * 2], dtype=np.int64).reshape(-1, 2)
    return Calendar("cal", UTC, 3600, pairs)


@st.composite
def tickets(draw: st.DrawFn, ident: str) -> tuple[tuple[Any, ...], list[Change]]:
    status = draw(st.sampled_from(STATUSES))
    created = draw(TIME)
    times = [draw(MAYBE) for _ in range(4)]
    shape = draw(st.sampled_from(("none", "first", "any")))
    history: list[Change] = []
    if shape == "first":
        history = [Change(draw(TIME), None, status, draw(st.booleans()))]
    elif shape == "any":
        for _ in range(draw(st.integers(1, 4))):
            history.append(Change(draw(TIME), draw(st.one_of(st.none(), st.sampled_from(
                STATUSES))), draw(st.sampled_from(STATUSES)), draw(st.booleans())))
        history.sort(key=lambda c: c.at)
    return ("src", ident, status, created, *times), history


def _keys(rows: list[tuple[Any, ...]]) -> list[int]:
    """Ticket keys unrelated to the rows' order or ids, as a store's may be."""
    return [10_000 - 7 * i for i in range(len(rows))]


@given(st.lists(st.tuples(calendars(), st.sampled_from(((), ("waiting",),
                                                         ("waiting", "new")))),
                min_size=1, max_size=3),
       st.integers(1, 12).flatmap(lambda n: st.tuples(*[tickets(f"T{i:03d}")
                                                       for i in range(n)])),
       st.booleans())
def test_fast_path_equals_exact_path(cals: list[tuple[Calendar, tuple[str, ...]]],
                                     drawn: tuple[tuple[tuple[Any, ...], list[Change]], ...],
                                     derive: bool) -> None:
    clocks = [Clock(f"c{i}", cal, pause, "sig") for i, (cal, pause) in enumerate(cals)]
    rows = [row for row, _ in drawn]
    histories = {row[1]: h for row, h in drawn if h}
    keys = _keys(rows)
    fast = chunk_facts(rows, keys, histories, clocks, derive).rows()
    exact = chunk_facts(rows, keys, histories, clocks, derive, exact_only=True).rows()
    assert fast == exact


@given(st.lists(st.tuples(calendars(), st.sampled_from(((), ("waiting",)))),
                min_size=1, max_size=2),
       st.integers(1, 12).flatmap(lambda n: st.tuples(*[tickets(f"T{i:03d}")
                                                       for i in range(n)])),
       st.lists(TIME, min_size=12, max_size=12), st.booleans(), st.booleans())
def test_first_changes_give_the_facts_of_their_histories(
        cals: list[tuple[Calendar, tuple[str, ...]]],
        drawn: tuple[tuple[tuple[Any, ...], list[Change]], ...], at: list[int],
        derive: bool, some_stored: bool) -> None:
    """New tickets of an export (`first`: one derived change each, to the current status):
    the same facts as those changes given as histories, on either path — also when some
    tickets bring a stored history of their own instead (a status file read first)."""
    clocks = [Clock(f"c{i}", cal, pause, "sig") for i, (cal, pause) in enumerate(cals)]
    rows = [row for row, _ in drawn]
    first = at[:len(rows)]
    stored = {row[1]: h for row, h in drawn if h} if some_stored else {}
    histories = {row[1]: [Change(a, None, row[2], True)]
                 for row, a in zip(rows, first, strict=True)}
    histories.update(stored)
    keys = _keys(rows)
    given_first = chunk_facts(rows, keys, stored, clocks, derive, first=first).rows()
    assert given_first == chunk_facts(rows, keys, histories, clocks, derive).rows()
    assert given_first == chunk_facts(rows, keys, histories, clocks, derive,
                                      exact_only=True).rows()


def test_a_ticket_without_history_takes_the_column_wise_path() -> None:
    """The fast path is exercised (a regression that sent everything down the exact path
    would still pass the property above): its rows match hand-worked facts. The last
    resolution's position is on the ticket's facts row; `resolution_facts` holds only the
    earlier one of a ticket resolved twice (C: the derived change at 330, then the export's
    own resolved time 380)."""
    office = Calendar("cal", UTC, 3600, np.array([[100, 200], [300, 400]], dtype=np.int64))
    rows = [("src", "A", "resolved", 150, 350, 160, 320, None),
            ("src", "B", "in_progress", 50, 60, None, None, None),
            ("src", "C", "resolved", 150, None, None, 380, None)]
    got = chunk_facts(rows, [1, 2, 3], {"B": [Change(60, None, "in_progress", True)],
                             "C": [Change(330, None, "resolved", True)]},
                      [Clock("office", office, (), "sig")], False).rows()
    # The facts tables name a ticket by its key (A 1, B 2, C 3), the tickets by their id.
    assert got["resolutions"] == [(1, 320, 320, None, None), (3, 330, 330, 380, None),
                                  (3, 380, 380, None, None)]
    assert got["tickets"] == [("A", 320, "none", "", 160), ("B", None, "derived",
                                                            ",in_progress,", None),
                              ("C", 380, "derived", ",,", None)]
    assert got["ticket_facts"] == [("office", 1, 50, 60, 320, 120),
                                   ("office", 2, 0, None, None, None),
                                   ("office", 3, 50, None, 380, 180)]
    assert got["resolution_facts"] == [("office", 3, 330, 130)]
    exact = chunk_facts(rows, [1, 2, 3], {"B": [Change(60, None, "in_progress", True)],
                               "C": [Change(330, None, "resolved", True)]},
                        [Clock("office", office, (), "sig")], False, exact_only=True).rows()
    assert exact == got
