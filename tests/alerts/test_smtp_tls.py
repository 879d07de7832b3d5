"""The relay over TLS with a test CA (trustme): STARTTLS with a login, and implicit TLS; the
certificate is verified against `ca_bundle`, so a relay the CA did not sign is refused and
nothing is sent in clear. The password never reaches the log, the outbox or an error."""

from __future__ import annotations

import logging
import ssl
from datetime import timedelta
from pathlib import Path

import pytest
import trustme

from tests.alerts.bench import Bench, at, write_config
from tests.alerts.smtp_server import SmtpServer

PASSWORD = "s3cret-relay-pw"


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def _smtp(port: int, tmp: Path, ca_bundle: Path | None, **kw: str) -> str:
    (tmp / "smtp.pw").write_text(PASSWORD + "\n", encoding="utf-8")
    extra = "".join(f", {k} = {v}" for k, v in kw.items())
    bundle = f', ca_bundle = "{ca_bundle}"' if ca_bundle else ""
    return (f'{{ host = "127.0.0.1", port = {port}, username = "kpimon", '
            f'password_file = "{tmp / "smtp.pw"}", timeout = "5s"{bundle}{extra} }}')


# aiosmtpd counts only STARTTLS as TLS and warns about AUTH over implicit TLS; it is TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_tls_with_a_test_ca(tmp_path: Path, db_url: str, mode: str,
                            caplog: pytest.LogCaptureFixture) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    users = {"kpimon": PASSWORD}
    if mode == "starttls":
        server = SmtpServer(tls_context=_server_context(ca), require_starttls=True, users=users)
        smtp = _smtp(server.port, tmp_path, bundle)
    else:
        server = SmtpServer(ssl_context=_server_context(ca), users=users)
        smtp = _smtp(server.port, tmp_path, bundle, tls="true")
    with server, caplog.at_level(logging.DEBUG):
        b = Bench(write_config(tmp_path, db_url, server.port, smtp=smtp))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            assert b.tick(t0) == 1
            assert server.wait_for(1)[0].message["Subject"].startswith("[kpimon] 1 indikator")
        finally:
            b.close()
    assert PASSWORD not in caplog.text


def test_untrusted_certificate_is_refused(tmp_path: Path, db_url: str) -> None:
    ca, other = trustme.CA(), trustme.CA()
    bundle = tmp_path / "other.pem"
    other.cert_pem.write_to_path(str(bundle))  # not the CA that signed the relay
    with SmtpServer(tls_context=_server_context(ca), require_starttls=True,
                    users={"kpimon": PASSWORD}) as server:
        b = Bench(write_config(tmp_path, db_url, server.port,
                               smtp=_smtp(server.port, tmp_path, bundle)))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            assert b.tick(t0) == 0
            [n] = [n for n in b.notifications() if n.status == "ready"]
            assert "CERTIFICATE_VERIFY_FAILED" in (n.last_error or "")
            assert PASSWORD not in (n.last_error or "") + (n.payload or "")
            assert server.messages == [] and not server.handler.entered_data.is_set()
            assert b.send(t0 + timedelta(seconds=10)) == 0
        finally:
            b.close()


def test_no_starttls_offered_is_refused(tmp_path: Path, db_url: str) -> None:
    with SmtpServer() as server:  # plain SMTP, no STARTTLS
        smtp = (f'{{ host = "127.0.0.1", port = {server.port}, starttls = true, '
                f'timeout = "5s" }}')
        b = Bench(write_config(tmp_path, db_url, server.port, smtp=smtp))
        try:
            t0 = at("2026-11-10 10:00")
            b.record("calls", 0.5, t0)
            assert b.tick(t0) == 0
            [n] = [n for n in b.notifications() if n.status == "ready"]
            assert "STARTTLS" in (n.last_error or "") and server.messages == []
        finally:
            b.close()
