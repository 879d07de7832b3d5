"""sccm: every page of the AdminService answer is read, through Basic auth and the site's CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.sccm_server import (
    COLLECTED_AT,
    AdminService,
    FakeDevice,
    clear_ca_env,
    collect_once,
    devices,
    sccm_config,
)


def test_two_pages_via_next_link_make_one_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    fakes = [FakeDevice("PC001"), FakeDevice("pc002.kommun.local"), FakeDevice("PC003")]
    with AdminService(fakes, tmp_path, page_size=2) as srv:
        batches = collect_once(sccm_config(srv.base_url, ca_bundle=str(srv.ca_path)))

    assert len(batches) == 1
    batch = batches[0]
    assert batch.snapshot is True
    items = devices(batch)
    assert len(items) == len(list(batch.items))  # no rejects
    # Names are kept exactly as SCCM gives them; normalising is the engine's job.
    assert [d.name for d in items] == ["PC001", "pc002.kommun.local", "PC003"]
    assert all(d.source == "sccm" and d.seen_at == COLLECTED_AT
               for d in items)
    assert all(d.attrs == {"os": "Microsoft Windows NT Workstation 10.0"} for d in items)

    ok = [r for r in srv.requests if r.status == 200]
    assert len(ok) == 2
    assert ok[1].query["$skiptoken"] == ["2"]
    selected = ok[0].query["$select"][0].split(",")
    assert "Name" in selected and "OperatingSystemNameandVersion" in selected
    # Personal data is never asked for.
    assert "LastLogonUserName" not in selected
    # Basic auth was checked by the server on every request.
    assert all(r.user == "svc-kpimon" for r in ok)
