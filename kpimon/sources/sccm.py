"""Microsoft ConfigMgr (SCCM) computers through the AdminService REST API
(docs/sources/inventory.md).

Two routes, picked from the configured `url`:

* the WMI route, `<AdminService>/wmi/SMS_R_System` (the default; `url` is the AdminService base
  such as `https://sccm.kommun.local/AdminService`), with WMI property names (`Name`, `Client`,
  `Active`, `Obsolete`, `Decommissioned`, `OperatingSystemNameandVersion`; flags are 0/1/null);
* the versioned route, `<AdminService>/v1.0/Device`, used when `url` ends in `/v1.0`, with its
  own names (`Name`, `IsClient`, `IsActive`, `IsObsolete`, `IsDecommissioned`, `DeviceOS`;
  flags are true/false/null).

Every page of the OData answer is read (following `@odata.nextLink`) before anything is yielded,
so a failure half-way never stores a partial inventory as if it were the whole one. The device
filter is applied here, client-side: a site has a few thousand computers, and filtering locally
behaves the same on every AdminService version, whatever its `$filter` support and its handling
of null flags. The result is one snapshot batch of `Device`s whose only attribute is the OS
string; no user names or other personal data are read. Names are kept as SCCM gives them;
`kpimon.inventory.normalize_name` is applied when inventories are compared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from kpimon.config import SourceConfig
from kpimon.records import Device, Reject
from kpimon.redact import url_label
from kpimon.sources.base import Batch, CollectContext, SourceError
from kpimon.sources.http import HttpClient, loads_json

# A sanity bound on server-driven paging: a nextLink that never ends is a server bug, and at
# 1000 devices a page this still allows ten million computers.
MAX_PAGES = 10_000
# A next-page link longer than a request line may be (8 KiB is the usual server limit) is a
# server's bug, not a page: a relative link that the server echoes back grows the URL by
# itself on every page, and would otherwise be followed MAX_PAGES times, ever more slowly.
MAX_URL = 8192


@dataclass(frozen=True)
class Route:
    """Where the devices are and what the route calls each property."""

    path: str
    name: str
    client: str
    active: str
    obsolete: str
    decommissioned: str
    os: str
    extra: tuple[str, ...]  # asked for in the default $select, not used for filtering


WMI = Route("wmi/SMS_R_System", "Name", "Client", "Active", "Obsolete", "Decommissioned",
            "OperatingSystemNameandVersion", ("ResourceId",))
V1 = Route("Device", "Name", "IsClient", "IsActive", "IsObsolete", "IsDecommissioned",
           "DeviceOS", ("MachineId",))

FLAGS = ("client", "active", "obsolete", "decommissioned")
DEVICE_TYPES = ("workstation", "server", "all")


@dataclass(frozen=True)
class DeviceFilter:
    """Which SCCM records count as computers. A flag of None means "either"."""

    client: bool | None = True
    active: bool | None = None
    obsolete: bool | None = False
    decommissioned: bool | None = False
    type: str = "all"

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> DeviceFilter:
        """Build from the `device_filter` table; raises ValueError naming every bad key."""
        problems: list[str] = []
        kw: dict[str, Any] = {}
        for key, value in raw.items():
            if key in FLAGS:
                if isinstance(value, bool):
                    kw[key] = value
                elif value == "any":
                    kw[key] = None
                else:
                    problems.append(f"device_filter.{key}: expected true, false or \"any\"")
            elif key == "type":
                if value in DEVICE_TYPES:
                    kw[key] = value
                else:
                    problems.append(f"device_filter.type: expected one of "
                                    f"{', '.join(DEVICE_TYPES)}")
            else:
                problems.append(f"device_filter.{key}: unknown key")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**kw)

    def keeps(self, flags: Mapping[str, bool], os_name: str) -> bool:
        """Whether a device with these flags and OS string passes the filter."""
        for key in FLAGS:
            wanted = getattr(self, key)
            if wanted is not None and flags[key] != wanted:
                return False
        if self.type == "all":
            return True
        # ConfigMgr's OS strings read "Microsoft Windows NT Server 10.0" or "… Workstation …";
        # anything without "Server" (including an unknown OS) counts as a workstation.
        is_server = "server" in os_name.lower()
        return is_server if self.type == "server" else not is_server


class SccmSource:
    """The `sccm` adapter: one snapshot of ConfigMgr's computers per collection."""

    def __init__(self, config: SourceConfig):
        self.config = config

    def collect(self, ctx: CollectContext) -> Iterator[Batch]:
        """Read every page of devices, filter them, and yield them as one snapshot batch."""
        cfg = self.config
        if not cfg.url:
            raise SourceError(f"source {cfg.name}: url is required", permanent=True)
        try:
            dfilter = DeviceFilter.from_config(cfg.device_filter)
        except ValueError as e:
            raise SourceError(f"source {cfg.name}: {e}", permanent=True) from None
        route, url = self._route(cfg.url)
        name_attr = cfg.name_field or route.name
        client = HttpClient(cfg, ctx.stats, ctx.log, secrets=ctx.secrets)
        client.session.auth = _auth(cfg)

        first = url + "?$select=" + quote(",".join(self._select(route, name_attr)), safe="$,")
        try:
            rows = list(self._pages(client, first))
        finally:
            client.session.close()  # a new session each cycle; NTLM binds it to a connection

        items: list[Device | Reject] = []
        seen: set[str] = set()
        kept = 0
        # A reject names the URL as kept: no userinfo, no query, no secret in its path.
        where = url_label(url, ctx.secrets)
        for i, row in enumerate(rows, start=1):
            name = row.get(name_attr)
            if not isinstance(name, str) or not name.strip():
                items.append(Reject(cfg.name, where=where, row=i, field=name_attr,
                                    reason="device without a name",
                                    value=None if name is None else str(name)))
                continue
            os_name = row.get(route.os)
            os_text = os_name if isinstance(os_name, str) else ""
            flags = {key: _flag(row.get(getattr(route, key))) for key in FLAGS}
            if not dfilter.keeps(flags, os_text):
                continue
            # The same name twice (a re-imaged computer that got a new record) is one computer
            # for the inventory; one snapshot row per name keeps the store's upsert simple.
            if name in seen:
                continue
            seen.add(name)
            kept += 1
            items.append(Device(cfg.name, name, ctx.now, {"os": os_text} if os_text else {}))
        ctx.log.info("source %s: %d SCCM records read, %d computers after the device filter",
                     cfg.name, len(rows), kept)
        yield Batch(label=f"{cfg.name}: {kept} devices", items=items, snapshot=True)

    @staticmethod
    def _route(base: str) -> tuple[Route, str]:
        """The route and the full collection URL for a configured `url`."""
        base = base.rstrip("/")
        if base.endswith("/v1.0/Device"):
            return V1, base
        if base.endswith("/v1.0"):
            return V1, f"{base}/{V1.path}"
        if base.endswith("/wmi/SMS_R_System"):
            return WMI, base
        if base.endswith("/wmi"):
            return WMI, f"{base}/SMS_R_System"
        return WMI, f"{base}/{WMI.path}"

    def _select(self, route: Route, name_attr: str) -> list[str]:
        """The `$select` list: the configured one, plus whatever the filter and name need.

        A configured `select` replaces the default list, but the name, OS and flag properties
        are added back if missing: without them the filter would silently keep everything.
        """
        needed = [name_attr, route.client, route.active, route.obsolete, route.decommissioned,
                  route.os]
        base = list(self.config.select) if self.config.select else [*needed, *route.extra]
        for attr in needed:
            if attr not in base:
                base.append(attr)
        return base

    def _pages(self, client: HttpClient, first: str) -> Iterator[dict[str, Any]]:
        """Every row of every page, following `@odata.nextLink`."""
        url: str | None = first
        seen: set[str] = set()
        pages = 0
        while url is not None:
            if url in seen or pages >= MAX_PAGES:
                raise SourceError(f"source {self.config.name}: the AdminService keeps sending "
                                  f"next pages ({pages} read); giving up")
            seen.add(url)
            pages += 1
            resp = client.get(url, headers={"Accept": "application/json"}, ok_status=(403,))
            self._check_status(resp)
            body = _json(resp, self.config.name)
            value = body.get("value")
            if not isinstance(value, list):
                raise SourceError(f"source {self.config.name}: the AdminService answer has no "
                                  f"'value' list (is url the AdminService base?)", permanent=True)
            for row in value:
                if isinstance(row, dict):
                    yield row
            link = body.get("@odata.nextLink")
            try:
                url = urljoin(url, link) if isinstance(link, str) and link else None
                origin = _origin(url) if url is not None else None
            except ValueError as e:  # `http://[::1`: not a URL at all
                raise SourceError(f"source {self.config.name}: the next-page link is not a "
                                  f"URL ({e}): {str(link)[:200]}") from None
            if url is not None and len(url) > MAX_URL:
                raise SourceError(f"source {self.config.name}: the next-page link is longer "
                                  f"than {MAX_URL} characters ({pages} pages read); not "
                                  f"followed: {url[:200]}")
            if url is not None and origin != _origin(first):
                # The credentials (Basic, NTLM) go with every request: never to another host.
                raise SourceError(f"source {self.config.name}: the next-page link points to "
                                  f"another server ({origin}); not followed")

    def _check_status(self, resp: requests.Response) -> None:
        user = self.config.username or "(this service's Kerberos ticket)"
        if resp.status_code == 401:
            raise SourceError(f"SCCM refused the credentials for user {user}", permanent=True)
        if resp.status_code == 403:
            raise SourceError(f"SCCM user {user} may not read the devices (HTTP 403): give the "
                              f"account a read-only administrative role covering them",
                              permanent=True)


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when none is given) of a URL; ValueError
    for one that is not a URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"https": 443,
                                                                  "http": 80}.get(scheme)


def _auth(cfg: SourceConfig) -> requests.auth.AuthBase | None:
    """The requests auth handler for `auth = basic | ntlm | negotiate`."""
    if cfg.auth == "negotiate":
        # Kerberos uses the service's own ticket (KRB5CCNAME, or a client keytab through
        # KRB5_CLIENT_KTNAME); the optional extra keeps GSSAPI off machines that do not use it.
        try:
            from requests_gssapi import OPTIONAL, HTTPSPNEGOAuth
        except (ImportError, OSError) as e:
            raise SourceError(f"source {cfg.name}: auth = \"negotiate\" needs the kerberos "
                              f"extra (pip install 'kpimon[kerberos]'): {e}",
                              permanent=True) from None
        # Mutual authentication is optional: IIS does not always sign its answers, and TLS
        # already authenticates the server.
        return HTTPSPNEGOAuth(mutual_authentication=OPTIONAL)  # type: ignore[no-any-return]
    if not cfg.username:
        raise SourceError(f"source {cfg.name}: username is required for auth = \"{cfg.auth}\"",
                          permanent=True)
    if cfg.auth == "ntlm":
        try:
            from requests_ntlm import HttpNtlmAuth
        except ImportError as e:
            raise SourceError(f"source {cfg.name}: auth = \"ntlm\" needs the ntlm extra "
                              f"(pip install 'kpimon[ntlm]'): {e}", permanent=True) from None
        return HttpNtlmAuth(cfg.username, cfg.password or "")  # type: ignore[no-any-return]
    if cfg.auth == "basic":
        return requests.auth.HTTPBasicAuth(cfg.username, cfg.password or "")
    raise SourceError(f"source {cfg.name}: auth {cfg.auth!r} is not one of basic, ntlm, "
                      f"negotiate", permanent=True)


def _flag(value: Any) -> bool:
    """A WMI (0/1) or v1.0 (true/false) flag; null (never reported) counts as false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return False


def _json(resp: requests.Response, source: str) -> dict[str, Any]:
    try:
        body = loads_json(resp.content)
    except ValueError:
        kind = resp.headers.get("Content-Type", "unknown content")
        raise SourceError(f"source {source}: the AdminService did not answer with JSON "
                          f"({kind})") from None
    if not isinstance(body, dict):
        raise SourceError(f"source {source}: unexpected AdminService answer (not an object)")
    return body
