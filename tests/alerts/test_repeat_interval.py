"""While a group fires, it is notified again every `repeat_interval` (a reminder), and not
before; a new alert in the group goes out at the next `group_interval`."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.bench import at


def test_reminder_after_repeat_interval(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench(route='receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "0s"\n'
                    'group_interval = "5m"\nrepeat_interval = "3h"')
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    assert b.tick(t0) == 1
    for minutes in (1, 60, 179):
        assert b.tick(t0 + timedelta(minutes=minutes)) == 0
    assert b.tick(t0 + timedelta(minutes=180)) == 1
    first, second = smtp.wait_for(2)
    assert second.message["Subject"] == ("[kpimon] Påminnelse: 1 indikator under mål: "
                                         "Andel samtal besvarade inom 20 s")
    assert "Påminnelse, fortfarande aktuellt" in second.message.get_body(("plain",)).get_content()
    assert first.message["Message-ID"] != second.message["Message-ID"]

    # A second alert joins the group: told at the group's next interval after the reminder.
    t1 = t0 + timedelta(minutes=181)
    b.record("budget", -5, t1)
    assert b.tick(t1) == 0
    assert b.tick(t0 + timedelta(minutes=184)) == 0
    assert b.tick(t0 + timedelta(minutes=185)) == 1
    third = smtp.wait_for(3)[2].message
    assert third["Subject"].startswith("[kpimon] 2 indikatorer under mål:")
    text = third.get_body(("plain",)).get_content()
    assert text.index("Nytt larm") < text.index("Budgetavvikelse") < \
        text.index("Fortfarande aktuellt") < text.index("Andel samtal")
    # …and the reminder clock starts again from that notification.
    assert b.tick(t0 + timedelta(minutes=185 + 179)) == 0
    assert b.tick(t0 + timedelta(minutes=185 + 180)) == 1
