"""A fake Efecte ESM for the adapter tests: a real HTTP server on 127.0.0.1 in a thread.

It plays the REST API v1 (`/rest-api/itsm/v1`: `users/login` issuing JWTs, `dc/{template}/data`
with `limit`, `filterId` or offset paging, `selectedAttributes`, `dataCards` and the
`$updated$ > '…'` part of an EQL filter) and the XML Web API's `search.ws` with Basic auth.
Scenario state is plain attributes; `faults` injects misbehaviour into the next matching
requests (an HTTP status with a body, a connection dropped mid-body, a truncated body, a hang
before the answer), `outage` into every matching request until it is cleared, and
`on_page` runs after a data page is served (to change cards while the client pages).
Every request is recorded, so tests count requests on the server side.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.sources.base import Batch, CollectContext
from tests.http_server import LocalServer, QuietHandler

BASE = "/rest-api/itsm/v1"
XML_BASE = "/api/itsm"
_UPDATED = re.compile(r"\$updated\$\s*>\s*'([^']+)'")


@dataclass
class Fault:
    """Misbehaviour for the next request whose kind (`login`, `data`, `search`) matches.

    `mode`: "status" answers `status` with `body` and `headers`; "drop" announces the body's
    length plus 1000 bytes, sends half of it and closes the connection; "truncate" sends the
    first half of the body with a matching Content-Length; "hang" waits `delay` seconds (longer
    than the client's timeout, to hang it) and then answers as usual, or `status` with `body`
    when a body is given. For "drop" and "truncate" the body is the real answer's, or `status`
    and `body` when a body is given. `where = "*"` matches every request; `ctype` is the
    answer's Content-Type.
    """

    where: str
    mode: str = "status"
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    ctype: str = "application/json"


@dataclass
class Card:
    """A data card: its id, template, `updated` time and attribute code → element JSON."""

    id: int
    template: str
    updated: datetime
    attrs: dict[str, Any]
    name: str = ""
    hidden: bool = False

    def to_json(self, selected: list[str] | None, full: bool) -> dict[str, Any]:
        if not full:
            return {"dataCardId": str(self.id), "name": self.name,
                    "url": f"/dc/{self.template}/data/{self.id}"}
        data = {code: el for code, el in self.attrs.items() if not selected or code in selected}
        return {"dataCardId": str(self.id), "name": self.name, "templateCode": self.template,
                "templateName": self.template.title(), "folderCode": "sd", "data": data,
                "hidden": self.hidden, "deleted": False}


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int = 0
    served: list[int] = field(default_factory=list)  # card ids in the answer

    @property
    def kind(self) -> str:
        if self.path.endswith("/users/login"):
            return "login"
        if self.path.endswith("search.ws"):
            return "search"
        if "/dc/" in self.path:
            return "data"
        return "other"


def text_el(value: Any, type_: str = "string") -> dict[str, Any]:
    return {"name": "x", "type": type_, "values": [] if value is None else [{"value": value}]}


def static_el(value: str) -> dict[str, Any]:
    return {"type": "static-value", "values": [{"value": value, "code": value.lower()[:8]}]}


def ref_el(name: str, card_id: str = "900") -> dict[str, Any]:
    return {"type": "reference", "values": [{"name": name, "dataCardId": card_id,
                                             "templateCode": "organization"}]}


def stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_jwt(sub: str, exp: float, serial: int) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    header = part({"alg": "HS256", "typ": "JWT"})
    payload = part({"sub": sub, "exp": int(exp), "n": serial})
    return f"{header}.{payload}.c2lnbmF0dXJl"


class FakeEfecte:
    """The fake server and its scenario. Use as a context manager."""

    def __init__(self) -> None:
        self.users: dict[str, str] = {"kpimon": "s3cret-Pa55"}
        self.token_ttl = 3600.0
        self.token_in = "body"  # "body", "header" or "both"
        self.next_style = "absolute"  # "absolute", "relative", "foreign" (another host/path)
        self.next_keeps_params = True  # False: next links carry only limit and filterId
        self.paging = "id"  # "id": newest id first with filterId; "offset": oldest update first
        self.cards: dict[int, Card] = {}
        self.faults: list[Fault] = []
        self.outage: Fault | None = None  # every matching request, until set back to None
        self.on_page: Callable[[FakeEfecte, Request, int], None] | None = None
        self.revoke_after_data: int | None = None  # revoke all tokens after n data requests
        self.xml_users: dict[str, str] = {"xmluser": "xml-Pa55"}
        self.xml_body = b"<entityset/>"
        self.xml_status = 200
        self.requests: list[Request] = []
        self.tokens: dict[str, float] = {}
        self.lock = threading.RLock()
        self._serial = itertools.count(1)
        self._server: LocalServer | None = None

    # -------------------------------------------------------------- lifecycle

    def __enter__(self) -> FakeEfecte:
        self._server = LocalServer(_handler_for(self), poll=0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def origin(self) -> str:
        assert self._server is not None, "use FakeEfecte as a context manager"
        return self._server.origin

    @property
    def url(self) -> str:
        return self.origin + BASE

    @property
    def xml_url(self) -> str:
        return self.origin + XML_BASE

    # -------------------------------------------------------------- scenario

    def add_ticket(self, card_id: int, template: str = "incident", *, number: str | None = None,
                   status: str = "02 - Pågår", priority: str = "3. Normal",
                   created: str = "2020-03-02T08:41:00Z",
                   updated: datetime | None = None, org: str | None = "Askersund",
                   extra: dict[str, Any] | None = None) -> Card:
        updated = updated or datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
        attrs: dict[str, Any] = {
            "efecte_id": text_el(number or f"INC-{card_id:06d}"),
            "priority": static_el(priority),
            "status": static_el(status),
            "created": text_el(created, "date"),
            "updated": text_el(stamp(updated), "date"),
            "subject": text_el("Skrivaren på plan 3 fungerar inte"),
        }
        if org is not None:
            attrs["organization"] = ref_el(org)
        attrs.update(extra or {})
        card = Card(card_id, template, updated, attrs, name=number or f"INC-{card_id:06d}")
        with self.lock:
            self.cards[card_id] = card
        return card

    def add_computer(self, card_id: int, name: str, template: str = "workstation") -> Card:
        card = Card(card_id, template, datetime(2020, 1, 1, tzinfo=UTC),
                    {"hostname": text_el(name), "serial": text_el(f"SN{card_id}")},
                    name=f"{name} (workstation)")
        with self.lock:
            self.cards[card_id] = card
        return card

    def touch(self, card_id: int, updated: datetime, **attrs: Any) -> None:
        """Change a card: a new `updated` and, optionally, static attribute values."""
        with self.lock:
            card = self.cards[card_id]
            card.updated = updated
            card.attrs["updated"] = text_el(stamp(updated), "date")
            for code, value in attrs.items():
                card.attrs[code] = static_el(value)

    def delete(self, card_id: int) -> None:
        with self.lock:
            del self.cards[card_id]

    def of_kind(self, kind: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.kind == kind]

    # -------------------------------------------------------------- handlers

    def handle(self, h: QuietHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = Request(method, unquote(parts.path), query, dict(h.headers.items()))
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append(req)
            fault = next((f for f in self.faults if f.where == req.kind), None)
            if fault is not None:
                self.faults.remove(fault)
            elif self.outage is not None and self.outage.where in ("*", req.kind):
                fault = self.outage
        if fault is not None and fault.mode == "hang":
            time.sleep(fault.delay)
            if not fault.body:
                fault = None
        if fault is not None and fault.mode in ("status", "hang"):
            req.status = fault.status
            h.reply(fault.status, fault.body.encode(),
                    {"Content-Type": fault.ctype, **fault.headers})
            return
        if req.kind == "login" and method == "POST":
            status, payload, headers, ctype = self._login(body)
        elif req.kind == "data" and method == "GET":
            status, payload, headers, ctype = self._data(h, req)
        elif req.kind == "search":
            status, payload, headers, ctype = self._search(h)
        else:
            status, payload, headers, ctype = 404, b'{"code":404}', {}, "application/json"
        if fault is not None and fault.body:  # "drop"/"truncate" of the fault's own answer
            status, payload, ctype = fault.status, fault.body.encode(), fault.ctype
        req.status = status
        if fault is not None and fault.mode == "drop":
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(payload) + 1000))
            h.end_headers()
            h.wfile.write(payload[: len(payload) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        if fault is not None and fault.mode == "truncate":
            payload = payload[: len(payload) // 2]
        h.reply(status, payload, {"Content-Type": ctype, **headers})

    def _login(self, body: bytes) -> tuple[int, bytes, dict[str, str], str]:
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        user, password = form.get("login", ""), form.get("password", "")
        if self.users.get(user) != password or not password:
            return 401, json.dumps({"code": 401, "error": "Unauthorized",
                                    "message": "Wrong credentials provided."}).encode(), {}, \
                "application/json"
        exp = time.time() + self.token_ttl
        token = make_jwt(user, exp, next(self._serial))
        with self.lock:
            self.tokens[token] = exp
        out: dict[str, Any] = {"code": 200, "message": "Login successful",
                               "timestamp": stamp(datetime.now(UTC))}
        headers = {}
        if self.token_in in ("body", "both"):
            out["token"] = token
        if self.token_in in ("header", "both"):
            headers["Authorization"] = f"Bearer {token}"
        return 200, json.dumps(out).encode(), headers, "application/json"

    def _authorized(self, h: BaseHTTPRequestHandler) -> bool:
        auth = h.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            exp = self.tokens.get(token)
        return exp is not None and exp > time.time()

    def _data(self, h: BaseHTTPRequestHandler, req: Request
              ) -> tuple[int, bytes, dict[str, str], str]:
        with self.lock:
            served = sum(1 for r in self.requests if r.kind == "data" and r.status == 200)
            if self.revoke_after_data is not None and served >= self.revoke_after_data:
                self.tokens.clear()
                self.revoke_after_data = None
        if not self._authorized(h):
            return 401, json.dumps({"code": 401, "error": "Unauthorized",
                                    "message": "JWT expired or invalid"}).encode(), {}, \
                "application/json"
        m = re.fullmatch(re.escape(BASE) + r"/dc/([^/]+)/data", req.path)
        if m is None:
            return 404, b'{"code":404}', {}, "application/json"
        template = m.group(1)
        limit = int(req.query.get("limit", "50"))
        since = None
        fm = _UPDATED.search(req.query.get("filter", ""))
        if fm:
            since = datetime.fromisoformat(fm.group(1).replace("Z", "+00:00"))
        selected = [c.strip() for c in req.query.get("selectedAttributes", "").split(",")
                    if c.strip()] or None
        full = req.query.get("dataCards", "false") == "true"
        with self.lock:
            matching = [c for c in self.cards.values() if c.template == template
                        and (since is None or c.updated > since)]
            if self.paging == "id":
                matching.sort(key=lambda c: -c.id)
                filter_id = int(req.query.get("filterId", "0") or 0)
                if filter_id:
                    matching = [c for c in matching if c.id < filter_id]
                page, more = matching[:limit], len(matching) > limit
                cursor = {"filterId": str(page[-1].id)} if page else {}
            else:
                matching.sort(key=lambda c: (c.updated, c.id))
                offset = int(req.query.get("offset", "0"))
                page, more = matching[offset:offset + limit], len(matching) > offset + limit
                cursor = {"offset": str(offset + limit)}
            cards = [c.to_json(selected, full) for c in page]
            req.served = [c.id for c in page]
        meta: dict[str, Any] = {"count": len(cards), "limit": limit}
        if more:
            meta["links"] = {"next": self._next_link(template, req.query, cursor)}
        payload = json.dumps({"meta": meta, "data": cards}).encode()
        if self.on_page is not None:
            self.on_page(self, req, len(cards))
        return 200, payload, {}, "application/json"

    def _next_link(self, template: str, query: dict[str, str], cursor: dict[str, str]) -> str:
        params = dict(query) if self.next_keeps_params else {"limit": query.get("limit", "50")}
        params.pop("filterId", None)
        params.pop("offset", None)
        params.update(cursor)
        qs = urlencode(params)
        if self.next_style == "relative":
            return f"/dc/{template}/data?{qs}"
        if self.next_style == "foreign":
            return f"http://efecte-internal.invalid:8080/efecte/api/v1/dc/{template}/data?{qs}"
        return f"{self.url}/dc/{template}/data?{qs}"

    def _search(self, h: BaseHTTPRequestHandler) -> tuple[int, bytes, dict[str, str], str]:
        auth = h.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            ok = bool(password) and self.xml_users.get(user) == password
        if not ok:
            return 401, b"<error><code>401</code><description>Unauthorized</description></error>", \
                {"WWW-Authenticate": 'Basic realm="efecte"'}, "text/xml"
        return self.xml_status, self.xml_body, {}, "text/xml; charset=utf-8"


def _handler_for(server: FakeEfecte) -> type[QuietHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            server.handle(self, "GET")

        def do_POST(self) -> None:  # noqa: N802
            server.handle(self, "POST")

    return Handler


# ------------------------------------------------------------------ helpers for the tests

TZ = "Europe/Stockholm"
PASSWORD = "s3cret-Pa55"
FIELDS = {"id": "efecte_id", "priority": "priority", "status": "status",
          "created": "created", "updated": "updated", "org": "organization"}
VALUES = {
    "priority": {"1. Akut": "acute", "2. Hög": "high", "3. Normal": "normal", "4. Låg": "low"},
    "status": {"01 - Ny": "new", "02 - Pågår": "in_progress", "03 - Väntar": "waiting",
               "05 - Avklarad": "resolved", "07 - Stängd": "closed"},
    "kind": {"incident": "incident", "service_request": "request"},
}


def toml_table(table: dict[str, str]) -> str:
    """An inline TOML table of strings (JSON strings are TOML basic strings)."""
    return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = "
                            f"{json.dumps(v, ensure_ascii=False)}" for k, v in table.items()) + " }"


def rest_source_toml(srv: FakeEfecte, password_file: Path, *, every: str = "1s",
                     timeout: float = 5, retries: int = 3,
                     fields: dict[str, str] | None = None) -> str:
    """A `[[sources]]` entry `efecte` (efecte_rest, template incident) for a daemon's config
    against the fake server, with these helpers' field and value maps."""
    lines = ["[[sources]]", 'name = "efecte"', 'kind = "efecte_rest"', f'url = "{srv.url}"',
             'username = "kpimon"', f'password_file = "{password_file}"',
             'templates = ["incident"]', f'every = "{every}"', f"timeout = {timeout}",
             f"retries = {retries}", f"fields = {toml_table(fields or FIELDS)}"]
    lines += [f"values.{key} = {toml_table(table)}" for key, table in VALUES.items()]
    return "\n".join(lines) + "\n"


def rest_config(srv: FakeEfecte, **overrides: Any) -> SourceConfig:
    """A SourceConfig for an `efecte_rest` source against the fake server."""
    kw: dict[str, Any] = dict(
        name="efecte", kind="efecte_rest", every=300, url=srv.url, username="kpimon",
        password=PASSWORD, templates=("incident",), retries=3, timeout=5.0,
        fields=dict(FIELDS), values={k: dict(v) for k, v in VALUES.items()})
    kw.update(overrides)
    return SourceConfig(**kw)


def context(config: SourceConfig, state: dict[str, str] | None = None,
            now: datetime | None = None, **kw: Any) -> CollectContext:
    """A CollectContext with a fresh SourceStats."""
    return CollectContext(config=config, tz=ZoneInfo(TZ),
                          now=now or datetime(2020, 3, 3, 12, 0, tzinfo=UTC),
                          state=dict(state or {}), **kw)


def run(adapter: Any, ctx: CollectContext) -> list[tuple[Batch, list[Any]]]:
    """Collect once; every batch with its items materialised."""
    return [(batch, list(batch.items)) for batch in adapter.collect(ctx)]


class FakeSleep:
    """Records the waits the code asks for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


XML_FIELDS = {"id": "efecte_id", "priority": "priority", "status": "status",
              "created": "created", "resolved": "solved_date", "org": "organization"}


def xml_entity(entity_id: int, *, template: str = "incident", status: str = "05 - Avklarad",
               priority: str = "2. Hög", created: str = "02.03.2020 08:41",
               solved: str | None = "02.03.2020 10:15", org: str = "Hallsberg") -> str:
    """One `<entity>` of an Efecte XML answer or export."""
    solved_xml = f'<attribute code="solved_date"><value>{solved}</value></attribute>' \
        if solved else ""
    return (
        f'<entity id="{entity_id}" name="INC-{entity_id}">'
        f'<template id="11" code="{template}" name="{template.title()}"/>'
        f'<attribute id="1" name="Ärende-ID" code="efecte_id"><value>INC-{entity_id}</value>'
        f'</attribute><attribute code="priority"><value>{priority}</value></attribute>'
        f'<attribute code="status"><value>{status}</value></attribute>'
        f'<attribute code="created"><value>{created}</value></attribute>{solved_xml}'
        f'<attribute code="organization"><reference id="55" name="{org}"/></attribute>'
        '<attribute code="subject"><value>Skrivaren fungerar inte</value></attribute>'
        '</entity>')


def xml_document(*entities: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<entityset>'
            + "".join(entities) + "</entityset>").encode()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE entityset [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<entityset><entity id="1"><attribute code="efecte_id"><value>&lol9;</value></attribute>
</entity></entityset>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE entityset [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<entityset><entity id="1"><attribute code="efecte_id"><value>&leak;</value></attribute>
</entity></entityset>"""


def xml_config(**overrides: Any) -> SourceConfig:
    """A SourceConfig for an `efecte_xml` source (give url+query or path)."""
    kw: dict[str, Any] = dict(
        name="efecte-xml", kind="efecte_xml", every=900, retries=2, timeout=5.0,
        fields=dict(XML_FIELDS), values={k: dict(v) for k, v in VALUES.items()})
    kw.update(overrides)
    return SourceConfig(**kw)
