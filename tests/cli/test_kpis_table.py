"""`kpimon kpis` (the table, for people): every indicator and breakdown key with its status as
a symbol and a word, and each goal's status, for the golden 2020 case."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.golden import Kpimon, golden_cases, golden_cli

# What a reader sees for each status (Swedish, the default language); goals read as the
# board's annual report says them.
SHOWN = {"achieved": "● uppnådd", "partial": "◐ delvis uppnådd",
         "not_achieved": "○ ej uppnådd", "no_value": "– inget värde", "no_target": "inget mål"}
GOAL = {"achieved": "● uppnås", "partial": "◐ uppnås delvis", "not_achieved": "○ uppnås ej",
        "no_value": "– inget värde"}


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
    assert lines[0] == "Period 2020 per 2021-03-01 00:00"
    assert lines[1].split() == ["indikator", "utfall", "täljare/nämnare", "föregående", "år",
                                "mål", "status"]
    rows = {line.split()[0]: line.rstrip() for line in lines[2:] if line.strip()}
    for ident, exp in case["indicators"].items():
        assert rows[ident].endswith(SHOWN[exp["status"]]), rows[ident]
        for key, fig in exp.get("breakdown", {}).get("org", {}).items():
            assert rows[f"org={key}"].endswith(SHOWN[fig["status"]])
    for gid, status in case["goals"].items():
        assert f"mål {gid}: {GOAL[status]}" in got.out
    # Numbers as people read them, in sv_SE: a decimal comma, a no-break space before % and
    # units, targets in the value's unit.
    assert rows["resp_30m"].split()[1:4] == ["63,2", "%", "12/19"]
    assert "63,2\u00a0%" in rows["resp_30m"] and "≥\u00a060\u00a0%" in rows["resp_30m"]
    assert rows["handling_office_h"].split()[1:4] == ["7,5", "h", "119,33/16"]
    assert "≤\u00a08\u00a0h" in rows["handling_office_h"]
    assert rows["flow"].split()[1:4] == ["1", "okända", "15"]
