"""inventory_csv with an `url`: the export is fetched through the shared HTTP helper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kpimon.config import SourceConfig
from tests.http_server import LocalServer, QuietHandler
from tests.sources.inventory_files import collect, device_names

BODY = "Datornamn\r\nPC001\r\nPC002\r\n".encode("cp1252")


class _Export(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply(200, BODY, {"Content-Type": "text/csv",
                               "Last-Modified": "Wed, 25 Nov 2026 22:00:00 GMT"})


@pytest.fixture
def export_url() -> Iterator[str]:
    with LocalServer(_Export) as server:
        yield f"{server.origin}/export/datorer.csv"


def test_names_from_url_seen_at_last_modified(export_url: str) -> None:
    cfg = SourceConfig(name="cmdb", kind="inventory_csv", every=3600, url=export_url,
                       retries=0, timeout=5.0)
    [batch] = collect(cfg)
    assert batch.snapshot and batch.file_key is None
    assert device_names(batch) == ["PC001", "PC002"]
    assert all(d.seen_at == datetime(2026, 11, 25, 22, 0, tzinfo=UTC) for d in batch.items
               if hasattr(d, "seen_at"))
