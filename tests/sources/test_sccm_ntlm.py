"""sccm: auth = "ntlm" against a real NTLM acceptor (pyspnego) on one keep-alive connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from tests.sources.sccm_server import (
    AdminService,
    FakeDevice,
    clear_ca_env,
    collect_once,
    device_names,
    sccm_config,
)

pytest.importorskip("requests_ntlm", reason="the ntlm extra is not installed")
pytest.importorskip("spnego", reason="pyspnego (test extra) is not installed")


def ntlm_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptor's credential store, in the `DOMAIN:user:password` format pyspnego reads."""
    store = tmp_path / "ntlm-users"
    store.write_text("KOMMUN:svc-kpimon:S3cret!\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(store))


def test_ntlm_handshake_then_both_pages_on_one_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    ntlm_users(tmp_path, monkeypatch)
    fakes = [FakeDevice("PC001"), FakeDevice("PC002"), FakeDevice("PC003")]
    with AdminService(fakes, tmp_path, auth="ntlm", page_size=2) as srv:
        cfg = sccm_config(srv.base_url, ca_bundle=str(srv.ca_path), auth="ntlm",
                          username="KOMMUN\\svc-kpimon")
        batches = collect_once(cfg)

    assert device_names(batches[0]) == ["PC001", "PC002", "PC003"]
    statuses = [r.status for r in srv.requests]
    # 401 offering NTLM, 401 carrying the challenge, then the two pages.
    assert statuses == [401, 401, 200, 200]
    assert (srv.requests[1].authorization or "").startswith("NTLM ")  # negotiate message
    assert (srv.requests[2].authorization or "").startswith("NTLM ")  # authenticate message
    # NTLM authenticates the connection: the second page needs no new handshake.
    assert srv.requests[3].authorization is None
    assert len({r.connection for r in srv.requests}) == 1
    assert srv.requests[2].user is not None
    assert srv.requests[2].user.lower() == "kommun\\svc-kpimon"


def test_ntlm_wrong_password_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    ntlm_users(tmp_path, monkeypatch)
    with AdminService([FakeDevice("PC001")], tmp_path, auth="ntlm") as srv:
        cfg = sccm_config(srv.base_url, ca_bundle=str(srv.ca_path), auth="ntlm",
                          username="KOMMUN\\svc-kpimon", password="wrong")
        with pytest.raises(SourceError) as exc:
            collect_once(cfg)
    assert exc.value.permanent
    assert exc.value.message == "SCCM refused the credentials for user KOMMUN\\svc-kpimon"
    assert all(r.status == 401 for r in srv.requests)
