"""sccm: the `[[sources]]` keys of the kind, as check-config sees them."""

from __future__ import annotations

import pytest

from kpimon.config import ConfigError, parse_config


def source(**keys: object) -> dict[str, object]:
    return {"sources": [{"name": "sccm", "kind": "sccm",
                         "url": "https://sccm.kommun.local/AdminService",
                         "username": "KOMMUN\\svc-kpimon", "password": "x", "every": "1h",
                         **keys}]}


def test_full_sccm_source_is_accepted() -> None:
    cfg = parse_config(source(auth="ntlm", ca_bundle="/etc/kpimon/sccm-ca.pem",
                              select=["Name", "OperatingSystemNameandVersion"],
                              name_field="NetbiosName",
                              device_filter={"client": True, "active": "any",
                                             "obsolete": False, "decommissioned": False,
                                             "type": "workstation"}), env={})
    src = cfg.source("sccm")
    assert src.auth == "ntlm"
    assert src.device_filter["type"] == "workstation"
    assert src.select == ("Name", "OperatingSystemNameandVersion")


def test_bad_device_filter_reports_every_key() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(source(auth="kerberos",
                            device_filter={"type": "laptop", "client": "yes", "owner": "x"}),
                     env={})
    assert sorted(exc.value.errors) == sorted([
        "sources[0].auth: 'kerberos' is not one of basic, ntlm, negotiate (source \"sccm\")",
        "sources[0].device_filter.type: expected one of workstation, server, all "
        '(source "sccm")',
        'sources[0].device_filter.client: expected true, false or "any" (source "sccm")',
        "sources[0].device_filter.owner: unknown key for a device filter (source \"sccm\")",
    ])
