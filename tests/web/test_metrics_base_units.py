"""Metric values are in base units whatever an indicator's display `unit` (DESIGN §8):
evaluating one store with handling time in hours, minutes or seconds and the oldest ticket's
age in days or seconds exports the same series with the same values — computed now, and
served from results stored under another unit after a restart. On SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.app import App
from kpimon.cli import main
from kpimon.config import DURATION_UNITS, Config, load_config
from kpimon.kpi import results
from kpimon.kpi.periods import month, year
from kpimon.web.snapshot import Snapshot, SourceExtras, build_metrics
from tests.web.golden import Series, exposition_of, golden_env, parse_exposition, write_config

AT = datetime(2021, 3, 1, tzinfo=UTC)
UNITS = [("hours", "days"), ("minutes", "seconds"), ("seconds", "hours")]


def _config(tmp_path: Path, golden_dir: Path, handling: str, oldest: str) -> Config:
    path = write_config(tmp_path, golden_dir, name=f"kpimon-{handling}.toml")
    # The target is written in the display unit, so it follows it: 8 hours = 480 minutes.
    bound = 8 * 3600 // DURATION_UNITS[handling]
    text = path.read_text("utf-8").replace('unit = "hours"\ntarget = "<= 8"',
                                           f'unit = "{handling}"\ntarget = "<= {bound}"')
    assert f'"<= {bound}"' in text
    text = text.replace('unit = "hours"', f'unit = "{handling}"')  # the p90 as well
    text = text.replace('kind = "oldest_open_age"\n',
                        f'kind = "oldest_open_age"\nunit = "{oldest}"\n')
    path.write_text(text, "utf-8")
    return load_config(str(path))


def _series(app: App, evaluations: dict[str, object]) -> dict[Series, float]:
    tz = app.config.tz
    periods = {"month": month(2021, 2, tz), "year": year(2020, tz)}
    metrics = build_metrics(app.config, evaluations, periods, {}, {}, {},  # type: ignore
                            SourceExtras())
    return parse_exposition(exposition_of(Snapshot(metrics=metrics)))


def _same(a: dict[Series, float], b: dict[Series, float]) -> list[str]:
    """Differences beyond the float rounding of a unit conversion (a relative 1e-12)."""
    assert set(a) == set(b)
    return [f"{k}: {a[k]} != {b[k]}" for k in a
            if not (math.isnan(a[k]) and math.isnan(b[k]))
            and not math.isclose(a[k], b[k], rel_tol=1e-12, abs_tol=0)]


def test_the_display_unit_changes_no_metric(tmp_path: Path, golden_dir: Path, db_url: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)
    assert main(["--config", str(golden_dir / "kpimon.toml"), "collect"]) == 0
    capsys.readouterr()
    exported = []
    for handling, oldest in UNITS:
        app = App.build(_config(tmp_path, golden_dir, handling, oldest))
        try:
            tz = app.config.tz
            evaluations = {"month": app.engine.evaluate(month(2021, 2, tz), AT),
                           "year": app.engine.evaluate(year(2020, tz), AT)}
            shown = evaluations["year"].indicator("handling_office_h").figures.value
            exported.append((handling, shown, _series(app, evaluations)))
            # Saved in this unit; read back below under the next one.
            for ev in evaluations.values():
                results.save_results(app.store, app.config, ev)
        finally:
            app.store.close()
    (_, hours, first), *others = exported
    for handling, shown, series in others:
        assert shown != hours, "the display value itself follows the unit"
        assert not _same(first, series), (handling, _same(first, series))
    value = first[("kpimon_indicator_value", (("indicator", "handling_office_h"),
                                              ("period", "year")))]
    assert value == pytest.approx(hours * 3600) and value > 0
    info = [dict(labels) for (name, labels) in first if name == "kpimon_indicator_info"]
    assert {i["indicator"]: i["unit"] for i in info}["handling_office_h"] == "seconds"

    # Stored under "seconds" (the last loop), served after a restart under "hours".
    app = App.build(_config(tmp_path, golden_dir, "hours", "days"))
    try:
        stored = results.load_latest(
            app.store, app.config, lambda _: {"month": month(2021, 2, app.config.tz),
                                              "year": year(2020, app.config.tz)})
        assert stored["year"].indicator("handling_office_h").figures.value == \
            pytest.approx(hours)
        assert not _same(first, _series(app, dict(stored)))
    finally:
        app.store.close()
