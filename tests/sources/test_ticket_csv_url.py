"""ticket_csv with an `url`: the export is fetched from a real local HTTP server through the
shared HTTP helper; an unchanged export is not imported again, a changed one is — on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http_server import LocalServer, QuietHandler
from tests.sources.ticket_csv_files import (
    collect,
    config,
    csv_text,
    open_store,
    row,
    stored_rejects,
    stored_tickets,
)


class _Export(QuietHandler):
    body = b""
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).requests.append(self.path)
        self.reply(200, self.body, {"Content-Type": "text/csv; charset=windows-1252"})


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Export]]]:
    handler = type("Export", (_Export,), {"body": b"", "requests": []})
    with LocalServer(handler) as httpd:
        yield f"{httpd.origin}/export/arenden.csv?key=s3cret", handler


def test_url_export(tmp_path: Path, db_url: str, server: tuple[str, type[_Export]]) -> None:
    url, handler = server
    handler.body = csv_text([row("U1", org="Laxå"), row("U2", priority="9. Okänd")]).encode(
        "cp1252")
    store = open_store(db_url)
    cfg = config(tmp_path, path=None, url=url, retries=0, timeout=5.0)
    first = collect(store, cfg)
    assert (first.batches, first.counts.inserted, first.counts.rejected) == (1, 1, 1)
    assert stored_tickets(store)["U1"].org == "Laxå"
    [reject] = stored_rejects(store)
    # Where: the URL without its query string, which may carry a secret.
    assert reject.location.endswith("/export/arenden.csv") and "s3cret" not in reject.location
    assert reject.row == 3

    again = collect(store, cfg)  # the same export: fetched, recognised, not imported
    assert (again.batches, again.counts.records) == (0, 0)
    assert len(handler.requests) == 2

    handler.body = csv_text([row("U1", org="Lekeberg", updated="2020-03-06 10:00")]).encode(
        "cp1252")
    changed = collect(store, cfg)
    assert (changed.batches, changed.counts.updated) == (1, 1)
    assert stored_tickets(store)["U1"].org == "Lekeberg"
