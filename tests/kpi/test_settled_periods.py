"""Figures of a settled period are kept between evaluations, and only until the data changes:
an exclusion, a manual value or new records make the engine read them again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from kpimon.app import App
from kpimon.config import load_config
from kpimon.periods import parse_period
from kpimon.store import tables as t

AT = datetime(2021, 6, 1, tzinfo=UTC)  # 2020 ended five months before: settled


def test_exclusion_reaches_a_settled_period(golden_dir: Path, db_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDEN_DIR", str(golden_dir))
    monkeypatch.setenv("GOLDEN_DB", db_url)
    app = App.build(load_config(golden_dir / "kpimon.toml"))
    try:
        app.store.upgrade()
        app.collect()
        app.facts.update()
        year = parse_period("2020", app.config.tz)
        first = app.engine.evaluate(year, AT).indicator("resp_30m").figures
        again = app.engine.evaluate(year, AT).indicator("resp_30m").figures
        assert (first.numerator, first.denominator) == (again.numerator, again.denominator)
        assert app.engine._settled  # the second evaluation was served from what was kept
        with app.store.engine.begin() as conn:
            conn.execute(insert(t.exclusions).values(ticket_id="G02", reason="test",
                                                     author="t", created_at=0))
        after = app.engine.evaluate(year, AT).indicator("resp_30m").figures
        assert after.denominator == first.denominator - 1
    finally:
        app.store.close()
