"""A bad configuration: every error at once, with key paths, exit 2, nothing bound or opened."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kpimon.cli import main
from kpimon.config import ConfigError, load_config, parse_config

THREE_MISTAKES = """
timezone = "Europe/Stockholm"
database = "sqlite:///{db}"
[http]
listen = "127.0.0.1:{port}"

[[sources]]
name = "export"
kind = "ticket_csv"
path = "/nonexistent/*.csv"
every = "1h"
fields = {{ id = "Ärende-ID", created = "Skapad", status = "Status" }}
values.priority = {{ "1. Akut" = "acute" }}
values.status = {{ "01 - Ny" = "new" }}

[[indicators]]
id = "resp"
kind = "response_within"
threshold = "30 minutes"

[[indicators]]
id = "flow"
kind = "status_flow"
colour = "blue"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_three_mistakes_three_messages_exit_2_no_port(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "kpimon.db"
    cfg = tmp_path / "bad.toml"
    cfg.write_text(THREE_MISTAKES.format(db=db, port=port), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kpimon", "--config", str(cfg), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "sources[0].fields.priority: required" in err
    assert "indicators[0].threshold:" in err and "30 minutes" in err
    assert "indicators[1].colour: unknown key" in err
    assert "3 configuration errors" in err
    # Nothing was bound and no database was created.
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
    assert not db.exists()


def test_check_config_lists_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(THREE_MISTAKES.format(db=tmp_path / "x.db", port=0), encoding="utf-8")
    assert main(["--config", str(cfg), "check-config"]) == 2
    assert capsys.readouterr().err.count("\n  ") == 3


def test_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "missing.toml")
    assert "cannot read" in e.value.errors[0]
    bad = tmp_path / "bad.toml"
    bad.write_text("timezone = ", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert "not valid TOML" in e.value.errors[0]


def test_goal_and_indicator_references() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({
            "indicators": [{"id": "x", "kind": "open_older_than", "threshold": "30d",
                            "calendar": "office", "target": "about 3"}],
            "goals": [{"id": "g", "indicators": ["x", "nope"]}],
        }, env={})
    errors = "\n".join(e.value.errors)
    assert "indicators[0].calendar: no calendar named 'office'" in errors
    assert "indicators[0].target:" in errors
    assert "goals[0].indicators[1]: no indicator named 'nope'" in errors


def test_business_calendar_week_is_an_error() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({
            "calendars": {"office": {"hours": {"mon": ["08:00-17:00"]}}},
            "indicators": [{"id": "x", "kind": "open_older_than", "threshold": "1w",
                            "calendar": "office"}],
        }, env={})
    assert "indicators[0].threshold" in e.value.errors[0]
