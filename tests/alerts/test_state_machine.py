"""The alert state machine: inactive → pending → firing → resolved, with `for`."""

from __future__ import annotations

from kpimon.alerts.state import Sample, fingerprint, step
from kpimon.store.alerts import AlertRow


def _sample(active: bool, value: float = 0.5) -> Sample:
    return Sample("r", "indicator_status", {"rule": "r", "indicator": "x"}, active,
                  details={"value": value})


def _run(seq: list[tuple[int, bool]], for_: int) -> list[tuple[int, str]]:
    row: AlertRow | None = None
    out = []
    for now, active in seq:
        new = step(row, _sample(active), for_, now)
        if new is not None:
            new.version = (row.version if row else 0) + 1
            row = new
        out.append((now, row.state if row else "-"))
    return out


def test_for_holds_pending_then_fires() -> None:
    assert _run([(0, True), (60, True), (119, True), (120, True), (180, False),
                 (240, False)], for_=120) == [
        (0, "pending"), (60, "pending"), (119, "pending"), (120, "firing"), (180, "resolved"),
        (240, "resolved")]


def test_pending_that_clears_goes_back_to_inactive() -> None:
    assert _run([(0, True), (60, False), (120, True), (300, True)], for_=120) == [
        (0, "pending"), (60, "inactive"), (120, "pending"), (300, "firing")]


def test_without_for_it_fires_at_once_and_can_fire_again() -> None:
    assert _run([(0, False), (10, True), (20, False), (30, True)], for_=0) == [
        (0, "-"), (10, "firing"), (20, "resolved"), (30, "firing")]


def test_times_and_details() -> None:
    row = step(None, _sample(True, 0.4), 0, 100)
    assert row is not None and (row.state, row.active_since, row.fired_at) == ("firing", 100,
                                                                               100)
    row.version = 1
    # Nothing changes: no write.
    assert step(row, _sample(True, 0.4), 0, 160) is None
    # A new value is kept (the mail shows the latest figures).
    newer = step(row, _sample(True, 0.3), 0, 220)
    assert newer is not None and newer.details == {"value": 0.3} and newer.state == "firing"
    newer.version = 2
    gone = step(newer, _sample(False, 0.9), 0, 280)
    # A resolved alert keeps the figures it fired with; a vanished one resolves too.
    assert gone is not None and gone.resolved_at == 280 and gone.details == {"value": 0.3}
    assert step(newer, None, 0, 280).state == "resolved"  # type: ignore[union-attr]


def test_fingerprint_ignores_label_order() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})
    assert len(fingerprint({})) == 16
