"""`promtool check metrics` has nothing to say about `/metrics` (DESIGN §8: names pass it):
on the very first snapshot and after a collection with one source up and one failing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import need_tool
from tests.web.golden import (
    DaemonThread,
    broken_source,
    exposition_of,
    get,
    golden_env,
    write_config,
)


def _promtool(promtool: str, exposition: str) -> str:
    done = subprocess.run([promtool, "check", "metrics"], input=exposition, text=True,
                          capture_output=True, timeout=30)
    # promtool prints its findings and exits non-zero when it has any.
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else
                                                  f"\n(exit {done.returncode})")


def test_promtool_finds_nothing(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    promtool = need_tool("promtool")
    cfg = write_config(tmp_path, golden_dir, extra=broken_source())
    d = DaemonThread(cfg, golden_env(golden_dir, db_url))
    first = exposition_of(d.daemon.holder.current, d.daemon.alerts,  # before anything ran
                          d.daemon.leader)
    with d:
        d.wait_collected("export", "broken")
        after = get(f"{d.url}/metrics").text
    assert 'kpimon_source_up{source="broken"} 0.0' in after  # both states are linted
    for label, text in (("first snapshot", first), ("scrape after collection", after)):
        assert "kpimon_indicator_value" in text
        assert _promtool(promtool, text) == "", f"promtool on the {label}"


def test_promtool_would_complain(tmp_path: Path) -> None:
    """The check above can fail: promtool does report a misnamed family."""
    promtool = need_tool("promtool")
    bad = "# HELP kpimon_x_total x\n# TYPE kpimon_x_total gauge\nkpimon_x_total 1\n"
    assert "_total" in _promtool(promtool, bad)
