"""A `${ENV}` token in a source URL's *path* (`https://host/api/${TOKEN}/tickets.csv`) is kept
nowhere in clear: after a collection from a real local HTTP server, no text in any table of the
store holds it — not the name of an imported file (`imported_files.path`, `file_key`), not
that of a file that failed as a whole (`file_failures`), not a reject's location (a CSV export,
an inventory whose file name is the token, an SCCM AdminService), not a run's error — and
neither the log (at DEBUG) nor `kpimon collect`'s output shows it. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import MetaData, inspect, select

from kpimon.cli import main
from kpimon.redact import LONG_QUERY_VALUE, MIN_SECRET_LENGTH, encoded_forms
from kpimon.store import Store
from kpimon.store import tables as t
from tests.fixtures.board.kit import FIELDS, HEADER, VALUES
from tests.http_server import LocalServer, QuietHandler

# Too short, and in a path rather than a query, for any URL rule to find: only the
# configuration's own secrets (values taken from the environment) can mask it.
TOKEN = "pAth7Tok3n"
TICKETS = "\n".join([";".join(HEADER),
                     "A1;Incident;3. Normal;01 - Ny;2020-03-02 08:00;;;;;;;;;2020-03-02 08:00",
                     "A2;Incident;9. Okänd;01 - Ny;2020-03-02 09:00;;;;;;;;;2020-03-02 09:00"])
BROKEN = "Nummer;Rubrik\n1;a ticket\n"  # a header that does not fit the field map
INVENTORY = "Datornamn;OS\nPC-001;Windows 11\n;Windows 11\n"  # one row without a name
SCCM = {"value": [{"Name": "PC-001", "Client": True, "Active": True, "Obsolete": False,
                   "Decommissioned": False, "ResourceId": 1},
                  {"Name": "", "Client": True, "Active": True, "Obsolete": False,
                   "Decommissioned": False, "ResourceId": 2}]}


class _Exports(QuietHandler):
    """Serves each export under a path that holds the token."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        bodies = {f"/api/{TOKEN}/tickets.csv": TICKETS.encode("utf-8-sig"),
                  f"/api/{TOKEN}/broken.csv": BROKEN.encode(),
                  f"/inventory/{TOKEN}": INVENTORY.encode(),
                  f"/sccm/{TOKEN}/AdminService/wmi/SMS_R_System": json.dumps(SCCM).encode()}
        body = bodies.get(path)
        if body is None:
            self.reply(404, f"no {path}".encode())
        else:
            self.reply(200, body)


@pytest.fixture
def port() -> Iterator[int]:
    with LocalServer(_Exports) as server:
        yield server.port


def _config(tmp: Path, db_url: str, port: int) -> Path:
    base = f"http://127.0.0.1:{port}"
    common = "every = \"1h\"\nretries = 0\ntimeout = 5"
    cfg = tmp / "kpimon.toml"
    cfg.write_text(f"""
database = "{db_url}"

[[sources]]
name = "export"
kind = "ticket_csv"
url = "{base}/api/${{API_TOKEN}}/tickets.csv"
{common}
{FIELDS}
{VALUES}

[[sources]]
name = "broken"
kind = "ticket_csv"
url = "{base}/api/${{API_TOKEN}}/broken.csv"
{common}
{FIELDS}
{VALUES}

[[sources]]
name = "cmdb"
kind = "inventory_csv"
url = "{base}/inventory/${{API_TOKEN}}"
{common}

[[sources]]
name = "sccm"
kind = "sccm"
url = "{base}/sccm/${{API_TOKEN}}/AdminService/wmi"
auth = "basic"
username = "kpimon"
password = "sccm-password"
{common}
""", encoding="utf-8")
    return cfg


def _stored_texts(db_url: str) -> dict[str, list[str]]:
    """Every text value in every table of the store, by `table.column`."""
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            meta = MetaData()
            meta.reflect(conn, only=inspect(conn).get_table_names())
            texts: dict[str, list[str]] = {}
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)):
                    for col, value in zip(table.columns, row, strict=True):
                        if isinstance(value, bytes):
                            value = value.decode("latin-1")
                        if isinstance(value, str):
                            texts.setdefault(f"{table.name}.{col.name}", []).append(value)
            return texts
    finally:
        store.close()


@pytest.mark.timeout(90)
def test_a_token_in_a_url_path_is_stored_nowhere(tmp_path: Path, db_url: str, port: int,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert MIN_SECRET_LENGTH <= len(TOKEN) < LONG_QUERY_VALUE
    monkeypatch.setenv("API_TOKEN", TOKEN)
    cfg = _config(tmp_path, db_url, port)
    # `broken` fails as a whole, so the collection fails; every other source succeeds.
    assert main(["--config", str(cfg), "--log-level", "DEBUG", "collect"]) == 1
    out = capsys.readouterr()

    texts = _stored_texts(db_url)
    base = f"http://127.0.0.1:{port}"
    # Each kind of label was stored, named with the token masked.
    assert texts["imported_files.path"] == [f"{base}/api/***/tickets.csv"]
    assert texts["file_failures.path"] == [f"{base}/api/***/broken.csv"]
    assert sorted(texts["rejects.location"]) == sorted([
        f"{base}/api/***/tickets.csv", "***", f"{base}/sccm/***/AdminService/wmi/SMS_R_System"])
    assert any("the header lacks" in e for e in texts["collection_runs.error"])
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            ok = {r.source for r in conn.execute(select(t.collection_runs)) if r.ok}
    finally:
        store.close()
    assert ok == {"export", "cmdb", "sccm"}

    forms = encoded_forms(TOKEN)
    for where, values in texts.items():
        for value in values:
            assert not any(f in value for f in forms), (where, value)
    assert "broken.csv" in out.err and "the header lacks" in out.out
    for said in (out.err, out.out):
        assert not any(f in said for f in forms), said
