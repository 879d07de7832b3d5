"""web-config.yml `tls_server_config`: the daemon speaks HTTPS with the configured certificate
(paths relative to the web config, as Prometheus reads them); plain HTTP gets nowhere, and a
client that connects and says nothing does not hold up the others."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
from pathlib import Path

import pytest
import trustme

from tests.web.golden import get, golden_daemon


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _web_config(tmp_path: Path, ca: trustme.CA) -> Path:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path / "web"
    folder.mkdir()
    cert.private_key_pem.write_to_path(str(folder / "tls.key"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "tls.crt"))
    path = folder / "web-config.yml"
    path.write_text("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n",
                    encoding="utf-8")
    return path


def test_https_with_the_ca_and_not_plain_http(tmp_path: Path, golden_dir: Path, db_url: str,
                                              ca: trustme.CA) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with golden_daemon(tmp_path, golden_dir, db_url, web_config=_web_config(tmp_path, ca)) as d:
        d.wait_collected("export")
        port = d.daemon.web.port  # type: ignore[union-attr]
        https = f"https://127.0.0.1:{port}"

        r = get(f"{https}/metrics", context=trusting)
        assert r.status == 200 and b"kpimon_source_up" in r.body
        assert get(f"{https}/api/kpis", context=trusting).status == 200

        # Without the CA the certificate is not trusted.
        with pytest.raises(urllib.error.URLError) as e:
            get(f"{https}/metrics", context=ssl.create_default_context())
        assert isinstance(e.value.reason, ssl.SSLCertVerificationError)

        # Plain HTTP on the TLS port gets no HTTP answer.
        with pytest.raises((http.client.HTTPException, OSError)):
            get(f"http://127.0.0.1:{port}/metrics", timeout=5)

        # Still serving after the failed handshakes.
        assert get(f"{https}/healthz", context=trusting).status == 200


def test_a_silent_client_does_not_block_the_others(tmp_path: Path, golden_dir: Path,
                                                   db_url: str, ca: trustme.CA) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with golden_daemon(tmp_path, golden_dir, db_url, web_config=_web_config(tmp_path, ca)) as d:
        port = d.daemon.web.port  # type: ignore[union-attr]
        # A TCP connection that never starts its TLS handshake (a port scanner, a stuck
        # client): if the server handshakes in its accept loop, every scrape now waits.
        with socket.create_connection(("127.0.0.1", port)):
            r = get(f"https://127.0.0.1:{port}/healthz", context=trusting, timeout=5)
            assert r.status == 200
