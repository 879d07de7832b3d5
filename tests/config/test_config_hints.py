"""Errors a person can act on: a typo gets "did you mean", an error under a source names the
source (`sources[2].every: … (source "cmdb")`), a missing `every` is reported, and a UTC time
zone with exports in local time is a warning."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kpimon.cli import main
from kpimon.config import ConfigError, parse_config

SOURCES = """
[[sources]]
name = "efecte_export"
kind = "ticket_csv"
path = "/srv/drop/*.csv"
every = "5m"
values.priority = { "1" = "acute" }
values.status = { "Ny" = "new" }

[[sources]]
name = "telefoni"
kind = "ace_csv"
path = "/srv/ace/*.csv"
every = "15m"

[[sources]]
name = "cmdb"
kind = "inventory_csv"
path = "/srv/cmdb.csv"
every = "fem minuter"
"""


def _errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as e:
        parse_config(tomllib.loads(text), env={})
    return e.value.errors


def test_the_source_is_named_after_the_message() -> None:
    errors = _errors(SOURCES)
    assert errors == ["sources[2].every: 'fem minuter' is not a duration like 30s, 5m, 2h, 2d, "
                      '1w or 1mo (source "cmdb")']


def test_a_typo_gets_did_you_mean() -> None:
    text = 'timezon = "Europe/Stockholm"\n' + SOURCES.replace('every = "fem minuter"',
                                                                'every = "1h"\nsettel = "1s"')
    text = text.replace('values.priority', 'fields = { id = "Id", created = "Skapad", '
                        'status = "Status", prioritet = "Prio" }\nvalues.priority')
    errors = _errors(text)
    assert 'timezon: unknown key (did you mean "timezone"?)' in errors
    assert ('sources[2].settel: unknown key for an inventory_csv source (did you mean '
            '"settle"?) (source "cmdb")') in errors
    assert ('sources[0].fields.prioritet: unknown key for a ticket field (did you mean '
            '"priority"?) (source "efecte_export")') in errors
    # A word far from every key gets no guess.
    assert any(e.startswith("sources[0].fields.priority: required") for e in errors)


def test_references_to_ids_suggest_the_nearest() -> None:
    text = SOURCES.replace('"fem minuter"', '"1h"') + """
[[sources]]
name = "sccm"
kind = "inventory_csv"
path = "/srv/sccm.csv"
every = "1h"

[[indicators]]
id = "computers"
kind = "asset_reconciliation"
a = "cmbd"
b = "sccm"

[[goals]]
id = "intern"
indicators = ["computer"]
"""
    assert _errors(text) == [
        "indicators[0].a: no source named 'cmbd' (did you mean \"cmdb\"?)",
        "goals[0].indicators[0]: no indicator named 'computer' (did you mean \"computers\"?)"]


def test_a_missing_every_is_reported() -> None:
    text = SOURCES.replace('every = "15m"\n', "").replace('"fem minuter"', '"1h"')
    assert _errors(text) == [
        'sources[1].every: required: how often the daemon collects this source, e.g. '
        'every = "15m" (source "telefoni")']


def test_an_unnamed_source_keeps_the_plain_path() -> None:
    errors = _errors('[[sources]]\nkind = "ace_csv"\npath = "/srv/*.csv"\nevery = "1h"\n')
    assert errors == ["sources[0].name: required"]


def test_utc_with_local_time_exports_is_a_warning(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    text = SOURCES.replace('"fem minuter"', '"1h"')
    local = parse_config(tomllib.loads(text), env={})
    assert local.warnings == ()
    utc = parse_config(tomllib.loads('timezone = "UTC"\n' + text), env={})
    [warning] = utc.warnings
    assert warning.startswith("timezone: 'UTC' reads every time without an offset in the "
                              "exports of efecte_export, telefoni as UTC")
    assert "Europe/Stockholm" in warning
    # Inventories carry no times: no warning for them alone.
    only_inventory = text.split("[[sources]]\nname = \"cmdb\"")[1]
    assert parse_config(tomllib.loads('timezone = "UTC"\n[[sources]]\nname = "cmdb"'
                                      + only_inventory), env={}).warnings == ()

    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(f'timezone = "UTC"\ndatabase = "sqlite:///{tmp_path}/k.db"\n' + text,
                   encoding="utf-8")
    assert main(["--config", str(cfg), "check-config"]) == 0
    out, err = capsys.readouterr()
    assert "warning: timezone: 'UTC' reads every time" in err
    assert "ok" in out
