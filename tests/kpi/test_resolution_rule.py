"""The resolved-time rule as pure functions (kpi/resolution.py), one ticket at a time: the rows
the facts pass stores, and what they answer as of a moment. Times are plain numbers here
(epoch seconds in the store); the board tests check the same rule through the command line."""

from __future__ import annotations

from kpimon.kpi.resolution import Change, Resolution, done_at, resolutions, with_export_status

C = 0  # created


def ch(at: int, a: str | None, b: str, derived: bool = False) -> Change:
    return Change(at, a, b, derived)


def as_of(rows: list[Resolution], at: int) -> int | None:
    held = [r.resolved_at for r in rows if r.holds_at(at)]
    assert len(held) <= 1
    return held[0] if held else None


def by(rows: list[Resolution], m: int, at: int) -> bool:
    return any(r.resolved_by(m, at) for r in rows)


OPENED = [ch(0, None, "new"), ch(10, "new", "in_progress")]


def test_without_a_history_resolved_else_closed_while_done() -> None:
    assert resolutions("closed", C, 500, 100, 400, []) == [Resolution(100, 100, None, None)]
    assert resolutions("closed", C, 500, None, 400, []) == [Resolution(400, 400, None, None)]
    assert resolutions("in_progress", C, 500, 100, None, []) == []


def test_closing_keeps_the_resolved_time() -> None:
    rows = resolutions("closed", C, 400, 100, 400,
                       OPENED + [ch(100, "in_progress", "resolved"), ch(400, "resolved", "closed")])
    assert rows == [Resolution(100, 100, None, None)]
    assert [as_of(rows, at) for at in (99, 100, 399, 400, 10_000)] == [None, 100, 100, 100, 100]


def test_the_sources_later_time_counts_once_at_reaches_it() -> None:
    rows = resolutions("closed", C, 400, 120, 400,
                       OPENED + [ch(118, "in_progress", "resolved"), ch(400, "resolved", "closed")])
    assert [as_of(rows, at) for at in (117, 118, 119, 120, 500)] == [None, 118, 118, 120, 120]
    assert done_at(rows) == 120
    assert not by(rows, 119, 500)    # as known at 500, it was resolved at 120
    assert by(rows, 119, 119)        # as known at 119, at 118


def test_the_sources_earlier_time_counts_from_when_the_history_shows_it() -> None:
    seen = [ch(10, None, "in_progress", True), ch(200, "in_progress", "resolved", True)]
    rows = resolutions("resolved", C, 200, 150, None, seen)
    assert rows == [Resolution(150, 200, None, None)]
    assert as_of(rows, 199) is None and as_of(rows, 200) == 150
    assert by(rows, 160, 300) and not by(rows, 160, 199)


def test_a_stale_resolved_time_before_the_reopening_is_ignored() -> None:
    history = OPENED + [ch(100, "in_progress", "resolved"), ch(200, "resolved", "in_progress"),
                        ch(300, "in_progress", "resolved")]
    rows = resolutions("resolved", C, 300, 100, None, history)
    assert rows == [Resolution(100, 100, None, 200), Resolution(300, 300, None, None)]
    assert [as_of(rows, at) for at in (150, 250, 350)] == [100, None, 300]
    assert by(rows, 150, 350) and not by(rows, 250, 350)


def test_closed_without_a_resolve_counts_the_close_but_resolved_then_closed_does_not() -> None:
    straight = OPENED + [ch(100, "in_progress", "closed")]
    assert resolutions("closed", C, 100, None, 100, straight) == [
        Resolution(100, 100, None, None)]
    via = OPENED + [ch(100, "in_progress", "resolved"), ch(400, "resolved", "closed")]
    assert resolutions("closed", C, 400, None, 400, via) == [Resolution(100, 100, None, None)]


def test_the_exports_status_wins_from_updated_on() -> None:
    # The file lags behind a close, and behind a reopening.
    assert with_export_status(OPENED, "closed", 300) == OPENED + [
        ch(300, "in_progress", "closed", True)]
    done = OPENED + [ch(100, "in_progress", "resolved")]
    assert with_export_status(done, "in_progress", 300) == done + [
        ch(300, "resolved", "in_progress", True)]
    # Changes at or after `updated` give way to the export.
    later = done + [ch(500, "resolved", "in_progress")]
    assert with_export_status(later, "resolved", 300) == done


def test_a_run_ended_at_the_moment_it_began_is_no_run() -> None:
    history = OPENED + [ch(100, "in_progress", "resolved"), ch(100, "resolved", "in_progress")]
    assert resolutions("in_progress", C, 100, None, None, history) == []
