"""The shared HTTP helper: per-source TLS and proxy settings, waits, retries, redaction."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
import trustme

from kpimon.config import SourceConfig
from kpimon.sources.base import SourceError, SourceStats
from kpimon.sources.http import HttpClient, _stated_wait
from tests.http_server import LocalServer, QuietHandler
from tests.sources.efecte_server import FakeEfecte, FakeSleep, Fault


def client(config: SourceConfig, sleep: FakeSleep | None = None) -> HttpClient:
    return HttpClient(config, SourceStats(), logging.getLogger("test"),
                      sleep=sleep or FakeSleep(), jitter=lambda: 0.5)


def cfg(**kw: object) -> SourceConfig:
    base: dict[str, object] = dict(name="s", kind="efecte_xml", every=60, retries=1, timeout=5.0)
    base.update(kw)
    return SourceConfig(**base)  # type: ignore[arg-type]


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        yield server


class _Hello(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.reply(200, b"ok")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    bundle = tmp_path / "site-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with LocalServer(_Hello, tls=ctx, poll=0.02) as server:
        yield f"{server.origin}/", bundle


def test_per_source_ca_bundle_wins_over_the_environment(
        tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, bundle = tls_server
    # The machine's bundle in the environment does not know the site's own CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    assert client(cfg(ca_bundle=str(bundle))).get(url).text == "ok"
    with pytest.raises(SourceError) as err:
        client(cfg()).get(url)
    assert err.value.permanent and "TLS error talking to 127.0.0.1" in err.value.message


def test_per_source_proxy_wins_over_the_environment(srv: FakeEfecte,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "")
    srv.xml_body = b"<entityset/>"
    http = client(cfg(proxy=srv.origin))
    http.session.auth = ("xmluser", "xml-Pa55")
    resp = http.get("http://efecte.kpimon-test.invalid/api/itsm/search.ws",
                    params={"query": "x"})
    assert resp.content == b"<entityset/>"
    assert srv.of_kind("search")  # the fake server was the proxy


def test_throttling_has_its_own_budget(srv: FakeEfecte) -> None:
    srv.faults += [Fault("search", status=429, body="wait 2 seconds"),
                   Fault("search", status=500, body="oops")]
    sleep = FakeSleep()
    http = client(cfg(retries=1), sleep)
    http.session.auth = ("xmluser", "xml-Pa55")
    assert http.get(srv.xml_url + "/search.ws").status_code == 200
    assert sleep.waits == [2.0, 0.5]
    assert (http.stats.requests, http.stats.retries, http.stats.throttled) == (3, 2, 1)


def test_error_body_dropped_mid_way_is_retried_not_leaked(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("search", mode="drop", status=500, body="x" * 400))
    http = client(cfg(retries=1))
    http.session.auth = ("xmluser", "xml-Pa55")
    assert http.get(srv.xml_url + "/search.ws").status_code == 200


def test_on_error_sees_the_final_failure(srv: FakeEfecte) -> None:
    srv.faults += [Fault("search", status=500, body="<error><code>7</code></error>")] * 2
    seen: list[int] = []
    http = client(cfg(retries=1))
    with pytest.raises(SourceError, match="HTTP 500"):
        http.get(srv.xml_url + "/search.ws", on_error=lambda r: seen.append(r.status_code))
    assert seen == [500]


def test_redaction() -> None:
    http = client(cfg(password="hunter2-pw", proxy="http://proxyuser:pr0xy-pw@proxy:3128"))
    http.add_secret("tok-123456")
    text = http.redact(
        "password hunter2-pw; via http://proxyuser:pr0xy-pw@proxy:3128; Bearer abc.def.ghi; "
        'Basic eHg6eXk=; tok-123456; {"token": "zzz", "password": "yyy"}; '
        "https://u:p4ss@host/x?password=qq&a=1")
    for secret in ("hunter2-pw", "pr0xy-pw", "abc.def.ghi", "eHg6eXk=", "tok-123456", "zzz",
                   "yyy", "p4ss", "qq"):
        assert secret not in text
    assert "proxyuser" in text and "a=1" in text


class _Resp:
    def __init__(self, text: str, headers: dict[str, str] | None = None):
        self.text = text
        self.headers = headers or {}


@pytest.mark.parametrize(("text", "headers", "wait"), [
    ("", {"Retry-After": "30"}, 30.0),
    ("", {"Retry-After": "1.5"}, 1.5),
    ('{"message": "Rate limit exceeded, retry after 7 seconds"}', {}, 7.0),
    ("limit 100 requests per 60 seconds; try again in 5 s", {}, 5.0),
    ('{"retryAfterSeconds": 9}', {}, 9.0),
    ('{"wait": "4"}', {}, 4.0),
    ("Too Many Requests", {}, 1.0),
    ("please wait 100000 seconds", {}, 300.0),  # capped
])
def test_stated_wait(text: str, headers: dict[str, str], wait: float) -> None:
    assert _stated_wait(_Resp(text, headers)) == wait  # type: ignore[arg-type]


def test_stated_wait_from_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 17 <= _stated_wait(_Resp("", {"Retry-After": when})) <= 20  # type: ignore[arg-type]
