"""A `${ENV}` token in a source URL's query string and a password in its userinfo never show:
not in the log (at DEBUG), not in `kpimon collect`'s output, not in `collection_runs.error`,
`imported_files.path` or `rejects.location`, and not on the status page or its rejects page —
against a careless real HTTP server that echoes the request back in its 500 answer. On SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kpimon.cli import main
from kpimon.redact import redact, url_label, url_secrets
from kpimon.store import Store
from kpimon.store import tables as t
from tests.fixtures.board.kit import FIELDS, HEADER, VALUES
from tests.http_server import LocalServer, QuietHandler
from tests.web.golden import DaemonThread, get

TOKEN = "tok-Sec/ret+9a8b7c6d5e"
PASSWORD = "Pw-Userinfo-77"
ROWS = ["A1;Incident;3. Normal;01 - Ny;2020-03-02 08:00;;;;;;;;;2020-03-02 08:00",
        "A2;Incident;9. Okänd;01 - Ny;2020-03-02 09:00;;;;;;;;;2020-03-02 09:00"]


class _Careless(QuietHandler):
    """Serves an export, or — while `failing` — a 500 that echoes the request line and the
    Authorization header back, as a careless server may."""

    failing = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if type(self).failing:
            self.reply(500, f"cannot serve {self.path} to "
                            f"{self.headers.get('Authorization')}".encode())
        else:
            self.reply(200, ("\n".join([";".join(HEADER), *ROWS]) + "\n").encode("utf-8-sig"))


@pytest.fixture
def server() -> Iterator[tuple[type[_Careless], int]]:
    handler = type("Handler", (_Careless,), {"failing": True})
    with LocalServer(handler) as srv:
        yield handler, srv.port


def _config(tmp: Path, db_url: str, port: int) -> Path:
    cfg = tmp / "kpimon.toml"
    cfg.write_text(f"""
database = "{db_url}"
language = "en"
[http]
listen = "127.0.0.1:0"

[[sources]]
name = "export"
kind = "ticket_csv"
url = "http://kpimon:{PASSWORD}@127.0.0.1:{port}/export.csv?token=${{EXPORT_TOKEN}}"
every = "1h"
retries = 0
timeout = 5
{FIELDS}
{VALUES}

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
""", encoding="utf-8")
    return cfg


def _clean(text: str) -> None:
    from urllib.parse import quote

    for secret in (TOKEN, quote(TOKEN, safe=""), PASSWORD):
        assert secret not in text


@pytest.mark.timeout(90)
def test_url_secrets_never_show(tmp_path: Path, db_url: str, server: tuple[type[_Careless], int],
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    handler, port = server
    monkeypatch.setenv("EXPORT_TOKEN", TOKEN)
    cfg = _config(tmp_path, db_url, port)
    assert main(["--config", str(cfg), "--log-level", "DEBUG", "collect"]) == 1
    handler.failing = False
    assert main(["--config", str(cfg), "--log-level", "DEBUG", "collect"]) == 0
    out = capsys.readouterr()
    assert "HTTP 500" in out.out + out.err and "export.csv" in out.err
    _clean(out.out + out.err)

    store = Store.open(db_url)
    with store.engine.connect() as conn:
        errors = [r.error or "" for r in conn.execute(select(t.collection_runs))]
        paths = [r.path for r in conn.execute(select(t.imported_files))]
        locations = [r.location for r in conn.execute(select(t.rejects))]
    store.close()
    assert any("HTTP 500" in e for e in errors) and paths and locations
    assert paths == [f"http://127.0.0.1:{port}/export.csv"]
    for text in errors + paths + locations:
        _clean(text)

    handler.failing = True  # the status page then shows a failed collection
    with DaemonThread(cfg, {"EXPORT_TOKEN": TOKEN}) as d:
        d.wait_collected("export")
        page = get(f"{d.url}/").text
        rejects = get(f"{d.url}/rejects?source=export").text
    assert "HTTP 500" in page and "9. Okänd" in rejects
    _clean(page)
    _clean(rejects)


def test_the_helper() -> None:
    url = f"https://kpimon:{PASSWORD}@host/x.csv?format=csv&token={TOKEN}&t=0123456789abcdef0"
    assert set(url_secrets(url)) >= {PASSWORD, TOKEN, "0123456789abcdef0"}
    assert "csv" not in url_secrets(url)
    assert url_label(url) == "https://host/x.csv"
    said = redact(f"GET {url} failed; Authorization: Bearer abc.def.ghi-123; "
                  f"https://u:p4ss@h/?apikey=K3Y&limit=5")
    assert said == ("GET https://kpimon:***@host/x.csv?format=csv&token=***&t=0123456789abcdef0 "
                    "failed; Authorization: Bearer ***; https://u:***@h/?apikey=***&limit=5")
    assert redact(f"t={TOKEN[:4]}…{TOKEN}", [TOKEN]) == f"t={TOKEN[:4]}…***"
