"""`positions()` is `position()` elementwise, for tables, the identity and an empty calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar

OFFICE = CalendarConfig(
    "office", tuple((d, "08:00", "17:00") for d in range(4)) + ((4, "08:00", "16:00"),),
    holidays="SE", short=(("2020-04-09", (("08:00", "12:00"),)),))
LUNCH = CalendarConfig(
    "lunch",
    tuple((d, a, b) for d in range(5) for a, b in (("08:00", "12:00"), ("13:00", "17:00"))))
TWENTY_FOUR_SEVEN = CalendarConfig("24x7", tuple((d, "00:00", "24:00") for d in range(7)))
NEVER = CalendarConfig("never", ())
CALENDARS = [OFFICE, LUNCH, TWENTY_FOUR_SEVEN, NEVER]


def epoch(y: int) -> int:
    return int(datetime(y, 1, 1, tzinfo=UTC).timestamp())


# Mostly inside the table, some before and after it, some exactly on interval edges.
instant = st.one_of(
    st.integers(epoch(2019), epoch(2023)),
    st.integers(epoch(1980), epoch(2110)),
    st.sampled_from([0, epoch(1990), epoch(2100), -(2**40), 2**40]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(instant, max_size=50))
def test_positions_equal_position(ts: list[int]) -> None:
    arr = np.array(ts, dtype=np.int64)
    for cfg in CALENDARS:
        cal = Calendar.from_config(cfg)
        got = cal.positions(arr)
        assert got.dtype == np.int64 and got.shape == arr.shape
        assert got.tolist() == [cal.position(t) for t in ts]


def test_on_every_interval_edge() -> None:
    cal = Calendar.from_config(OFFICE)
    edges = cal.intervals().ravel()
    ts = np.concatenate([edges - 1, edges, edges + 1])
    assert cal.positions(ts).tolist() == [cal.position(t) for t in ts.tolist()]


def test_keeps_the_shape_and_accepts_lists() -> None:
    cal = Calendar.from_config(OFFICE)
    ts = np.arange(epoch(2020), epoch(2020) + 12 * 3600 * 6, 3600, dtype=np.int64).reshape(6, 12)
    got = cal.positions(ts)
    assert got.shape == (6, 12)
    assert got.ravel().tolist() == [cal.position(t) for t in ts.ravel().tolist()]
    assert cal.positions(ts.ravel().tolist()).tolist() == got.ravel().tolist()


def test_subtraction_gives_seconds_between() -> None:
    cal = Calendar.from_config(LUNCH)
    rng = np.random.default_rng(7)
    a = rng.integers(epoch(2019), epoch(2023), 1000)
    b = a + rng.integers(0, 30 * 86400, 1000)
    got = cal.positions(b) - cal.positions(a)
    assert got.tolist() == [cal.seconds_between(x, y) for x, y in zip(a.tolist(), b.tolist(),
                                                                       strict=True)]


def test_scalar_and_empty_inputs() -> None:
    for cfg in CALENDARS:
        cal = Calendar.from_config(cfg)
        t = epoch(2020) + 10 * 86400 + 9 * 3600
        got = cal.positions(t)
        assert got.shape == () and int(got) == cal.position(t)
        assert cal.positions(np.array([], dtype=np.int64)).shape == (0,)


def test_constructor_sorts_and_merges_intervals() -> None:
    cal = Calendar("manual", ZoneInfo("UTC"), 3600, np.array([[50, 60], [0, 10], [5, 20]]))
    assert cal.intervals().tolist() == [[0, 20], [50, 60]]
    assert cal.positions(np.array([0, 15, 30, 55, 99])).tolist() == [0, 15, 20, 25, 30]


def test_identity_returns_a_copy() -> None:
    cal = Calendar.from_config(TWENTY_FOUR_SEVEN)
    ts = np.array([1, 2, 3], dtype=np.int64)
    out = cal.positions(ts)
    out[0] = 99
    assert ts[0] == 1
