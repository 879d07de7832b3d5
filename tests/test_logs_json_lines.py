"""log_format = "json": every stderr line of a run is one JSON object, and each collection
writes one line with its counts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.deploy.harness import kpimon, source_block, write_config

GONE = source_block("gone", 'url = "http://127.0.0.1:9/export.csv"', "retries = 0\ntimeout = 2")


def test_collect_logs_json_lines(tmp_path: Path) -> None:
    config = write_config(tmp_path, top='log_format = "json"\n', sources=GONE)
    run = kpimon("--config", str(config), "collect")
    assert run.returncode == 1  # "gone" failed
    records = [json.loads(line) for line in run.stderr.splitlines()]
    assert records, run.stderr
    for r in records:
        assert set(r) >= {"ts", "level", "logger", "msg"}, r
        assert r["ts"].endswith("+00:00")
    per_source = [r for r in records if r["logger"] == "kpimon.collect"]
    assert [r["level"] for r in per_source] == ["info", "error"]
    assert per_source[0]["msg"].startswith(
        "source export: 3 records (3 new, 0 updated, 0 unchanged), 0 rejected")
    assert per_source[1]["msg"].startswith("source gone failed")
