"""A collected board year (the golden export, 2020) with its control plan, per language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kpimon.app import App
from kpimon.cli import main
from kpimon.config import load_config
from tests.report.fixture import board_config
from tests.web.golden import golden_env

#: The golden case's evaluation moment for 2020.
AT = datetime(2021, 3, 1, tzinfo=ZoneInfo("Europe/Stockholm"))


@dataclass
class Year:
    cfg: Path
    run: Callable[..., tuple[int, str, str]]

    def app(self) -> App:
        return App.build(load_config(self.cfg))


@pytest.fixture
def board_year(golden_dir: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Callable[[str | None], Year]:
    """`make(language)`: the configuration (with controls and `language`) collected into the
    test's database, and a runner of `kpimon --config <it> ARGS…` in-process."""
    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)

    def make(language: str | None = None) -> Year:
        cfg = board_config(tmp_path, golden_dir, language, name=f"kpimon-{language}.toml")

        def run(*args: str) -> tuple[int, str, str]:
            capsys.readouterr()
            code = main(["--config", str(cfg), *args])
            got = capsys.readouterr()
            return code, got.out, got.err

        code, _out, err = run("collect")
        assert code == 0, err
        return Year(cfg, run)

    return make
