"""`kpimon kpis` refuses a period or `--at` outside the years 1970–9998, or with an impossible
UTC offset, as bad usage (exit 2 and a one-line reason), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.golden import cli_process


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args", [["--period", "9999"], ["--at", "0001-01-01"],
                                  ["--from", "1900-01-01", "--to", "2020-01-01"],
                                  ["--at", "2020-03-01T12:00+99:99"]])
def test_out_of_range_is_a_usage_error(golden_dir: Path, tmp_path: Path, args: list[str]
                                       ) -> None:
    db = f"sqlite:///{tmp_path}/k.db"
    assert cli_process(golden_dir, db, "db", "upgrade").code == 0
    done = cli_process(golden_dir, db, "kpis", *args)
    assert done.code == 2, done.err
    assert "Traceback" not in done.err
    assert "1970–9998" in done.err or "offset" in done.err, done.err
