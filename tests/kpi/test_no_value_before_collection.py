"""An indicator whose sources have never completed a collection has no value, whatever its
kind (DESIGN §7 "Numbers", §11a): before the first collection the counts of missing solutions
and status-flow breaches are not 0 and "achieved", they are unknown. A failed collection does
not count; an `import` does. On SQLite and PostgreSQL, through the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kpimon.cli import main
from tests.web.golden import broken_source, golden_env, write_config

COUNTS = ("open_30d", "missing_solution", "flow")


def _kpis(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    import json

    capsys.readouterr()
    assert main(["--config", str(config), "kpis", "--period", "2020", "--at",
                 "2021-03-01T00:00", "--format", "json"]) == 0
    return {i["id"]: i for i in json.loads(capsys.readouterr().out)["indicators"]}


def test_no_value_until_a_collection_completes(tmp_path: Path, golden_dir: Path, db_url: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)
    config = write_config(tmp_path, golden_dir, extra=broken_source())
    assert main(["--config", str(config), "db", "upgrade"]) == 0

    fresh = _kpis(config, capsys)
    assert {i["status"] for i in fresh.values()} <= {"no_value", "no_target"}
    for ident in COUNTS:
        assert fresh[ident]["value"] is None and fresh[ident]["status"] == "no_value", ident
    assert fresh["resp_30m"]["breakdown"]["org"]["Askersund"]["status"] == "no_value"

    # The other ticket source fails: still nothing completed, still no value.
    assert main(["--config", str(config), "collect", "broken"]) == 1
    failed = _kpis(config, capsys)
    assert all(failed[i]["value"] is None for i in COUNTS)

    # An import is a completed collection: the counts now have their values.
    assert main(["--config", str(config), "import", "export",
                 str(golden_dir / "tickets.csv")]) == 0
    imported = _kpis(config, capsys)
    for ident in COUNTS:
        assert isinstance(imported[ident]["value"], int), (ident, imported[ident])
        assert imported[ident]["status"] != "no_value", ident
