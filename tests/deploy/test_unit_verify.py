"""`systemd-analyze verify` accepts the unit, with ExecStart pointing at an installed kpimon,
and says nothing at all: verify exits 0 even on unknown keys or unparsable values and only
complains on stderr, so any output is a failure."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.deploy.unit import copy_for_verify


def _installed_kpimon() -> str:
    """The `kpimon` console script of the interpreter running the tests."""
    beside = Path(sys.executable).with_name("kpimon")
    found = str(beside) if beside.exists() else shutil.which("kpimon")
    if not found:
        pytest.skip("no installed kpimon console script beside the test interpreter")
    return found


@pytest.mark.timeout(60)
def test_verify_is_silent(tmp_path: Path) -> None:
    analyze = need_tool("systemd-analyze")
    unit = copy_for_verify(tmp_path / "units", _installed_kpimon())
    run = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True,
                         text=True, timeout=50, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "" and run.stderr.strip() == "", run.stdout + run.stderr
