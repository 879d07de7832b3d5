"""sccm: an `@odata.nextLink` to another server (another host or port) is not followed — the
credentials go with every request — and one that is not a URL at all (`http://[::1`) fails the
collection in words; neither stores a partial inventory. Two real local servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kpimon.config import SourceConfig
from kpimon.sources.base import SourceError
from kpimon.sources.sccm import SccmSource
from tests.sources.fuzz_inputs import context


class _Server:
    def __init__(self, body: dict[str, object]):
        self.body = body
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                data = json.dumps(owner.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    other = _Server({"value": [{"Name": "STOLEN"}]})
    first = _Server({"value": [{"Name": "PC001"}]})
    yield first, other
    first.close()
    other.close()


def _collect(url: str) -> None:
    config = SourceConfig(name="sccm", kind="sccm", every=3600, retries=0, timeout=5.0,
                          url=url + "/AdminService/wmi/SMS_R_System", username="svc",
                          password="pw")
    for batch in SccmSource(config).collect(context(config)):
        list(batch.items)


@pytest.mark.parametrize("link", ["{other}/AdminService/wmi/SMS_R_System?$skiptoken=1",
                                  "http://[::1"])
def test_a_next_link_elsewhere_is_not_followed(servers: tuple[_Server, _Server],
                                               link: str) -> None:
    first, other = servers
    first.body["@odata.nextLink"] = link.format(other=other.url)
    with pytest.raises(SourceError) as failed:
        _collect(first.url)
    assert "another server" in failed.value.message or "not a URL" in failed.value.message
    assert other.hits == [] and len(first.hits) == 1
