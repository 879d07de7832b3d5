"""`[alerts]`: the relay, receivers, routes, inhibition and rules, validated like the rest —
defaults as documented, every error at once with its key path, exit 2 from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.cli import main
from kpimon.config import ConfigError, parse_config

BASE = {
    "indicators": [
        {"id": "calls_20s", "kind": "call_service_level", "threshold": "20s",
         "target": ">= 0.70"},
        {"id": "open_30d", "kind": "open_older_than", "threshold": "30d", "target": "fall"},
        {"id": "missing", "kind": "missing_solution", "target": "<= 0"},
        {"id": "acute", "kind": "response_within", "threshold": "30m", "target": "rise"},
        {"id": "info", "kind": "oldest_open_age"},
    ],
    "sources": [{"name": "tele", "kind": "ace_csv", "path": "/x/*.csv", "every": "15m"}],
    "calendars": {"office": {"hours": {"mon": ["08:00-17:00"]}}},
}


def _parse(alerts: dict, **top: object):  # type: ignore[no-untyped-def,type-arg]
    return parse_config({**BASE, **top, "alerts": alerts}, env={})


def test_a_full_table(tmp_path: Path) -> None:
    pw = tmp_path / "smtp"
    pw.write_text("hemligt\n", encoding="utf-8")
    cfg = _parse({
        "smtp": {"host": "smtp.kommun.local", "username": "kpimon",
                 "password_file": str(pw), "timeout": "20s"},
        "from": "kpimon <kpimon@kommun.se>",
        "external_url": "https://kpimon.kommun.local/",
        "active_calendar": "office",
        "receiver": "desk", "group_wait": "1m",
        "routes": [{"match": {"team": "drift"}, "match_re": {"severity": "crit.*"},
                    "receiver": "am", "continue": True}],
        "receivers": {"desk": {"email": ["a@kommun.se", "Chef <c@kommun.se>"]},
                      "am": {"alertmanager": "http://127.0.0.1:9093"}},
        "inhibit": [{"source_match": {"severity": "critical"},
                     "target_match": {"severity": "warning"}, "equal": ["team"]}],
        "rules": [
            {"id": "calls", "kind": "indicator_status", "indicator": "calls_20s",
             "for": "2h", "labels": {"severity": "warning", "team": "servicedesk"}},
            {"id": "reach", "kind": "target_unreachable", "period": "year"},
            {"id": "risk", "kind": "tickets_at_risk", "indicator": "acute", "share": 0.8},
            {"id": "old", "kind": "open_older", "limit": "30d", "max": 5,
             "filter": {"priority": ["acute", "high"]}},
            {"id": "down", "kind": "source_failing"},
            {"id": "stale", "kind": "source_stale", "source": "tele", "after": "1h"},
            {"id": "dq", "kind": "data_quality", "min_records_share": 0.5},
            {"id": "reload", "kind": "reload_failed"},
        ]})
    a = cfg.alerts
    assert a.enabled and a.smtp is not None
    assert (a.smtp.port, a.smtp.starttls, a.smtp.tls, a.smtp.password, a.smtp.timeout) == (
        587, True, False, "hemligt", 20.0)
    assert "hemligt" in cfg.secrets
    assert a.default_route is not None and a.default_route.receiver == "desk"
    assert (a.default_route.group_by, a.default_route.group_wait,
            a.default_route.group_interval, a.default_route.repeat_interval) == (
        ("rule",), 60, 300, 4 * 3600)
    [route] = a.routes
    assert route.match == (("team", "=", "drift"), ("severity", "=~", "crit.*"))
    assert route.group_wait == 60 and route.active_calendar == "office" and route.continue_
    assert a.receivers["am"].channel == "alertmanager" and a.receivers["desk"].send_resolved
    rules = {r.id: r for r in a.rules}
    assert rules["calls"].for_ == 7200 and rules["calls"].statuses == ("not_achieved",)
    assert rules["risk"].share == 0.8 and rules["risk"].indicators == ("acute",)
    assert rules["old"].limit == 30 * 86400 and rules["old"].max_count == 5
    assert rules["stale"].after == 3600 and rules["stale"].sources == ("tele",)
    assert rules["dq"].max_reject_share is None and rules["dq"].min_records_share == 0.5
    assert cfg.language == "sv"


def test_no_table_is_off() -> None:
    cfg = parse_config(BASE, env={})
    assert not cfg.alerts.enabled and cfg.alerts.rules == ()


def test_implicit_tls_port_and_english() -> None:
    cfg = _parse({"smtp": {"host": "relay", "tls": True}, "from": "k@x.se",
                  "receivers": {"r": {"email": "a@x.se"}}, "receiver": "r"}, language="en")
    assert cfg.alerts.smtp is not None and cfg.alerts.smtp.port == 465
    assert not cfg.alerts.smtp.starttls and cfg.language == "en"


def test_every_error_at_once() -> None:
    with pytest.raises(ConfigError) as e:
        _parse({
            "smtp": {"host": "relay", "username": "u", "starttls": False, "colour": 1},
            "from": "kpimon\r\nBcc: x@y",
            "external_url": "ftp://x",
            "active_calendar": "nope",
            "receivers": {"desk": {"email": ["not an address"], "resend_interval": "1m"},
                          "both": {"email": ["a@b.se"], "alertmanager": "http://x"}},
            "routes": [{"receiver": "ghost", "group_wait": "99999d"}],
            "inhibit": [{"source_match": {"severity": "critical"}}],
            "rules": [
                {"id": "a", "kind": "indicator_status", "indicator": "nope", "status": "bad"},
                {"id": "a", "kind": "source_failing", "source": "ghost"},
                {"id": "c", "kind": "target_unreachable", "indicator": "open_30d"},
                {"id": "d", "kind": "tickets_at_risk", "indicator": "calls_20s", "share": 1.5},
                {"id": "e", "kind": "open_older"},
                {"id": "f", "kind": "teleport"},
                {"id": "g", "kind": "reload_failed", "labels": {"rule": "x"}, "for": "soon"},
                {"id": "h", "kind": "indicator_status", "indicator": "info"},
            ]}, language="fi")
    assert e.value.errors == [
        "language: 'fi' is not one of sv, en",
        "alerts.smtp.colour: unknown key for [alerts.smtp]",
        "alerts.smtp.username: a login without TLS would send the password in clear; "
        "set starttls = true or tls = true",
        "alerts.from: 'kpimon\\r\\nBcc: x@y' is not an e-mail address",
        "alerts.external_url: 'ftp://x' is not an http(s):// URL",
        "alerts.receivers.desk.email[0]: 'not an address' is not an e-mail address",
        "alerts.receivers.desk.resend_interval: only for an alertmanager receiver (the "
        "relay's are [alerts.smtp] keys)",
        "alerts.receivers.both: give either email = [addresses] or alertmanager = \"URL\"",
        "alerts.routes[0].group_wait: at most 3650d",
        "alerts.inhibit[0]: needs source_match and target_match",
        "alerts.rules[0].status: 'bad' is not one of not_achieved, partial, no_value",
        "alerts.rules[1].id: 'a' is used twice",
        "alerts.rules[3].share: a share between 0 and 1 (0.05 is 5 %)",
        "alerts.rules[4].limit: required",
        "alerts.rules[5].kind: 'teleport' is not one of indicator_status, target_unreachable, "
        "tickets_at_risk, open_older, source_failing, source_stale, data_quality, "
        "reload_failed",
        "alerts.rules[6].labels.rule: set by kpimon itself",
        "alerts.rules[6].for: 'soon' is not a duration like 30s, 5m, 2h, 2d, 1w or 1mo",
        "alerts.routes[0].receiver: no receiver named 'ghost'",
        "alerts.active_calendar: no calendar named 'nope'",
        "alerts.rules[0].indicator: no indicator named 'nope'",
        "alerts.rules[1].source: no source named 'ghost'",
        "alerts.rules[2].indicator: 'open_30d' (open_older_than, target fall) cannot become "
        "unreachable: only shares with an absolute target and missing_solution/status_flow "
        "with a <= target can",
        "alerts.rules[3].indicator: 'calls_20s' is a call_service_level indicator; tickets at "
        "risk need a clock (response_within or resolution_within)",
        "alerts.rules[7].indicator: 'info' has no target, so no status",
    ]


def test_check_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kpimon.toml"
    path.write_text(f'database = "sqlite:///{tmp_path}/k.db"\n[alerts]\nreceiver = "x"\n'
                    '[[alerts.rules]]\nid = "r"\nkind = "reload_failed"\nfor = "1y"\n',
                    encoding="utf-8")
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "alerts.receiver: no receiver named 'x'" in err
    assert "alerts.rules[0].for:" in err
