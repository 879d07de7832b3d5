"""config/demo/kpimon.toml is valid and reads the demo layout that the generator writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpimon.config import load_config

CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo" / "kpimon.toml"


def test_demo_config_is_valid() -> None:
    cfg = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"})
    assert cfg.database == "sqlite:////srv/demo/kpimon.db"
    assert (cfg.http.listen_host, cfg.http.listen_port) == ("127.0.0.1", 9817)
    assert cfg.orgs == ("Askersund", "Hallsberg", "Laxå", "Lekeberg")
    assert [s.name for s in cfg.sources] == ["efecte_export", "telefoni", "cmdb", "sccm"]
    src = cfg.source("efecte_export")
    assert cfg.source("telefoni").path == "/srv/demo/ace/*.csv"
    assert cfg.source("cmdb").path == "/srv/demo/inventory/cmdb.csv"
    assert (src.name, src.kind, src.path, src.status_changes) == (
        "efecte_export", "ticket_csv", "/srv/demo/tickets/*.csv", "/srv/demo/history/*.csv")
    assert src.first_line_groups == ("Servicedesk",) and src.settle == 0 and src.every == 60
    assert [i.id for i in cfg.indicators] == [
        "acute_response_30m", "high_response_2h", "normal_response_8h", "first_line_share",
        "handling_time", "orders_2d", "open_30d", "oldest_open", "missing_solution",
        "status_flow", "calls_20s", "calls_60s", "computers", "hme"]
    assert cfg.indicator("orders_2d").threshold == 2 * 9 * 3600  # two 9-hour office days
    assert cfg.indicator("handling_time").unit == "hours"
    assert cfg.indicator("oldest_open").unit == "days"
    assert {g.id: g.indicators for g in cfg.goals} == {
        "service": ("acute_response_30m", "high_response_2h", "normal_response_8h",
                    "first_line_share", "handling_time", "orders_2d", "calls_20s",
                    "calls_60s"),
        "intern_kontroll": ("open_30d", "missing_solution", "status_flow", "computers"),
        "samverkan": ("hme",),
    }


def test_every_generated_value_is_mapped() -> None:
    from bench.datagen.tickets import KINDS, PRIORITIES, STATUSES

    src = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"}).source("efecte_export")
    assert set(src.values["kind"]) == set(KINDS)
    assert set(src.values["priority"]) == set(PRIORITIES)
    assert set(src.values["status"]) == set(STATUSES)


def test_a_manual_value_can_be_recorded_on_the_demo(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The demo has a `manual` indicator, so `record` can be tried on it as the README says."""
    from kpimon.cli import main

    monkeypatch.setenv("KPIMON_DEMO_DIR", str(tmp_path))
    assert main(["--config", str(CONFIG), "record", "hme", "2026", "74,2", "--note", "HME"]) == 0
    assert capsys.readouterr().out.strip() == "hme 2026 = 74.2 (HME)"
    assert main(["--config", str(CONFIG), "kpis", "--period", "2026", "--format", "json"]) == 0
    got = {i["id"]: i for i in json.loads(capsys.readouterr().out)["indicators"]}
    assert (got["hme"]["value"], got["hme"]["status"]) == (74.2, "achieved")


def test_the_demo_readme_describes_the_demo() -> None:
    """config/demo/README.md names every configured source with its kind and files, every
    goal, the manual indicator, and the inventory figures the generator really makes."""
    from bench.datagen.inventory import make_inventory
    from kpimon.inventory import reconcile

    readme = (CONFIG.parent / "README.md").read_text(encoding="utf-8")
    cfg = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"})
    for src in cfg.sources:
        row = next((line for line in readme.splitlines() if f"`{src.name}`" in line), "")
        assert f"`{src.kind}`" in row, src.name
        assert src.path and src.path.removeprefix("/srv/demo/") in row, src.name
    for goal in cfg.goals:
        assert f"`{goal.id}`" in readme, goal.id
    manual = [i.id for i in cfg.indicators if i.kind == "manual"]
    assert manual and all(f"`{i}`" in readme for i in manual)
    assert "configured so far" not in readme  # the old text said only tickets were

    inv = make_inventory()
    rec = reconcile(inv.cmdb, inv.sccm)
    figures = (f"{len(inv.cmdb):,}".replace(",", " "), f"{len(inv.sccm):,}".replace(",", " "),
               f"{rec.count_a:,}".replace(",", " "))
    assert f"{figures[0]} and {figures[1]} rows" in readme
    assert f"is {figures[2]} computers on each side" in readme.replace("\n", " ")
    assert rec.count_a == rec.count_b and f"`computers` indicator is {rec.value}" in \
        readme.replace("\n", " ")


def test_demo_alerts_go_to_the_local_sink() -> None:
    """`make run` starts bench/mailsink.py on 127.0.0.1:2525; the demo mails go there."""
    alerts = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"}).alerts
    assert alerts.smtp is not None
    assert (alerts.smtp.host, alerts.smtp.port, alerts.smtp.starttls) == ("127.0.0.1", 2525,
                                                                          False)
    assert "--port 2525" in (CONFIG.parents[2] / "Makefile").read_text(encoding="utf-8")
    assert {r.kind for r in alerts.rules} >= {"indicator_status", "source_failing"}
