"""A real local HTTPS server playing the ConfigMgr AdminService for the `sccm` adapter's tests.

It serves `/AdminService/wmi/SMS_R_System` and `/AdminService/v1.0/Device` as OData JSON with
server-driven paging (`@odata.nextLink`), honours `$select` (an unknown property is a 400, as
on a real site), and authenticates like IIS does:

* `auth="basic"`: checks `Authorization: Basic …` against one user and password;
* `auth="ntlm"`: a real NTLM acceptor (pyspnego, credentials from the file named by the
  `NTLM_USER_FILE` environment variable, `DOMAIN:user:password` per line) driving the
  `WWW-Authenticate: NTLM` handshake. NTLM authenticates the TCP connection, not a request, so
  the handshake state lives on the connection's handler and the server speaks HTTP/1.1
  keep-alive; it also checks the TLS channel binding (Extended Protection), as IIS can.

TLS uses a throw-away CA made with `trustme`; `ca_path` is that CA's PEM file for `ca_bundle`.
Every request is logged in `requests` (connection id, path, query, status, user) for asserts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import trustme
from cryptography import x509

from kpimon.config import SourceConfig
from kpimon.records import Device, Reject
from kpimon.sources.base import Batch, CollectContext
from kpimon.sources.sccm import SccmSource
from tests.http_server import LocalServer, QuietHandler

WORKSTATION_OS = "Microsoft Windows NT Workstation 10.0"
SERVER_OS = "Microsoft Windows NT Server 10.0"
COLLECTED_AT = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)


@dataclass
class FakeDevice:
    """One device record as ConfigMgr keeps it (None = the property is null)."""

    name: str | None
    os: str | None = WORKSTATION_OS
    client: bool | None = True
    active: bool | None = True
    obsolete: bool | None = False
    decommissioned: bool | None = False
    resource_id: int = 0
    # Personal data a real record carries; the adapter must neither ask for nor keep it.
    last_user: str = "KOMMUN\\anna.andersson"

    def wmi(self) -> dict[str, Any]:
        def flag(v: bool | None) -> int | None:
            return None if v is None else int(v)
        return {"ResourceId": self.resource_id, "Name": self.name, "Client": flag(self.client),
                "Active": flag(self.active), "Obsolete": flag(self.obsolete),
                "Decommissioned": flag(self.decommissioned),
                "OperatingSystemNameandVersion": self.os, "LastLogonUserName": self.last_user,
                "ResourceDomainORWorkgroup": "KOMMUN"}

    def v1(self) -> dict[str, Any]:
        return {"MachineId": self.resource_id, "Name": self.name, "IsClient": self.client,
                "IsActive": self.active, "IsObsolete": self.obsolete,
                "IsDecommissioned": self.decommissioned, "DeviceOS": self.os,
                "UserName": self.last_user, "Domain": "KOMMUN"}


@dataclass
class LoggedRequest:
    connection: int
    path: str
    query: dict[str, list[str]]
    status: int
    user: str | None
    authorization: str | None


@dataclass
class AdminService:
    """The fake AdminService; use as a context manager (`with AdminService(...) as srv:`)."""

    devices: list[FakeDevice]
    workdir: Path
    auth: str = "basic"  # basic | ntlm | none
    username: str = "svc-kpimon"
    password: str = "S3cret!"
    page_size: int = 2
    fail_status: int | None = None  # answer every authenticated request with this status
    requests: list[LoggedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, d in enumerate(self.devices, start=16777220):
            if not d.resource_id:
                d.resource_id = i
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_path = self.workdir / "sccm-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._tls)
        der = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
        self.channel_binding = _tls_server_end_point(der)
        self._lock = threading.Lock()
        self._server: LocalServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> AdminService:
        self._server = LocalServer(type("Handler", (_Handler,), {"service": self}), tls=self._tls)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/AdminService"

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)


def _tls_server_end_point(der: bytes) -> bytes:
    """RFC 5929 `tls-server-end-point` data: the certificate hashed with its signature hash
    (SHA-256 when that is MD5 or SHA-1)."""
    algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
    name = algorithm.name if algorithm and algorithm.name not in ("md5", "sha1") else "sha256"
    return b"tls-server-end-point:" + hashlib.new(name, der).digest()


class _Handler(QuietHandler):
    """One handler per TCP connection; NTLM state lives here because NTLM binds a connection."""

    service: AdminService
    protocol_version = "HTTP/1.1"  # keep-alive, which connection-based NTLM needs

    def setup(self) -> None:
        super().setup()
        self.ntlm: Any = None
        self.ntlm_user: str | None = None

    # ------------------------------------------------------------------ request handling

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        user = self._authenticate()
        if user is None:
            self._record(parts.path, query, 401, None)
            return
        if self.service.fail_status is not None:
            self._send(self.service.fail_status, {"error": {"message": "nope"}})
            self._record(parts.path, query, self.service.fail_status, user)
            return
        if parts.path == "/AdminService/wmi/SMS_R_System":
            rows = [d.wmi() for d in self.service.devices]
        elif parts.path == "/AdminService/v1.0/Device":
            rows = [d.v1() for d in self.service.devices]
        else:
            self._send(404, {"error": {"message": f"no route {parts.path}"}})
            self._record(parts.path, query, 404, user)
            return
        select = [s for s in ",".join(query.get("$select", [])).split(",") if s]
        if select:
            unknown = [s for s in select if s not in rows[0]] if rows else []
            if unknown:
                self._send(400, {"error": {"message": f"Could not find a property named "
                                                      f"'{unknown[0]}'"}})
                self._record(parts.path, query, 400, user)
                return
            rows = [{k: r[k] for k in select} for r in rows]
        skip = int(query.get("$skiptoken", ["0"])[0])
        page = rows[skip:skip + self.service.page_size]
        body: dict[str, Any] = {"@odata.context": f"{self.service.base_url}/$metadata",
                                "value": page}
        if skip + self.service.page_size < len(rows):
            nxt = f"{self.service.base_url}{parts.path.removeprefix('/AdminService')}?"
            if select:
                nxt += "$select=" + ",".join(select) + "&"
            body["@odata.nextLink"] = nxt + f"$skiptoken={skip + self.service.page_size}"
        self._send(200, body)
        self._record(parts.path, query, 200, user)

    def _authenticate(self) -> str | None:
        """The authenticated user, or None after answering 401 (or a handshake step)."""
        mode = self.service.auth
        header = self.headers.get("Authorization", "")
        if mode == "none":
            return "anonymous"
        if mode == "basic":
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if user == self.service.username and password == self.service.password:
                    return user
            self._send(401, {"error": "unauthorized"},
                       [("WWW-Authenticate", 'Basic realm="AdminService"')])
            return None
        if self.ntlm_user is not None:
            return self.ntlm_user  # this connection has already authenticated
        if header.startswith("NTLM "):
            return self._ntlm_step(base64.b64decode(header[5:]))
        # IIS offers both; a Negotiate-capable client would pick Kerberos, requests-ntlm NTLM.
        self._send(401, {"error": "unauthorized"},
                   [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")])
        return None

    def _ntlm_step(self, token: bytes) -> str | None:
        import spnego
        from spnego.channel_bindings import GssChannelBindings
        from spnego.exceptions import SpnegoError

        if self.ntlm is None:
            self.ntlm = spnego.server(
                protocol="ntlm",
                channel_bindings=GssChannelBindings(
                    application_data=self.service.channel_binding))
        try:
            out = self.ntlm.step(token)
        except SpnegoError:
            # Wrong password, unknown user or a bad channel binding: start over, as IIS does.
            self.ntlm = None
            self._send(401, {"error": "unauthorized"}, [("WWW-Authenticate", "NTLM")])
            return None
        if not self.ntlm.complete:
            self._send(401, b"", [("WWW-Authenticate", "NTLM " + base64.b64encode(
                out or b"").decode())])
            return None
        self.ntlm_user = str(self.ntlm.client_principal)
        return self.ntlm_user

    def _send(self, status: int, body: dict[str, Any] | str | bytes,
              headers: list[tuple[str, str]] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode() \
            if not isinstance(body, str) else body.encode()
        self.reply(status, data,
                   [*(headers or []), ("Content-Type", "application/json; odata.metadata=minimal")])

    def _record(self, path: str, query: dict[str, list[str]], status: int,
                user: str | None) -> None:
        self.service.log(LoggedRequest(id(self), path, query, status, user,
                                       self.headers.get("Authorization")))



def clear_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE for one test.

    requests lets these variables override a session's `verify`, so on a machine that sets
    them (CI images often do) the per-source `ca_bundle` would be ignored by the shared HTTP
    helper as it stands on this branch; the helper's own fix passes `verify` per request. The
    sccm tests are about the adapter, so they run without the override either way.
    """
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def sccm_config(url: str, **kw: Any) -> SourceConfig:
    """A `sccm` SourceConfig for the tests (no retries, so a failure shows at once)."""
    kw.setdefault("username", "svc-kpimon")
    kw.setdefault("password", "S3cret!")
    return SourceConfig(name="sccm", kind="sccm", every=3600, url=url, retries=0, timeout=5.0,
                        **kw)


def collect_once(config: SourceConfig) -> list[Batch]:
    """Run one collection at COLLECTED_AT and return its batches."""
    ctx = CollectContext(config=config, tz=ZoneInfo("Europe/Stockholm"), now=COLLECTED_AT)
    return list(SccmSource(config).collect(ctx))


def devices(batch: Batch) -> list[Device]:
    """The batch's Devices (asserting that everything else in it is a Reject)."""
    items = list(batch.items)
    assert all(isinstance(i, Device | Reject) for i in items), items
    return [i for i in items if isinstance(i, Device)]


def device_names(batch: Batch) -> list[str]:
    return [d.name for d in devices(batch)]
