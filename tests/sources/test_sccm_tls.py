"""sccm: the site's self-signed certificate is trusted through `ca_bundle`, refused without."""

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


def test_certificate_refused_without_ca_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_ca_env(monkeypatch)
    with AdminService([FakeDevice("PC001")], tmp_path) as srv:
        with pytest.raises(SourceError) as exc:
            collect_once(sccm_config(srv.base_url))
        assert "TLS" in exc.value.message
        assert exc.value.permanent
        assert srv.requests == []  # nothing, credentials included, went over the channel

        # The same server is fine once its CA is the source's ca_bundle.
        batches = collect_once(sccm_config(srv.base_url, ca_bundle=str(srv.ca_path)))
        assert device_names(batches[0]) == ["PC001"]
