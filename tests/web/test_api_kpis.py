"""`/api/kpis` answers the §9 JSON: by default the running month from the snapshot, and any
period (`?period=`, `?from=&to=`, `?at=`) exactly as `kpimon kpis --format json` prints it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from kpimon.cli import main
from tests.web.golden import get, golden_cases, golden_daemon, golden_env, schema_errors


def _cli(capsys: pytest.CaptureFixture[str], config: str, *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["--config", config, "kpis", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_api_equals_the_command_line(tmp_path: Path, golden_dir: Path, db_url: str,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in golden_env(golden_dir, db_url).items():  # for the command line's config
        monkeypatch.setenv(k, v)
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        config = str(d.daemon.config.path)

        # The default: the running month, computed by the daemon; the command line gives the
        # same object when asked for the same moment.
        default = get(f"{d.url}/api/kpis")
        assert default.status == 200
        assert default.headers["Content-Type"].startswith("application/json")
        api = default.json()
        assert schema_errors(api) == []
        assert api == _cli(capsys, config, "--at", api["evaluated_at"])
        assert api["period"]["label"] == d.daemon.holder.current.evaluations["month"].period.label

        # Every golden case, asked with ?period=&at= as on the command line.
        for case in golden_cases(golden_dir):
            q = urlencode({"period": case["period"], "at": case["at"]})
            r = get(f"{d.url}/api/kpis?{q}")
            assert r.status == 200, r.text
            got = r.json()
            assert schema_errors(got) == [], case
            assert got == _cli(capsys, config, "--period", case["period"], "--at", case["at"])

        # A range of dates.
        r = get(f"{d.url}/api/kpis?from=2020-01-01&to=2020-06-30&at=2021-03-01T00:00:00")
        assert r.status == 200
        assert r.json() == _cli(capsys, config, "--from", "2020-01-01", "--to", "2020-06-30",
                                "--at", "2021-03-01T00:00:00")
        assert r.json()["period"]["label"] == "2020-01-01..2020-06-30"


def test_bad_query_is_400(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        for query in ("period=2020-13", "period=nonsense", "at=yesterday",
                      "from=2020-06-30&to=2020-01-01", "from=2020-01-01"):
            r = get(f"{d.url}/api/kpis?{query}")
            assert r.status == 400, query
            assert r.headers["Content-Type"].startswith("application/json")
            assert r.json()["error"], query
