"""A file fetched from a URL keeps its identity across fetches: the same content at the same
address is imported once, a changed one again; the token in a query string is not shown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.sources.base import CollectContext
from kpimon.sources.dropfolder import downloaded
from tests.http_server import LocalServer, QuietHandler


def test_same_content_same_key_and_no_token_in_the_label() -> None:
    body = [b"indicator;period;value\nhme;2020;71\n"]

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.reply(200, body[0])

    with LocalServer(Handler) as server:
        url = f"{server.origin}/values.csv?token=s3cret"
        config = SourceConfig(name="m", kind="manual", every=60, url=url)
        ctx = CollectContext(config=config, tz=ZoneInfo("Europe/Stockholm"),
                             now=datetime.now(UTC), log=logging.getLogger("test"))
        with downloaded(config, ctx) as first:
            assert first.path.read_bytes() == body[0]
            assert "s3cret" not in first.label and "s3cret" not in first.key
        assert not first.path.exists()  # the temporary copy is gone
        with downloaded(config, ctx) as again:
            assert again.key == first.key
        body[0] = b"indicator;period;value\nhme;2020;72\n"
        with downloaded(config, ctx) as changed:
            assert changed.key != first.key
