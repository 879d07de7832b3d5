"""asset_reconciliation end to end: two inventory files, the value, and explain's names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpimon.cli import main

CONFIG = """
database = "{db}"
[[sources]]
name = "cmdb"
kind = "inventory_csv"
path = "{dir}/cmdb/*.csv"
every = "1h"
settle = "0s"
[[sources]]
name = "sccm"
kind = "inventory_csv"
path = "{dir}/sccm/*.csv"
every = "1h"
settle = "0s"
[[sources]]
name = "cmdb_count"
kind = "inventory_csv"
path = "{dir}/count/*.txt"
count = true
every = "1h"
settle = "0s"
[[indicators]]
id = "computers"
kind = "asset_reconciliation"
a = "cmdb"
b = "sccm"
target = "<= 0"
[[indicators]]
id = "computer_counts"
kind = "asset_reconciliation"
a = "cmdb_count"
b = "sccm"
"""


def test_names_in_only_one_inventory(tmp_path: Path, db_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    for sub in ("cmdb", "sccm", "count"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cmdb" / "cmdb.csv").write_text(
        "Namn\nPC001\npc002\nPC003.kommun.local\n PC004 \nPC004\nCMDB-ONLY1\nCMDB-ONLY2\n",
        encoding="utf-8")
    (tmp_path / "sccm" / "sccm.csv").write_text(
        "Name\nPC001\nPC002\npc003\nPC004.kommun.local\nSCCM-ONLY1\nSCCM-ONLY2\nSCCM-ONLY3\n",
        encoding="utf-8")
    (tmp_path / "count" / "antal.txt").write_text("3 226\n", encoding="utf-8")
    cfg = tmp_path / "k.toml"
    cfg.write_text(CONFIG.format(db=db_url, dir=tmp_path), encoding="utf-8")
    assert main(["--config", str(cfg), "collect"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "kpis", "--format", "json"]) == 0
    got = {i["id"]: i for i in json.loads(capsys.readouterr().out)["indicators"]}
    assert got["computers"]["value"] == 5
    assert got["computers"]["status"] == "not_achieved"
    assert got["computer_counts"]["value"] == 3226 - 7
    assert main(["--config", str(cfg), "explain", "computers", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["tickets"]
    only = {r["device"]: r["verdict"] for r in rows if "device" in r}
    assert only == {"CMDB-ONLY1": "only in cmdb", "CMDB-ONLY2": "only in cmdb",
                    "SCCM-ONLY1": "only in sccm", "SCCM-ONLY2": "only in sccm",
                    "SCCM-ONLY3": "only in sccm"}
