# ruff: noqa: E501  (the TOML example keeps the long inline tables a sysadmin writes)
"""The config keys of efecte_rest and efecte_xml, as docs/sources/efecte.md shows them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kpimon.config import ConfigError, parse_config
from kpimon.sources import build_adapter
from kpimon.sources.efecte_rest import EfecteRestSource
from kpimon.sources.efecte_xml import EfecteXmlSource

REST = """
[[sources]]
name = "efecte"
kind = "efecte_rest"
url = "https://kommun.efectecloud.com/rest-api/itsm/v1"
username = "kpimon"
password_file = "{secret}"
templates = ["incident", "service_request"]
every = "5m"
full_resync = "1d"
filter = "$status$ != '09 - Raderad'"
fields = {{ id = "efecte_id", priority = "priority", status = "status", created = "created", first_response = "first_response", resolved = "solved_date", resolved_by_line = "solved_by_line", solution = "solution", org = "organization", category = "category", updated = "updated" }}
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "01 - Ny" = "new", "02 - Pågår" = "in_progress", "03 - Väntar" = "waiting", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
values.kind = {{ "incident" = "incident", "service_request" = "request" }}

[[sources]]
name = "cmdb"
kind = "efecte_rest"
url = "https://kommun.efectecloud.com/rest-api/itsm/v1"
username = "kpimon"
password_file = "{secret}"
templates = ["workstation", "laptop"]
devices = true
name_field = "hostname"
every = "1h"

[[sources]]
name = "efecte-export"
kind = "efecte_xml"
path = "/var/lib/kpimon/drop/efecte/*.xml"
every = "15m"
settle = "30s"
after = "archive"
archive = "/var/lib/kpimon/archive/efecte"
fields = {{ id = "efecte_id", priority = "priority", status = "status", created = "created", resolved = "solved_date", org = "organization" }}
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "01 - Ny" = "new", "02 - Pågår" = "in_progress", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}

[[sources]]
name = "cmdb-xml"
kind = "efecte_xml"
url = "https://kommun.efectecloud.com/api/itsm"
query = "SELECT entity FROM entity WHERE entity.template.code = 'workstation'"
username = "kpimon-ws"
password_file = "{secret}"
devices = true
name_field = "hostname"
every = "1h"
"""


def test_documented_example_is_valid(tmp_path: Path) -> None:
    secret = tmp_path / "efecte.secret"
    secret.write_text("s3cret\n")
    config = parse_config(tomllib.loads(REST.format(secret=secret)))
    rest, cmdb, export, cmdb_xml = config.sources
    assert rest.password == "s3cret" and rest.full_resync == 86400 and rest.page_size == 200
    assert rest.templates == ("incident", "service_request")
    assert rest.filter == "$status$ != '09 - Raderad'"
    assert cmdb.devices and cmdb.name_field == "hostname"
    assert export.settle == 30 and export.after == "archive"
    assert cmdb_xml.query and cmdb_xml.devices
    assert isinstance(build_adapter(rest), EfecteRestSource)
    assert isinstance(build_adapter(export), EfecteXmlSource)


@pytest.mark.parametrize(("extra", "error"), [
    ('url = "https://x/api/itsm"\npath = "/tmp/*.xml"\nquery = "q"',
     "sources[0].url: give either path (saved exports) or url (search.ws)"),
    ('url = "https://x/api/itsm"', "sources[0].query: required with url"),
])
def test_xml_source_errors(extra: str, error: str) -> None:
    doc = f"""
[[sources]]
name = "x"
kind = "efecte_xml"
devices = true
{extra}
"""
    with pytest.raises(ConfigError) as err:
        parse_config(tomllib.loads(doc))
    assert any(e.startswith(error) for e in err.value.errors), err.value.errors


def test_rest_page_size_is_bounded() -> None:
    doc = """
[[sources]]
name = "x"
kind = "efecte_rest"
url = "https://x/rest-api/itsm/v1"
templates = ["incident"]
devices = true
page_size = 500
every = "1h"
"""
    with pytest.raises(ConfigError, match="page_size: must be between 1 and 200"):
        parse_config(tomllib.loads(doc))
