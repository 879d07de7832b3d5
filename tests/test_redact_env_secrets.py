"""A short `${ENV}` token under a harmless query name (`?t=`) — too short to look like a token
by itself — is masked because it came from the environment: not in the log (at DEBUG), not in
`kpimon collect`'s output, not in `collection_runs.error`, against a careless real HTTP server
that echoes the request back in its 500 answer. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kpimon.cli import main
from kpimon.redact import LONG_QUERY_VALUE
from kpimon.store import Store
from kpimon.store import tables as t
from tests.fixtures.board.kit import FIELDS, VALUES
from tests.http_server import LocalServer, QuietHandler

TOKEN = "Zq8-w1x"  # short, under a name that says nothing


class _Echo(QuietHandler):
    """Answers every request with a 500 that echoes the request's path and query."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply(500, f"cannot serve {self.path}".encode())


@pytest.fixture
def port() -> Iterator[int]:
    with LocalServer(_Echo) as server:
        yield server.port


@pytest.mark.timeout(60)
def test_a_short_env_token_never_shows(tmp_path: Path, db_url: str, port: int,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert len(TOKEN) < LONG_QUERY_VALUE  # the URL rule alone would not find it
    monkeypatch.setenv("EXPORT_T", TOKEN)
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(f"""
database = "{db_url}"
[[sources]]
name = "export"
kind = "ticket_csv"
url = "http://127.0.0.1:{port}/export.csv?t=${{EXPORT_T}}&format=csv"
every = "1h"
retries = 0
timeout = 5
{FIELDS}
{VALUES}
""", encoding="utf-8")
    assert main(["--config", str(cfg), "--log-level", "DEBUG", "collect"]) == 1
    out = capsys.readouterr()
    # The server's answer is in the log (stderr) and in collect's summary, the token masked.
    for said in (out.err, out.out):
        assert "cannot serve /export.csv?t=***&format=csv" in said, said
        assert TOKEN not in said

    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            errors = [r.error or "" for r in conn.execute(select(t.collection_runs))]
    finally:
        store.close()
    assert errors and all("HTTP 500" in e for e in errors)
    assert any("t=***&format=csv" in e for e in errors), errors
    assert not any(TOKEN in e for e in errors), errors
