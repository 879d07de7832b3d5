"""config/demo/kpimon.toml is valid and reads the demo layout that the generator writes."""

from __future__ import annotations

from pathlib import Path

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
        "status_flow", "calls_20s", "calls_60s", "computers"]
    assert cfg.indicator("orders_2d").threshold == 2 * 9 * 3600  # two 9-hour office days
    assert cfg.indicator("handling_time").unit == "hours"
    assert cfg.indicator("oldest_open").unit == "days"
    assert {g.id: g.indicators for g in cfg.goals} == {
        "service": ("acute_response_30m", "high_response_2h", "normal_response_8h",
                    "first_line_share", "handling_time", "orders_2d", "calls_20s",
                    "calls_60s"),
        "intern_kontroll": ("open_30d", "missing_solution", "status_flow", "computers"),
    }


def test_every_generated_value_is_mapped() -> None:
    from bench.datagen.tickets import KINDS, PRIORITIES, STATUSES

    src = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"}).source("efecte_export")
    assert set(src.values["kind"]) == set(KINDS)
    assert set(src.values["priority"]) == set(PRIORITIES)
    assert set(src.values["status"]) == set(STATUSES)


def test_demo_alerts_go_to_the_local_sink() -> None:
    """`make run` starts bench/mailsink.py on 127.0.0.1:2525; the demo mails go there."""
    alerts = load_config(CONFIG, env={"KPIMON_DEMO_DIR": "/srv/demo"}).alerts
    assert alerts.smtp is not None
    assert (alerts.smtp.host, alerts.smtp.port, alerts.smtp.starttls) == ("127.0.0.1", 2525,
                                                                          False)
    assert "--port 2525" in (CONFIG.parents[2] / "Makefile").read_text(encoding="utf-8")
    assert {r.kind for r in alerts.rules} >= {"indicator_status", "source_failing"}
