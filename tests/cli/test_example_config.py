"""config/kpimon.example.toml is the board's whole table (DESIGN.md, top) and passes
`kpimon check-config`, which validates without connecting anywhere."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kpimon.cli import main
from kpimon.config import load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kpimon.example.toml"

# The board's table: goal → indicator → target.
BOARD = {
    "Ge god service och IT-drift av hög kvalitet": {
        "acute_response_30m": "rise", "high_response_2h": "rise",
        "normal_response_8h": ">= 0.90", "first_line_share": ">= 0.56",
        "handling_time": "<= 20", "orders_2d": "rise", "calls_20s": ">= 0.70",
        "calls_60s": ">= 0.70"},
    "Ökad samverkan över kommungränserna": {
        "hme": "rise from 71.13", "sick_leave": "fall from 0.07",
        "environmental_certification": ">= 1", "budget_result": ">= 0"},
    "Intern kontroll: ärendehantering och datorer": {
        "open_1mo": "fall", "oldest_open": "fall", "missing_solution": "<= 0",
        "status_flow": "<= 0", "computers": "<= 0"},
}


@pytest.fixture
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What systemd's LoadCredential= provides: a directory with one file per secret."""
    for name in ("efecte", "cmdb", "sccm", "smtp"):
        (tmp_path / name).write_text(f"secret-{name}\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    return tmp_path


def test_check_config_passes_offline(credentials: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def no_network(*_args: object, **_kw: object) -> None:
        raise AssertionError("check-config must not connect anywhere")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert main(["--config", str(EXAMPLE), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "ok (5 sources, 17 indicators, 3 goals)" in out


def test_the_boards_table(credentials: Path) -> None:
    config = load_config(EXAMPLE)
    assert config.orgs == ("Askersund", "Hallsberg", "Laxå", "Lekeberg")
    goals = {g.name: g for g in config.goals}
    assert list(goals) == list(BOARD)
    for name, expected in BOARD.items():
        assert goals[name].indicators == tuple(expected), name
        for ident, target in expected.items():
            ind = config.indicator(ident)
            assert ind.target is not None and ind.target.text == target, ident
            assert ind.name and ind.name != ident, ident   # a Swedish name for the board
    assert {s.kind for s in config.sources} == {"efecte_rest", "ace_csv", "efecte_xml", "sccm",
                                                "manual"}
    assert config.source("cmdb").devices is True
    assert config.source("efecte").password == "secret-efecte"   # read from the credential
    assert {config.indicator(i).kind for i in BOARD["Ökad samverkan över kommungränserna"]} == {
        "manual"}
    computers = config.indicator("computers")
    assert (computers.kind, computers.a, computers.b) == ("asset_reconciliation", "cmdb", "sccm")
    # "2d" in the office calendar is two 9-hour days.
    assert config.indicator("orders_2d").threshold == 18 * 3600


def test_the_boards_goals_have_alert_rules(credentials: Path) -> None:
    config = load_config(EXAMPLE)
    alerts = config.alerts
    assert alerts.smtp is not None and alerts.smtp.password == "secret-smtp"
    assert alerts.active_calendar == "office"
    watched = {i for r in alerts.rules for i in r.indicators}
    board = {i for g in config.goals for i in g.indicators}
    # Every indicator of the board has a rule; the two about old open tickets are watched
    # through the tickets themselves (open_older, with their ids in the mail).
    assert board - watched == {"open_1mo", "oldest_open"}
    assert any(r.kind == "open_older" and r.limit == 30 * 86400 for r in alerts.rules)
    assert {r.kind for r in alerts.rules} >= {
        "indicator_status", "target_unreachable", "tickets_at_risk", "open_older",
        "source_failing", "source_stale", "data_quality", "reload_failed"}


def test_without_the_credentials_directory_every_missing_one_is_reported(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert main(["--config", str(EXAMPLE), "check-config"]) == 2
    err = capsys.readouterr().err
    assert err.count("CREDENTIALS_DIRECTORY is not set") == 4  # efecte, cmdb, sccm, smtp
