"""sccm: a url ending in /v1.0 reads /v1.0/Device with that route's property names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.sccm_server import (
    SERVER_OS,
    AdminService,
    FakeDevice,
    clear_ca_env,
    collect_once,
    devices,
    sccm_config,
)


def test_v1_device_route(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    fakes = [FakeDevice("PC001"), FakeDevice("PC002", obsolete=True),
               FakeDevice("SRV-FIL01", os=SERVER_OS), FakeDevice("PC003", client=False)]
    with AdminService(fakes, tmp_path, page_size=2) as srv:
        cfg = sccm_config(srv.base_url + "/v1.0/", ca_bundle=str(srv.ca_path),
                          device_filter={"type": "workstation"})
        items = devices(collect_once(cfg)[0])

    assert [d.name for d in items] == ["PC001"]
    assert items[0].attrs == {"os": "Microsoft Windows NT Workstation 10.0"}
    paths = {r.path for r in srv.requests}
    assert paths == {"/AdminService/v1.0/Device"}
    selected = srv.requests[0].query["$select"][0].split(",")
    assert {"Name", "IsClient", "IsObsolete", "IsDecommissioned", "DeviceOS"} <= set(selected)
    assert len(srv.requests) == 2  # two pages
