"""Call indicators (DESIGN §7) against hand-computed values, from per-call data and from
interval data, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kpimon.app import App
from kpimon.config import parse_config
from kpimon.kpi.periods import parse_period
from kpimon.records import Call, QueueInterval
from kpimon.sources.base import Batch, SourceStats

AT = datetime(2020, 4, 1, tzinfo=UTC)
T0 = datetime(2020, 3, 2, 8, 0, tzinfo=UTC)

# Ten calls in queue A: waits of answered calls and of abandoned calls.
ANSWERED = [5, 15, 20, 21, 40, 60, 61]  # 3 within 20 s, 6 within 60 s
ABANDONED = [3, 30, 90]  # one within 5 s (a short abandon)


def _config(db_url: str, **extra: Any) -> Any:
    indicators = [
        {"id": "sl20", "kind": "call_service_level", "threshold": "20s", "breakdown": ["queue"],
         "target": ">= 0.70",
         **extra},
        {"id": "sl60", "kind": "call_service_level", "threshold": "60s", **extra},
        {"id": "answer", "kind": "call_answer_rate"},
        {"id": "abandon", "kind": "call_abandon_rate"},
        {"id": "wait", "kind": "call_average_wait"},
    ]
    return parse_config({"database": db_url, "queues": ["A", "B"],
                         "sources": [{"name": "phone", "kind": "queue_log",
                                      "path": "/nonexistent"}],
                         "indicators": indicators}, env={})


def _calls() -> list[Call]:
    calls = [Call("phone", "A", f"a{i}", T0 + timedelta(minutes=i), w, "answered")
             for i, w in enumerate(ANSWERED)]
    calls += [Call("phone", "A", f"x{i}", T0 + timedelta(hours=1, minutes=i), w, "abandoned")
              for i, w in enumerate(ABANDONED)]
    return calls


def _interval() -> QueueInterval:
    return QueueInterval("phone", "A", T0, T0 + timedelta(days=1), received=10, answered=7,
                         answered_within={20: 3, 60: 6}, abandoned=3, abandoned_short=1,
                         wait_seconds_answered_sum=sum(ANSWERED))


def _figures(db_url: str, records: list[Any], **extra: Any) -> dict[str, Any]:
    app = App.build(_config(db_url, **extra))
    try:
        app.store.upgrade()
        # As a collection would: a run that completes (before one, nothing is known).
        run = app.store.start_run("phone", 0)
        counts = app.store.write_batch(run, 0, Batch("test", records), 0, source="phone",
                                       derive_history=False)
        app.store.finish_run(run, 0, True, counts, SourceStats())
        ev = app.engine.evaluate(parse_period("2020-03", app.config.tz), AT)
        return {o.ind.id: o for o in ev.indicators}
    finally:
        app.store.close()


@pytest.mark.parametrize("kind", ["calls", "interval"])
def test_default_formula(db_url: str, kind: str) -> None:
    figs = _figures(db_url, _calls() if kind == "calls" else [_interval()])
    assert (figs["sl20"].figures.numerator, figs["sl20"].figures.denominator) == (3, 10)
    assert figs["sl20"].figures.value == pytest.approx(0.3)
    assert figs["sl60"].figures.value == pytest.approx(0.6)
    assert figs["answer"].figures.value == pytest.approx(0.7)
    assert figs["abandon"].figures.value == pytest.approx(0.3)
    assert figs["wait"].figures.value == pytest.approx(sum(ANSWERED) / 7)
    queue = figs["sl20"].breakdown["queue"]
    assert queue["A"].figures.value == pytest.approx(0.3)
    assert queue["B"].figures.value is None and queue["B"].status == "no_value"


@pytest.mark.parametrize("kind", ["calls", "interval"])
def test_short_abandon_leaves_quick_hang_ups_out(db_url: str, kind: str) -> None:
    figs = _figures(db_url, _calls() if kind == "calls" else [_interval()],
                    short_abandon="5s")
    assert (figs["sl20"].figures.numerator, figs["sl20"].figures.denominator) == (3, 9)
    assert figs["sl60"].figures.value == pytest.approx(6 / 9)


@pytest.mark.parametrize("kind", ["calls", "interval"])
def test_answered_only(db_url: str, kind: str) -> None:
    figs = _figures(db_url, _calls() if kind == "calls" else [_interval()],
                    formula="answered_only")
    assert (figs["sl20"].figures.numerator, figs["sl20"].figures.denominator) == (3, 7)
    assert figs["sl60"].figures.value == pytest.approx(6 / 7)


def test_both_kinds_of_data_add_up(db_url: str) -> None:
    figs = _figures(db_url, _calls() + [_interval()])
    assert (figs["sl20"].figures.numerator, figs["sl20"].figures.denominator) == (6, 20)


def test_a_period_without_calls_has_no_value(db_url: str) -> None:
    figs = _figures(db_url, [])
    for ident in ("sl20", "sl60", "answer", "abandon", "wait"):
        assert figs[ident].figures.value is None, ident
    assert (figs["sl20"].figures.numerator, figs["sl20"].figures.denominator) == (0, 0)
