"""`active_calendar`: what fires outside the calendar's opening hours is held until it opens.
Saturday → Monday 08:00; the Saturday before Easter → Tuesday 08:00 (Easter Monday is a
Swedish public holiday). The time is the bench's clock (the seam), the calendar the real one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.bench import at

CALENDAR = """
[calendars.office]
hours = { mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], thu = ["08:00-17:00"], fri = ["08:00-16:00"] }
holidays = "SE"
"""  # noqa: E501 - a TOML inline table is one line


@pytest.mark.parametrize(("fired", "opening"), [
    ("2026-11-14 10:00", "2026-11-16 08:00"),  # Saturday → Monday
    ("2026-04-04 10:00", "2026-04-07 08:00"),  # Easter Saturday → Tuesday after Easter Monday
    ("2026-11-13 16:30", "2026-11-16 08:00"),  # Friday after 16:00 → Monday
])
def test_held_until_opening(bench, smtp, fired: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    b = bench(top=CALENDAR, alerts='active_calendar = "office"')
    t0, t1 = at(fired), at(opening)
    b.record("calls", 0.5, t0)
    assert b.tick(t0) == 0
    [n] = b.notifications()
    assert n.status == "scheduled" and n.due_at == int(t1.timestamp())
    now = t0
    while now < t1 - timedelta(minutes=1):
        now = min(now + timedelta(hours=7), t1 - timedelta(minutes=1))
        assert b.send(now) == 0
    assert smtp.messages == []
    assert b.send(t1) == 1
    mail = smtp.wait_for(1)[0].message
    assert "sedan " + fired in mail.get_body(("plain",)).get_content()


def test_retry_is_held_too(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.alerts.bench import Bench, write_config
    from tests.alerts.smtp_server import SmtpServer

    with SmtpServer(refuse=1) as smtp:
        b = Bench(write_config(tmp_path, db_url, smtp.port, top=CALENDAR,
                               alerts='active_calendar = "office"'))
        try:
            t0 = at("2026-11-13 15:59:55")  # Friday, five seconds before closing
            b.record("calls", 0.5, t0)
            assert b.tick(t0) == 0  # refused
            [n] = [n for n in b.notifications() if n.status == "ready"]
            assert n.due_at == int(at("2026-11-16 08:00").timestamp())
            assert b.send(at("2026-11-16 08:00")) == 1
        finally:
            b.close()
