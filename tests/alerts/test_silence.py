"""A silence mutes the alerts its matchers match until it ends: nothing is sent meanwhile, the
outputs say why, and when it expires a still-firing alert is notified. Ending it early
(`unsilence`) works the same way."""

from __future__ import annotations

from datetime import timedelta

from kpimon.alerts.matchers import parse_matcher
from kpimon.store import alerts as db
from tests.alerts.bench import at


def _silence(b, start, minutes: int, *matchers: str) -> int:  # type: ignore[no-untyped-def]
    with b.app.store.engine.begin() as conn:
        return db.add_silence(conn, [parse_matcher(m) for m in matchers],
                              int(start.timestamp()),
                              int((start + timedelta(minutes=minutes)).timestamp()),
                              "anna", "växeln byts", int(start.timestamp()))


def test_silence_and_its_expiry(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench()
    t0 = at("2026-11-10 10:00")
    sid = _silence(b, t0, 120, "rule=below_target", "indicator=~call.*")
    b.record("calls", 0.5, t0)
    b.record("hme", 50, t0)
    assert b.tick(t0) == 1  # engagement only
    assert smtp.wait_for(1)[0].message["Subject"].endswith("Medarbetarengagemang")
    [calls] = [a for a in b.view().firing() if a.rule == "below_target"]
    assert calls.silenced_by == (sid,)
    for minutes in (1, 60, 119):
        assert b.tick(t0 + timedelta(minutes=minutes)) == 0
    # The silence ends at 12:00: the alert, still firing, is notified then.
    assert b.tick(t0 + timedelta(minutes=120)) == 1
    assert smtp.wait_for(2)[1].message["Subject"] == (
        "[kpimon] 1 indikator under mål: Andel samtal besvarade inom 20 s")
    assert b.view().firing()[0].silenced_by == ()


def test_unsilence_ends_it_now(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench()
    t0 = at("2026-11-10 10:00")
    sid = _silence(b, t0, 600, "team=servicedesk")
    b.record("budget", -1, t0)
    assert b.tick(t0) == 0
    t1 = t0 + timedelta(minutes=30)
    with b.app.store.engine.begin() as conn:
        assert db.expire_silence(conn, sid, int(t1.timestamp()))
        assert not db.expire_silence(conn, sid, int(t1.timestamp()))  # already ended
    assert b.tick(t1) == 1
    assert smtp.wait_for(1)[0].message["Subject"].endswith("Budgetavvikelse, tkr")
