"""`kpimon kpis` (the table, for people): every indicator and breakdown key with its status as
a symbol and a word, and each goal's status, for the golden 2020 case."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.golden import Kpimon, golden_cases, golden_cli

# What a reader sees for each status.
SHOWN = {"achieved": "● achieved", "partial": "◐ partially achieved",
         "not_achieved": "○ not achieved", "no_value": "– no value", "no_target": "no target"}


@pytest.fixture
def kpis(golden_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Kpimon:
    return golden_cli(golden_dir, db_url, monkeypatch, capsys)


@pytest.mark.parametrize("explicit", [True, False], ids=["--format table", "default"])
def test_table_shows_status_as_symbol_and_word(kpis: Kpimon, golden_dir: Path,
                                               explicit: bool) -> None:
    case = golden_cases(golden_dir)[0]
    assert (case["period"], case["at"]) == ("2020", "2021-03-01T00:00:00")
    args = ["kpis", "--period", case["period"], "--at", case["at"]]
    got = kpis(*args, *(["--format", "table"] if explicit else []))
    assert got.code == 0, got.err
    lines = got.out.splitlines()
    assert lines[0] == "Period 2020 as of 2021-03-01 00:00"
    assert lines[1].split() == ["indicator", "value", "num/den", "previous", "target",
                                "status"]
    rows = {line.split()[0]: line.rstrip() for line in lines[2:] if line.strip()}
    for ident, exp in case["indicators"].items():
        assert rows[ident].endswith(SHOWN[exp["status"]]), rows[ident]
        for key, fig in exp.get("breakdown", {}).get("org", {}).items():
            assert rows[f"org={key}"].endswith(SHOWN[fig["status"]])
    for gid, status in case["goals"].items():
        assert f"goal {gid}: {SHOWN[status]}" in got.out
    # Numbers as people read them.
    assert rows["resp_30m"].split()[1:4] == ["65.0", "%", "13/20"]
    assert rows["handling_office_h"].split()[1:4] == ["5.55", "hours", "94.33/17"]
    assert rows["flow"].split()[1:4] == ["1", "unknown", "15"]
