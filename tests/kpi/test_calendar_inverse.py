"""`Calendar.first_reaching` inverts `position`: position(t) >= p exactly when
t >= first_reaching(p), for business calendars (lunch breaks, holidays, DST) and 24x7."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kpimon.kpi.calendar import NEVER, Calendar
from tests.kpi.test_calendar_properties import OFFICE, RICH, epoch

CALENDARS = [Calendar.from_config(c) for c in (RICH, OFFICE)]
LO, HI = epoch(2019, 1, 1), epoch(2023, 1, 1)


@given(st.sampled_from(CALENDARS), st.integers(LO, HI), st.integers(-400_000, 400_000))
def test_position_reaches_p_exactly_from_first_reaching(cal: Calendar, t: int, dp: int) -> None:
    p = cal.position(t) + dp
    first = cal.first_reaching(p)
    assert cal.position(first) >= p
    assert cal.position(first - 1) < p
    assert (cal.position(t) >= p) == (t >= first)


def test_identity_and_the_ends_of_the_table() -> None:
    cal = CALENDARS[1]
    assert Calendar("24x7", cal.tz, 86400).first_reaching(1234) == 1234
    assert cal.first_reaching(0) == -NEVER  # every moment is at or past the origin
    assert cal.first_reaching(cal.position(NEVER) + 1) == NEVER  # past the table: never
