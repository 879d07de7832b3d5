"""sccm: the device filter — workstations vs servers; obsolete, decommissioned and non-clients
left out by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from tests.sources.sccm_server import (
    SERVER_OS,
    AdminService,
    FakeDevice,
    clear_ca_env,
    collect_once,
    device_names,
    sccm_config,
)

DEVICES = [
    FakeDevice("PC001"),
    FakeDevice("PC002", active=False),
    FakeDevice("PC003", obsolete=True),
    FakeDevice("PC004", decommissioned=True),
    FakeDevice("PC005", client=None, obsolete=None, decommissioned=None, os=None),  # discovered
    FakeDevice("SRV-FIL01", os=SERVER_OS),
    FakeDevice("SRV-OLD", os=SERVER_OS, obsolete=True),
    FakeDevice("PC006", obsolete=None, decommissioned=None),  # null flags count as false
]


def names(tmp_path: Path, device_filter: dict[str, object]) -> list[str]:
    with AdminService(list(DEVICES), tmp_path, page_size=3) as srv:
        cfg = sccm_config(srv.base_url, ca_bundle=str(srv.ca_path), device_filter=device_filter)
        return device_names(collect_once(cfg)[0])


def test_defaults_keep_clients_that_are_neither_obsolete_nor_decommissioned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    assert names(tmp_path, {}) == ["PC001", "PC002", "SRV-FIL01", "PC006"]


def test_workstations_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    assert names(tmp_path, {"type": "workstation"}) == ["PC001", "PC002", "PC006"]


def test_servers_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    assert names(tmp_path, {"type": "server"}) == ["SRV-FIL01"]


def test_active_and_any(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    assert names(tmp_path, {"active": True, "type": "workstation"}) == ["PC001", "PC006"]
    assert names(tmp_path, {"client": "any", "obsolete": "any", "decommissioned": "any",
                            "type": "workstation"}) == \
        ["PC001", "PC002", "PC003", "PC004", "PC005", "PC006"]


def test_bad_filter_is_a_permanent_error() -> None:
    cfg = sccm_config("https://127.0.0.1:9/AdminService", device_filter={"type": "laptop"})
    with pytest.raises(SourceError) as exc:
        collect_once(cfg)
    assert exc.value.permanent and "device_filter.type" in exc.value.message
