"""sccm: a relative `@odata.nextLink` that the server echoes back on every page makes each next
URL longer than the last; the source stops once the link passes what a request line may hold,
in words and after a bounded number of pages, instead of following it ever more slowly up to
the page limit (the parser fuzz test met such a link). A real local server."""

from __future__ import annotations

import time

import pytest

from kpimon.config import SourceConfig
from kpimon.sources.base import SourceError
from kpimon.sources.sccm import MAX_URL, SccmSource
from tests.sources.fuzz_inputs import context
from tests.sources.json_server import JsonServer


@pytest.mark.timeout(60)
def test_a_next_link_that_keeps_growing_is_given_up() -> None:
    server = JsonServer({"value": [{"Name": "PC001"}], "@odata.nextLink": "more/page/"})
    try:
        config = SourceConfig(name="sccm", kind="sccm", every=3600, retries=0, timeout=5.0,
                              url=server.url + "/AdminService/wmi/SMS_R_System",
                              username="svc", password="pw")
        started = time.monotonic()
        with pytest.raises(SourceError) as failed:
            for batch in SccmSource(config).collect(context(config)):
                list(batch.items)
        assert f"longer than {MAX_URL} characters" in failed.value.message
        # each page adds 10 characters: about MAX_URL / 10 pages, not the page limit
        assert len(server.hits) <= MAX_URL // 10 + 1
        assert time.monotonic() - started < 30
    finally:
        server.close()
