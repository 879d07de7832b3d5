"""`[[sources]]`: one entry per adapter, its schedule, where it reads, and its field/value maps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kpimon.config.parsing import Errors, Section, read_secret
from kpimon.records import KINDS, PRIORITIES, STATUSES
from kpimon.redact import url_secrets

SOURCE_KINDS = (
    "ticket_csv", "efecte_rest", "efecte_xml", "ace_csv", "queue_log", "sccm", "inventory_csv",
    "manual",
)
TICKET_SOURCE_KINDS = ("ticket_csv", "efecte_rest", "efecte_xml")

# Keys each source kind accepts besides the common ones; anything else is an error.
_COMMON_SOURCE_KEYS = {"name", "kind", "every", "timeout", "ca_bundle", "proxy", "retries"}
_FILE_KEYS = {"path", "url", "settle", "after", "archive", "username", "password", "password_file"}
_TICKET_KEYS = {"fields", "values", "first_line_groups", "derive_first_response"}
SOURCE_KEYS: dict[str, set[str]] = {
    "ticket_csv": _FILE_KEYS | _TICKET_KEYS | {"status_changes", "encoding", "delimiter"},
    "efecte_rest": _TICKET_KEYS | {"url", "username", "password", "password_file", "templates",
                                   "full_resync", "filter", "page_size", "devices", "name_field"},
    "efecte_xml": _FILE_KEYS | _TICKET_KEYS | {"query", "templates", "devices", "name_field"},
    "ace_csv": _FILE_KEYS | {"service_levels", "queue"},
    "queue_log": {"path", "queues"},
    "sccm": {"url", "username", "password", "password_file", "auth", "select", "device_filter",
             "name_field"},
    "inventory_csv": _FILE_KEYS | {"column", "count", "encoding", "delimiter"},
    "manual": _FILE_KEYS,
}
REQUIRED_TICKET_FIELDS = ("id", "created", "status", "priority")
TICKET_FIELDS = (
    "id", "kind", "priority", "status", "created", "updated", "first_response", "resolved",
    "closed", "resolved_by_line", "solution", "support_group", "org", "category",
)
DEFAULT_CSV_FIELDS = {
    "id": "Ärende-ID", "kind": "Typ", "priority": "Prioritet", "status": "Status",
    "created": "Skapad", "first_response": "Första återkoppling", "resolved": "Löst",
    "closed": "Stängd", "resolved_by_line": "Löst av linje", "solution": "Lösning",
    "support_group": "Grupp", "org": "Organisation", "category": "Kategori",
    "updated": "Senast ändrad",
}
# What the error for a missing `every` suggests per kind (`every` itself is required).
DEFAULT_EVERY = {"efecte_rest": "5m", "sccm": "1h", "inventory_csv": "1h", "manual": "5m"}
VOCABULARY = {"kind": KINDS, "priority": PRIORITIES, "status": STATUSES}


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` entry; keys not used by the adapter's kind keep their defaults."""

    name: str
    kind: str
    every: int
    timeout: float = 30.0
    retries: int = 3
    ca_bundle: str | None = None
    proxy: str | None = None
    path: str | None = None
    url: str | None = None
    username: str | None = None
    password: str | None = None
    settle: int = 10
    after: str = "keep"
    archive: str | None = None
    status_changes: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    first_line_groups: tuple[str, ...] = ()
    derive_first_response: bool = False
    templates: tuple[str, ...] = ()
    full_resync: int | None = None
    filter: str | None = None
    page_size: int = 200
    query: str | None = None
    devices: bool = False
    name_field: str | None = None
    service_levels: tuple[int, ...] = (20, 60)
    queue: str | None = None
    queues: tuple[str, ...] = ()
    auth: str = "basic"
    select: tuple[str, ...] = ()
    device_filter: Mapping[str, Any] = field(default_factory=dict)
    column: str | None = None
    count: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """What is redacted from every log line and message: the password, and what the
        `url` and `proxy` carry (userinfo password, secret-looking query values)."""
        return tuple(s for s in (self.password,) if s) + url_secrets(self.url) + \
            url_secrets(self.proxy)


def parse_source(sec: Section, errors: Errors) -> SourceConfig | None:
    name = sec.get("name", str, required=True)
    kind = sec.get("kind", str, required=True)
    if kind is not None and kind not in SOURCE_KINDS:
        errors.add(sec.p("kind"), f"{kind!r} is not one of {', '.join(SOURCE_KINDS)}")
        kind = None
    if kind is None:
        return None
    article = "an" if kind[0] in "aeiou" else "a"
    sec.unknown(_COMMON_SOURCE_KEYS | SOURCE_KEYS[kind], f"{article} {kind} source")
    every = None
    if "every" in sec.data:
        every = sec.duration("every")
    else:
        errors.add(sec.p("every"), "required: how often the daemon collects this source, e.g. "
                   f'every = "{DEFAULT_EVERY.get(kind, "15m")}"')
    kw: dict[str, Any] = {"name": name or "", "kind": kind,
                          "every": every.seconds() if every else 900}
    if every is not None and every.seconds() <= 0:
        errors.add(sec.p("every"), "must be more than 0")
    for key in ("path", "url", "archive", "status_changes", "encoding", "delimiter", "ca_bundle",
                "proxy", "username", "filter", "query", "queue", "column", "name_field"):
        value = sec.get(key, str)
        if value is not None:
            kw[key] = value
    for key in ("timeout",):
        value = sec.get(key, float)
        if value is not None:
            kw[key] = value
    for key in ("retries", "page_size"):
        value = sec.get(key, int)
        if value is not None:
            kw[key] = value
    for key in ("derive_first_response", "devices", "count"):
        value = sec.get(key, bool)
        if value is not None:
            kw[key] = value
    for key in ("first_line_groups", "templates", "queues", "select"):
        if key in sec.data:
            kw[key] = sec.str_list(key)
    if "password" in SOURCE_KEYS[kind]:
        kw["password"] = read_secret(sec, "password", errors)
    settle = sec.duration("settle")
    if settle is not None:
        kw["settle"] = settle.seconds()
    full = sec.duration("full_resync")
    if full is not None:
        kw["full_resync"] = full.seconds()
    after = sec.get("after", str, "keep")
    if after not in ("keep", "archive", "delete"):
        errors.add(sec.p("after"), f"{after!r} is not one of keep, archive, delete")
    kw["after"] = after
    if after == "archive" and "archive" not in sec.data:
        errors.add(sec.p("archive"), "required when after = \"archive\"")
    auth = sec.get("auth", str, "basic")
    if auth not in ("basic", "ntlm", "negotiate"):
        errors.add(sec.p("auth"), f"{auth!r} is not one of basic, ntlm, negotiate")
    kw["auth"] = auth
    if "service_levels" in sec.data:
        levels = sec.get("service_levels", list, [])
        if not levels or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0
                                 for x in levels):
            errors.add(sec.p("service_levels"), "expected a list of seconds, e.g. [20, 60]")
        else:
            kw["service_levels"] = tuple(levels)
    if "device_filter" in sec.data:
        kw["device_filter"] = dict(sec.get("device_filter", dict, {}))
        _check_device_filter(kw["device_filter"], sec.p("device_filter"), errors)
    if kw.get("url", "").startswith("http://"):
        pass  # allowed; the HTTP helper warns when it is used
    # Where the data comes from.
    if kind in ("ticket_csv", "ace_csv", "inventory_csv", "manual", "efecte_xml"):
        if "path" not in kw and "url" not in kw:
            errors.add(sec.p("path"), "required (or url)")
    elif kind in ("efecte_rest", "sccm", "queue_log"):
        key = "path" if kind == "queue_log" else "url"
        if key not in kw:
            errors.add(sec.p(key), "required")
    if kind == "efecte_rest":
        if not kw.get("templates"):
            errors.add(sec.p("templates"), "required")
        if kw.get("url") and not kw["url"].rstrip("/").endswith("/rest-api/itsm/v1"):
            errors.add(sec.p("url"), "must end in /rest-api/itsm/v1")
        if not 1 <= kw.get("page_size", 200) <= 200:
            errors.add(sec.p("page_size"), "must be between 1 and 200 (the API's limit)")
    if kind == "efecte_xml":
        if "path" in kw and "url" in kw:
            errors.add(sec.p("url"), "give either path (saved exports) or url (search.ws)")
        elif "url" in kw and "query" not in kw:
            errors.add(sec.p("query"), "required with url (the EQL query for search.ws)")
    if kind in TICKET_SOURCE_KINDS and not kw.get("devices"):
        kw["fields"], kw["values"] = _ticket_maps(sec, kind, errors)
    elif "fields" in sec.data or "values" in sec.data:
        kw["fields"] = {k: v for k, v in sec.get("fields", dict, {}).items() if isinstance(v, str)}
    return SourceConfig(**kw)


def _check_device_filter(raw: Mapping[str, Any], path: str, errors: Errors) -> None:
    """sccm's `device_filter`: client/active/obsolete/decommissioned = true | false | "any",
    type = "workstation" | "server" | "all" (the adapter applies it; see sources/sccm.py)."""
    for key, value in raw.items():
        if key in ("client", "active", "obsolete", "decommissioned"):
            if not isinstance(value, bool) and value != "any":
                errors.add(f"{path}.{key}", 'expected true, false or "any"')
        elif key == "type":
            if value not in ("workstation", "server", "all"):
                errors.add(f"{path}.type", "expected one of workstation, server, all")
        else:
            errors.add(f"{path}.{key}", "unknown key for a device filter")


def _ticket_maps(sec: Section, kind: str, errors: Errors
                 ) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    fields_sec = sec.table("fields")
    fields_sec.unknown(set(TICKET_FIELDS), "a ticket field")
    fields: dict[str, str] = dict(DEFAULT_CSV_FIELDS) if kind == "ticket_csv" and \
        "fields" not in sec.data else {}
    for key, value in fields_sec.data.items():
        if key in TICKET_FIELDS:
            if isinstance(value, str) and value:
                fields[key] = value
            else:
                errors.add(fields_sec.p(key), "expected a column header or attribute code")
    required = REQUIRED_TICKET_FIELDS + (("updated",) if kind == "efecte_rest" else ())
    for key in required:
        if key not in fields:
            errors.add(fields_sec.p(key), "required")
    values_sec = sec.table("values")
    values_sec.unknown({"kind", "priority", "status", "resolved_by_line", "org", "support_group",
                        "category"}, "a value map")
    values: dict[str, dict[str, str]] = {}
    for key, table in values_sec.data.items():
        if not isinstance(table, dict):
            errors.add(values_sec.p(key), "expected a table of source value = kpimon value")
            continue
        vocab = VOCABULARY.get(key)
        out: dict[str, str] = {}
        for src_value, ours in table.items():
            if not isinstance(ours, str):
                errors.add(f"{values_sec.p(key)}.{src_value}", "expected a string")
            elif vocab is not None and ours not in vocab:
                errors.add(f"{values_sec.p(key)}.{src_value}",
                           f"{ours!r} is not one of {', '.join(vocab)}")
            else:
                out[src_value] = ours
        values[key] = out
    for key in ("priority", "status"):
        if key not in values:
            errors.add(values_sec.p(key), "required (source value = kpimon value)")
    return fields, values
