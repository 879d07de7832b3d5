"""`explain` for call indicators: per local day and queue, offered, answered, answered within
the level, abandoned and short abandons, from per-call and interval data; the sums give the
indicator's figures. `kpimon explain` prints the same table."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from kpimon.app import App
from kpimon.cli import main
from kpimon.kpi.periods import parse_period
from kpimon.records import Call
from kpimon.sources.base import Batch
from tests.kpi.test_call_indicators import AT, T0, _calls, _config, _interval


def _app(db_url: str, records: list[Any], **extra: Any) -> App:
    app = App.build(_config(db_url, **extra))
    app.store.upgrade()
    app.store.write_batch(1, 0, Batch("test", records), 0, source="phone",
                          derive_history=False)
    return app


def test_days_from_calls_and_intervals(db_url: str) -> None:
    # The per-call day (2 March) plus an interval the next day, and one call on 3 March
    # after 23:00 UTC, which is 4 March in Stockholm.
    late = Call("phone", "B", "late", T0.replace(hour=23, minute=30) + timedelta(days=1), 10,
                "answered")
    day2 = replace(_interval(), start=T0 + timedelta(days=1), end=T0 + timedelta(days=2))
    app = _app(db_url, [*_calls(), day2, late], short_abandon="5s")
    try:
        ind = app.config.indicator("sl20")
        period = parse_period("2020-03", app.config.tz)
        rows = app.engine.explain(ind, period, AT)
        assert [(r["day"], r["queue"]) for r in rows] == [
            ("2020-03-02", "A"), ("2020-03-03", "A"), ("2020-03-04", "B")]
        a2, a3, b4 = rows
        # 10 calls, 1 abandoned within 5 s: offered 9, answered 7, 3 within 20 s.
        assert (a2["offered"], a2["answered"], a2["within"], a2["abandoned"], a2["short"]) \
            == (9, 7, 3, 2, 1)
        assert a2["value"] == 3 / 9
        assert (a3["offered"], a3["within"], a3["short"]) == (9, 3, 1)
        assert (b4["offered"], b4["within"]) == (1, 1)
        fig = app.engine.measure(ind, period, AT).total
        assert (fig.numerator, fig.denominator) == (
            sum(r["within"] for r in rows), sum(r["offered"] for r in rows))
    finally:
        app.store.close()


def test_cli_explain_prints_the_days(db_url: str, tmp_path: Any, capsys: Any) -> None:
    app = _app(db_url, _calls())
    app.store.close()
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'database = "{db_url}"\nqueues = ["A", "B"]\n[[sources]]\nname = "phone"\n'
                   'kind = "queue_log"\npath = "/nonexistent"\n[[indicators]]\nid = "sl20"\n'
                   'kind = "call_service_level"\nthreshold = "20s"\n', "utf-8")
    assert main(["--config", str(cfg), "explain", "sl20", "--period", "2020-03",
                 "--at", "2020-04-01T00:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("sl20 (call_service_level) for 2020-03")
    assert out[1].split() == ["Dag", "Kö", "Erbjudna", "Besvarade", "Besvarade", "inom", "20",
                              "s", "Övergivna", "Andel"]
    # (str.split also splits at the no-break space between 30,0 and %.)
    assert out[2].split() == ["2", "mars", "2020", "A", "10", "7", "3", "3", "30,0", "%"]
    assert "30,0\u00a0%" in out[2]
    assert out[3].split() == ["Summa", "10", "7", "3", "3"]
