"""When a notified alert stops firing the group gets a resolved notice (on by default); a
receiver with `send_resolved = false` gets none, and its next alert is news again."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.bench import at


def test_resolved_notice(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench()
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    b.record("budget", -5, t0)
    assert b.tick(t0) == 1
    b.record("calls", 0.8, t0 + timedelta(minutes=10))
    assert b.tick(t0 + timedelta(minutes=10)) == 1
    assert b.states()["below_target/calls"] == "resolved"
    notice = smtp.wait_for(2)[1].message
    assert notice["Subject"] == ("[kpimon] Åtgärdat: Andel samtal besvarade inom 20 s "
                                 "(1 larm kvar)")
    text = notice.get_body(("plain",)).get_content()
    assert "Åtgärdat:\n* Andel samtal besvarade inom 20 s (åtgärdat 2026-11-10 10:10, " \
           "larmade sedan 2026-11-10 10:00)" in text.replace("\r\n", "\n")
    assert "Fortfarande aktuellt" in text and "Budgetavvikelse" in text
    # The last one resolves: a notice with nothing left firing.
    b.record("budget", 5, t0 + timedelta(minutes=20))
    assert b.tick(t0 + timedelta(minutes=20)) == 1
    assert smtp.wait_for(3)[2].message["Subject"] == "[kpimon] Åtgärdat: Budgetavvikelse, tkr"
    assert b.tick(t0 + timedelta(hours=8)) == 0  # a resolved group has no reminders
    assert len(smtp.messages) == 3


def test_no_resolved_notice_when_turned_off(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench(alerts="[alerts.receivers.quiet]\nemail = [\"q@kommun.example\"]\n"
                     "send_resolved = false",
              route='receiver = "quiet"\ngroup_wait = "0s"\ngroup_interval = "1m"')
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    assert b.tick(t0) == 1
    b.record("calls", 0.8, t0 + timedelta(minutes=10))
    assert b.tick(t0 + timedelta(minutes=10)) == 0
    assert b.tick(t0 + timedelta(minutes=12)) == 0
    assert [n.status for n in b.notifications()] == ["sent", "skipped"]
    # It fires again: a new alert, told as such.
    b.record("calls", 0.5, t0 + timedelta(minutes=30))
    assert b.tick(t0 + timedelta(minutes=30)) == 1
    assert smtp.wait_for(2)[1].message["Subject"] == (
        "[kpimon] 1 indikator under mål: Andel samtal besvarade inom 20 s")
