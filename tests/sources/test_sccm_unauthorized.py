"""sccm: a 401 is a permanent SourceError naming the user (and never the password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpimon.sources.base import SourceError
from tests.sources.sccm_server import (
    AdminService,
    FakeDevice,
    clear_ca_env,
    collect_once,
    sccm_config,
)


def test_wrong_password_is_a_permanent_error_naming_the_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    with AdminService([FakeDevice("PC001")], tmp_path) as srv:
        cfg = sccm_config(srv.base_url, ca_bundle=str(srv.ca_path), password="wrong-pw")
        with pytest.raises(SourceError) as exc:
            collect_once(cfg)
    assert exc.value.permanent
    assert exc.value.message == "SCCM refused the credentials for user svc-kpimon"
    assert "wrong-pw" not in str(exc.value)
    assert [r.status for r in srv.requests] == [401]  # not retried


def test_forbidden_names_the_missing_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    with AdminService([FakeDevice("PC001")], tmp_path, fail_status=403) as srv:
        with pytest.raises(SourceError) as exc:
            collect_once(sccm_config(srv.base_url, ca_bundle=str(srv.ca_path)))
    assert exc.value.permanent
    assert "403" in exc.value.message and "svc-kpimon" in exc.value.message
