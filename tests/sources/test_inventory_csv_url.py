"""inventory_csv with an `url`: the export is fetched through the shared HTTP helper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kpimon.config import SourceConfig
from tests.sources.inventory_files import collect, device_names

BODY = "Datornamn\r\nPC001\r\nPC002\r\n".encode("cp1252")


class _Export(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Last-Modified", "Wed, 25 Nov 2026 22:00:00 GMT")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def export_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Export)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/export/datorer.csv"
    server.shutdown()
    server.server_close()


def test_names_from_url_seen_at_last_modified(export_url: str) -> None:
    cfg = SourceConfig(name="cmdb", kind="inventory_csv", every=3600, url=export_url,
                       retries=0, timeout=5.0)
    [batch] = collect(cfg)
    assert batch.snapshot and batch.file_key is None
    assert device_names(batch) == ["PC001", "PC002"]
    assert all(d.seen_at == datetime(2026, 11, 25, 22, 0, tzinfo=UTC) for d in batch.items
               if hasattr(d, "seen_at"))
