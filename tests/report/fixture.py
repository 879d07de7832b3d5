"""A board year for the report tests: the golden export (tickets of 2020) with an internal-
control plan (`[[controls]]`, one control backed by indicators, two recorded by hand) and a
choice of language, collected into a database of the test's own."""

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
from tests.conftest import GOLDEN_COPY
from tests.web.golden import golden_env, write_config

CONTROLS = """
[[controls]]
id = "beslut"
area = "Administration"
risk = "Nämndens beslut genomförs/verkställs inte av förvaltningen"
probability = 2
consequence = 3
moment = "Uppföljning av verkställighet av politiskt fattade beslut"
method = "Sammanställning av politiskt fattade beslut och verkställighet"
responsible = "Förvaltningschef"
occasions = ["2020-04-30", "2020-12-31"]

[[controls]]
id = "backup"
area = "Verksamhetsspecifik"
risk = "Säkerhetskopieringssystemet fungerar inte"
probability = 2
consequence = 4
moment = "Sammanställ och följ upp säkerhetskopieringsjobb"
method = "Genomgång av säkerhetskopieringsjobb"
responsible = "Drift"
occasions = ["2020-04-30", "2020-06-30", "2020-12-31"]

[[controls]]
id = "arenden"
area = "Verksamhetsspecifik"
risk = "Supportärenden dokumenteras inte enligt rutin"
probability = 3
consequence = 2
moment = "Sammanställning av supportärenden som inte följer rutinerna"
method = "Rapport ur ärendesystemet"
responsible = "Kvalitetsansvarig"
occasions = ["2020-06-30", "2020-12-31"]
indicators = ["open_30d", "missing_solution", "flow"]
thresholds = { minor = 1, major = 3 }
"""


def board_config(tmp_path: Path, golden_dir: Path, language: str | None = None,
                 controls: bool = True, name: str = "kpimon.toml") -> Path:
    """The golden configuration with the control plan and `language` (top-level keys go
    before the first table)."""
    path = write_config(tmp_path, golden_dir, extra=CONTROLS if controls else "", name=name)
    if language is not None:
        path.write_text(f'language = "{language}"\n' + path.read_text("utf-8"), "utf-8")
    return path


#: The golden case's evaluation moment for 2020.
AT = datetime(2021, 3, 1, tzinfo=ZoneInfo("Europe/Stockholm"))


@dataclass
class Year:
    cfg: Path
    run: Callable[..., tuple[int, str, str]]

    def app(self) -> App:
        return App.build(load_config(self.cfg))


@pytest.fixture
def board_year(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Callable[[str | None], Year]:
    """`make(language)`: the configuration (with controls and `language`) collected into the
    test's database, and a runner of `kpimon --config <it> ARGS…` in-process.

    The year is the repository's own copy of the golden export (tests/fixtures/golden), not
    the shared set beside the repository: the expected tables below are of this copy, and
    change only with a commit that changes it."""
    golden_dir = GOLDEN_COPY
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
