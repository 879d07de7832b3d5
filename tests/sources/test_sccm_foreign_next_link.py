"""sccm: an `@odata.nextLink` to another server (another host or port) is not followed — the
credentials go with every request — and one that is not a URL at all (`http://[::1`) fails the
collection in words; neither stores a partial inventory. Two real local servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kpimon.config import SourceConfig
from kpimon.sources.base import SourceError
from kpimon.sources.sccm import SccmSource
from tests.sources.fuzz_inputs import context
from tests.sources.json_server import JsonServer


@pytest.fixture
def servers() -> Iterator[tuple[JsonServer, JsonServer]]:
    other = JsonServer({"value": [{"Name": "STOLEN"}]})
    first = JsonServer({"value": [{"Name": "PC001"}]})
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
def test_a_next_link_elsewhere_is_not_followed(servers: tuple[JsonServer, JsonServer],
                                               link: str) -> None:
    first, other = servers
    first.body["@odata.nextLink"] = link.format(other=other.url)
    with pytest.raises(SourceError) as failed:
        _collect(first.url)
    assert "another server" in failed.value.message or "not a URL" in failed.value.message
    assert other.hits == [] and len(first.hits) == 1
