"""The log level comes from the config's `log_level`, and --log-level overrides it."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.harness import kpimon, write_config


def test_config_level_then_command_line(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, top='log_level = "WARNING"\n'))
    quiet = kpimon("--config", config, "collect")
    assert quiet.returncode == 0, quiet.stderr
    assert "source export:" not in quiet.stderr  # an INFO line

    loud = kpimon("--log-level", "INFO", "--config", config, "collect")
    assert loud.returncode == 0, loud.stderr
    assert "info kpimon.collect: source export:" in loud.stderr
