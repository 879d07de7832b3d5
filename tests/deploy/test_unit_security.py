"""`systemd-analyze security --offline=true` rates the unit's exposure at most 2.0."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import need_tool
from tests.deploy.unit import UNIT

MAX_EXPOSURE = 2.0


@pytest.mark.timeout(60)
def test_exposure_is_at_most_2() -> None:
    analyze = need_tool("systemd-analyze")
    run = subprocess.run([analyze, "security", "--offline=true", "--no-pager", str(UNIT)],
                         capture_output=True, text=True, timeout=50)
    out = run.stdout + run.stderr
    m = re.search(r"Overall exposure level for kpimon\.service: (\d+(?:\.\d+)?)", out)
    assert m, out
    assert float(m.group(1)) <= MAX_EXPOSURE, out
