"""Config values: ${ENV} expansion, *_file secrets, durations, defaults, day length."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.config import ConfigError, parse_config
from kpimon.durations import parse_duration


def _source(**extra: object) -> dict[str, object]:
    src: dict[str, object] = {
        "name": "efecte", "kind": "efecte_rest", "url": "https://x/rest-api/itsm/v1", "every": "5m",
        "templates": ["incident"],
        "fields": {"id": "efecte_id", "created": "created", "status": "status",
                   "priority": "priority", "updated": "updated"},
        "values": {"priority": {"1. Akut": "acute"}, "status": {"01 - Ny": "new"}},
    }
    src.update(extra)
    return src


def test_env_expansion_and_literal_dollar() -> None:
    cfg = parse_config({"database": "sqlite:///${DIR}/k.db", "orgs": ["A$$B"]},
                       env={"DIR": "/srv"})
    assert cfg.database == "sqlite:////srv/k.db"
    assert cfg.orgs == ("A$B",)


def test_missing_env_is_an_error_with_its_path() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"sources": [_source(username="${EFECTE_USER}")]}, env={})
    assert e.value.errors == ['sources[0].username: environment variable EFECTE_USER is not set '
                              '(source "efecte")']


def test_password_file_is_read_and_never_in_errors(tmp_path: Path) -> None:
    secret = tmp_path / "efecte"
    secret.write_text("s3cret-pass\n", encoding="utf-8")
    cfg = parse_config({"sources": [_source(password_file=str(secret))]}, env={})
    assert cfg.sources[0].password == "s3cret-pass"
    assert cfg.secrets == ("s3cret-pass",)
    with pytest.raises(ConfigError) as e:
        parse_config({"sources": [_source(password="a", password_file=str(secret),
                                          every="never")]}, env={})
    assert not any("s3cret" in x for x in e.value.errors)
    assert len(e.value.errors) == 2


def test_durations() -> None:
    assert parse_duration("30m").seconds() == 1800
    assert parse_duration("2d").seconds() == 172800
    assert parse_duration("2d").seconds(day_length=9 * 3600) == 18 * 3600
    assert parse_duration("1mo").seconds() == 30 * 86400
    with pytest.raises(ValueError):
        parse_duration("1w").seconds(day_length=3600)
    with pytest.raises(ValueError):
        parse_duration("5 minutes")


def test_day_length_defaults_to_longest_day() -> None:
    cfg = parse_config({
        "calendars": {"office": {"hours": {"mon": ["08:00-17:00"], "fri": ["08:00-16:00"]}}},
        "indicators": [{"id": "o", "kind": "resolution_within", "threshold": "2d",
                        "calendar": "office"}]}, env={})
    assert cfg.indicator("o").threshold == 18 * 3600


def test_defaults() -> None:
    cfg = parse_config({}, env={})
    assert (cfg.http.listen_host, cfg.http.listen_port) == ("127.0.0.1", 9817)
    assert cfg.timezone == "Europe/Stockholm"
    assert cfg.database.startswith("sqlite:///")
    assert "24x7" in cfg.calendars
