"""`[[controls]]` and `language`: the internal-control plan as data, every mistake listed at
once with its key path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kpimon.config import ConfigError, parse_config

BASE: dict[str, Any] = {
    "database": "sqlite:///x.db",
    "indicators": [{"id": "open_30d", "kind": "open_older_than", "threshold": "30d"}],
}


def _config(**top: Any) -> Any:
    return parse_config({**BASE, **top}, env={})


def test_a_control_plan() -> None:
    cfg = _config(language="en", controls=[
        {"id": "backup", "area": "Verksamhetsspecifik", "risk": "Backup fungerar inte",
         "probability": 2, "consequence": 4, "moment": "Följ upp jobben",
         "method": "Genomgång", "responsible": "Drift",
         "occasions": ["2020-12-31", "2020-04-30"]},
        {"id": "arenden", "area": "Verksamhetsspecifik", "risk": "Ärenden", "probability": 3,
         "consequence": 2, "occasions": ["2020-06-30"], "indicators": ["open_30d"],
         "thresholds": {"minor": 1, "major": 30}}])
    assert cfg.language == "en"
    backup = cfg.control("backup")
    assert backup.risk_value == 8
    assert backup.occasions == (date(2020, 4, 30), date(2020, 12, 31))  # in date order
    assert backup.occasion("2") == date(2020, 12, 31)
    assert backup.occasion("2020-04-30") == date(2020, 4, 30)
    with pytest.raises(ValueError, match="occasions 1–2"):
        backup.occasion("3")
    with pytest.raises(ValueError, match="not an occasion"):
        backup.occasion("2020-05-01")
    assert cfg.control("arenden").minor == 1.0 and cfg.control("arenden").major == 30.0
    assert _config().language == "sv" and _config().controls == ()


def test_every_mistake_at_once() -> None:
    with pytest.raises(ConfigError) as e:
        _config(language="fi", controls=[
            {"id": "a", "area": "Ekonomy", "risk": "r", "probability": 5, "consequence": 0,
             "occasions": ["2020-13-01"], "colour": "red"},
            {"id": "a", "area": "Ekonomi", "risk": "r", "probability": 1, "consequence": 1,
             "indicators": ["nosuch"]},
            {"id": "b", "area": "Personal", "probability": 1, "consequence": 1,
             "thresholds": {"minor": 3, "major": 1}},
        ])
    assert e.value.errors == [
        "controls[0].colour: unknown key for a control",
        "controls[0].area: 'Ekonomy' is not one of Administration, Ekonomi, Personal, "
        "Verksamhetsspecifik",
        "controls[0].probability: must be 1, 2, 3 or 4",
        "controls[0].consequence: must be 1, 2, 3 or 4",
        "controls[0].occasions[0]: '2020-13-01' is not a date YYYY-MM-DD",
        "controls[1].indicators[0]: no indicator named 'nosuch'",
        "controls[1].thresholds: a control with indicators needs thresholds = { minor = N, "
        "major = M }",
        "controls[1].id: 'a' is used twice",
        "controls[2].risk: required",
        "controls[2].thresholds: thresholds need `indicators`",
        "controls[2].thresholds: minor must not be above major",
        "language: 'fi' is not one of sv, en",
    ]
