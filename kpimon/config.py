"""Configuration (DESIGN §10): one TOML file validated into a frozen object.

Every error is collected with its key path (`sources[1].fields.priority: required`) and reported
at once by `ConfigError`. `${ENV_VAR}` is expanded in every string (`$$` is a literal `$`), and a
`*_file` key reads a secret from a file (systemd credentials). Secrets are never put in messages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpimon.durations import Duration, parse_duration
from kpimon.records import KINDS, PRIORITIES, STATUSES

DEFAULT_CONFIG = "/etc/kpimon/kpimon.toml"

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
VOCABULARY = {"kind": KINDS, "priority": PRIORITIES, "status": STATUSES}
DEFAULT_EVERY = {"efecte_rest": "5m", "sccm": "1h", "inventory_csv": "1h", "manual": "5m"}

INDICATOR_KINDS = (
    "response_within", "resolution_within", "first_line_share", "handling_time",
    "open_older_than", "oldest_open_age", "missing_solution", "status_flow",
    "call_service_level", "call_answer_rate", "call_abandon_rate", "call_average_wait",
    "asset_reconciliation", "manual",
)
TICKET_INDICATOR_KINDS = INDICATOR_KINDS[:8]
CALL_INDICATOR_KINDS = INDICATOR_KINDS[8:12]
THRESHOLD_KINDS = ("response_within", "resolution_within", "open_older_than", "call_service_level")
CLOCK_KINDS = ("response_within", "resolution_within")
DEFAULT_UNIT = {
    "response_within": "ratio", "resolution_within": "ratio", "first_line_share": "ratio",
    "handling_time": "seconds", "open_older_than": "count", "oldest_open_age": "seconds",
    "missing_solution": "count", "status_flow": "count", "call_service_level": "ratio",
    "call_answer_rate": "ratio", "call_abandon_rate": "ratio", "call_average_wait": "seconds",
    "asset_reconciliation": "count", "manual": "count",
}
DURATION_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
FILTER_KEYS = ("kind", "priority", "org", "category", "support_group")
_INDICATOR_KEYS = {
    "id", "name", "kind", "threshold", "a", "b", "filter", "calendar", "unit", "target",
    "partial", "pause", "breakdown", "aggregate", "required", "short_abandon", "formula",
    "sources", "description",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TOP_KEYS = {
    "timezone", "database", "orgs", "queues", "http", "calendars", "sources", "indicators",
    "goals", "log_level", "log_format", "state_dir", "retention_years", "compute_every",
}


class ConfigError(Exception):
    """A configuration that cannot be used; `errors` lists every problem with its key path."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Target:
    """A target such as `>= 0.90`, `rise from 0.7113` or `rise` (baseline: previous period)."""

    text: str
    op: str  # one of >=, <=, >, <, rise, fall
    number: float | None  # the bound or the baseline; None for bare rise/fall

    @property
    def relative(self) -> bool:
        return self.op in ("rise", "fall")


@dataclass(frozen=True)
class HttpConfig:
    listen_host: str = "127.0.0.1"
    listen_port: int = 9817
    web_config: str | None = None


@dataclass(frozen=True)
class CalendarConfig:
    """Opening hours as (weekday 0=Mon, 'HH:MM', 'HH:MM') ranges plus holidays and exceptions."""

    name: str
    hours: tuple[tuple[int, str, str], ...]
    holidays: str | None = None
    de_facto: bool = True
    closed: tuple[str, ...] = ()
    short: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    timezone: str = "Europe/Stockholm"
    day_length: int | None = None  # business seconds in a "d"; default the longest opening day


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
        return tuple(s for s in (self.password,) if s)


@dataclass(frozen=True)
class IndicatorConfig:
    """One `[[indicators]]` entry, with durations resolved to seconds for its calendar."""

    id: str
    name: str
    kind: str
    unit: str
    calendar: str = "24x7"
    threshold: int | None = None
    threshold_text: str | None = None
    a: str | None = None
    b: str | None = None
    filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    target: Target | None = None
    partial: Target | None = None
    pause: tuple[str, ...] = ()
    breakdown: tuple[str, ...] = ()
    aggregate: str = "mean"
    required: tuple[str, ...] = ("in_progress",)
    short_abandon: int | None = None
    short_abandon_text: str | None = None
    formula: str = "default"
    sources: tuple[str, ...] = ()
    description: str | None = None

    @property
    def clock(self) -> str:
        """The key of the business clock this indicator measures with (calendar + pause)."""
        return self.calendar + ("|" + ",".join(sorted(self.pause)) if self.pause else "")


@dataclass(frozen=True)
class GoalConfig:
    id: str
    name: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """The whole validated configuration. `digest` identifies it in stored results."""

    timezone: str
    database: str
    orgs: tuple[str, ...]
    queues: tuple[str, ...]
    http: HttpConfig
    calendars: Mapping[str, CalendarConfig]
    sources: tuple[SourceConfig, ...]
    indicators: tuple[IndicatorConfig, ...]
    goals: tuple[GoalConfig, ...]
    log_level: str = "INFO"
    log_format: str = "text"
    state_dir: str = "/var/lib/kpimon"
    retention_years: int | None = None
    compute_every: int = 300
    path: str | None = None
    digest: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def indicator(self, ident: str) -> IndicatorConfig:
        for i in self.indicators:
            if i.id == ident:
                return i
        raise KeyError(ident)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for src in self.sources for s in src.secrets)


# --------------------------------------------------------------------------- parsing helpers

_ENV_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


def _expand(value: Any, path: str, env: Mapping[str, str], errors: _Errors) -> Any:
    """Expand `${VAR}` in every string of a parsed TOML tree."""
    if isinstance(value, str):
        def repl(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name = m.group(1)
            if name not in env:
                errors.add(path, f"environment variable {name} is not set")
                return ""
            return env[name]
        return _ENV_RE.sub(repl, value)
    if isinstance(value, dict):
        return {k: _expand(v, _join(path, k), env, errors) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{path}[{i}]", env, errors) for i, v in enumerate(value)]
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Section:
    """Typed access to one TOML table that records errors instead of raising."""

    def __init__(self, data: Mapping[str, Any], path: str, errors: _Errors):
        self.data = data
        self.path = path
        self.errors = errors

    def p(self, key: str) -> str:
        return _join(self.path, key)

    def unknown(self, allowed: set[str], what: str = "") -> None:
        for key in self.data:
            if key not in allowed:
                hint = f" for {what}" if what else ""
                self.errors.add(self.p(key), f"unknown key{hint}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None,
            required: bool = False) -> Any:
        if key not in self.data:
            if required:
                self.errors.add(self.p(key), "required")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, bool) and kind is not bool and bool not in _tuple(kind):
            self.errors.add(self.p(key), f"expected {_typename(kind)}, got a boolean")
            return default
        if not isinstance(value, kind):
            self.errors.add(self.p(key), f"expected {_typename(kind)}, got {type(value).__name__}")
            return default
        return value

    def str_list(self, key: str, default: tuple[str, ...] = (), one_ok: bool = False,
                 required: bool = False) -> tuple[str, ...]:
        value = self.get(key, (list, str) if one_ok else list, None, required)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str):
                self.errors.add(f"{self.p(key)}[{i}]", "expected a string")
            else:
                out.append(v)
        return tuple(out)

    def duration(self, key: str, default: str | None = None, required: bool = False
                 ) -> Duration | None:
        text = self.get(key, str, default, required)
        if text is None:
            return None
        try:
            return parse_duration(text)
        except ValueError as e:
            self.errors.add(self.p(key), str(e))
            return None

    def table(self, key: str) -> _Section:
        value = self.get(key, dict, {})
        return _Section(value if isinstance(value, dict) else {}, self.p(key), self.errors)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _typename(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))


def parse_target(text: str) -> Target:
    """Parse a target or partial comparison; raises ValueError."""
    t = text.strip()
    m = re.fullmatch(r"(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)", t)
    if m:
        return Target(t, m.group(1), float(m.group(2)))
    m = re.fullmatch(r"(rise|fall)(?:\s+from\s+(-?\d+(?:\.\d+)?))?", t)
    if m:
        return Target(t, m.group(1), float(m.group(2)) if m.group(2) else None)
    raise ValueError(f"{text!r} is not a target like '>= 0.90', '<= 20', 'rise from 0.71' "
                     "or 'rise'")


_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def _ranges(values: tuple[str, ...], path: str, errors: _Errors) -> tuple[tuple[str, str], ...]:
    out = []
    for i, text in enumerate(values):
        m = _HHMM.match(text.strip())
        if not m or (m.group(1), m.group(2)) >= (m.group(3), m.group(4)):
            errors.add(f"{path}[{i}]", f"{text!r} is not an opening range like '08:00-17:00'")
            continue
        a, b = text.strip().split("-")
        out.append((a, b))
    return tuple(out)


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def _secret(sec: _Section, key: str, errors: _Errors) -> str | None:
    direct = sec.get(key, str)
    file_key = f"{key}_file"
    path = sec.get(file_key, str)
    if direct is not None and path is not None:
        errors.add(sec.p(file_key), f"give either {key} or {file_key}, not both")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as e:
            errors.add(sec.p(file_key), f"cannot read secret file {path}: {e.strerror}")
            return None
    return direct


# --------------------------------------------------------------------------- sections


def _calendar(name: str, sec: _Section, tz: str, errors: _Errors) -> CalendarConfig:
    sec.unknown({"hours", "holidays", "de_facto", "closed", "short", "timezone", "day_length"},
                "a calendar")
    hours_sec = sec.table("hours")
    hours_sec.unknown(set(WEEKDAYS), "opening hours (mon..sun)")
    hours: list[tuple[int, str, str]] = []
    for d, day in enumerate(WEEKDAYS):
        for a, b in _ranges(hours_sec.str_list(day, one_ok=True), hours_sec.p(day), errors):
            hours.append((d, a, b))
    if "hours" not in sec.data:
        errors.add(sec.p("hours"), "required")
    holidays = sec.get("holidays", str)
    if holidays is not None:
        try:
            import holidays as hol

            hol.country_holidays(holidays, years=2020)
        except Exception:
            errors.add(sec.p("holidays"), f"{holidays!r} is not a country known to `holidays`")
    closed = sec.str_list("closed")
    for i, day_text in enumerate(closed):
        if not _is_date(day_text):
            errors.add(f"{sec.p('closed')}[{i}]", f"{day_text!r} is not a date YYYY-MM-DD")
    short_sec = sec.table("short")
    short: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for day_text in short_sec.data:
        if not _is_date(day_text):
            errors.add(short_sec.p(day_text), f"{day_text!r} is not a date YYYY-MM-DD")
            continue
        short.append((day_text, _ranges(short_sec.str_list(day_text, one_ok=True),
                                        short_sec.p(day_text), errors)))
    cal_tz = sec.get("timezone", str, tz)
    _check_tz(cal_tz, sec.p("timezone"), errors)
    day_length = None
    dl = sec.duration("day_length")
    if dl is not None:
        if dl.unit in ("d", "w", "mo"):
            errors.add(sec.p("day_length"), "give the day length in hours or minutes, e.g. '8h'")
        else:
            day_length = dl.seconds()
    return CalendarConfig(
        name=name, hours=tuple(hours), holidays=holidays,
        de_facto=sec.get("de_facto", bool, True), closed=closed, short=tuple(sorted(short)),
        timezone=cal_tz, day_length=day_length,
    )


def _check_tz(name: str, path: str, errors: _Errors) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add(path, f"{name!r} is not a known time zone")


def _source(sec: _Section, errors: _Errors) -> SourceConfig | None:
    name = sec.get("name", str, required=True)
    kind = sec.get("kind", str, required=True)
    if kind is not None and kind not in SOURCE_KINDS:
        errors.add(sec.p("kind"), f"{kind!r} is not one of {', '.join(SOURCE_KINDS)}")
        kind = None
    if kind is None:
        return None
    sec.unknown(_COMMON_SOURCE_KEYS | SOURCE_KEYS[kind], f"a {kind} source")
    every = sec.duration("every", DEFAULT_EVERY.get(kind, "15m"))
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
        kw["password"] = _secret(sec, "password", errors)
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


def _check_device_filter(raw: Mapping[str, Any], path: str, errors: _Errors) -> None:
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


def _ticket_maps(sec: _Section, kind: str, errors: _Errors
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


def _indicator(sec: _Section, calendars: Mapping[str, CalendarConfig],
               day_lengths: Mapping[str, int | None], errors: _Errors) -> IndicatorConfig | None:
    sec.unknown(_INDICATOR_KEYS, "an indicator")
    ident = sec.get("id", str, required=True)
    kind = sec.get("kind", str, required=True)
    if kind is not None and kind not in INDICATOR_KINDS:
        errors.add(sec.p("kind"), f"{kind!r} is not one of {', '.join(INDICATOR_KINDS)}")
        return None
    if ident is None or kind is None:
        return None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident):
        errors.add(sec.p("id"), "use letters, digits and _ only (it becomes a metric label)")
    kw: dict[str, Any] = {"id": ident, "kind": kind, "name": sec.get("name", str, ident),
                          "description": sec.get("description", str)}
    calendar = sec.get("calendar", str, "24x7")
    if calendar not in calendars:
        errors.add(sec.p("calendar"), f"no calendar named {calendar!r}")
    kw["calendar"] = calendar
    business = calendar != "24x7"
    day_length = day_lengths.get(calendar) if business else None
    unit = sec.get("unit", str, DEFAULT_UNIT[kind])
    duration_kind = DEFAULT_UNIT[kind] == "seconds"
    if kind == "manual":
        pass  # any unit the board uses (kSEK, index, ratio …)
    elif duration_kind and unit not in DURATION_UNITS:
        errors.add(sec.p("unit"), f"{unit!r} is not one of {', '.join(DURATION_UNITS)}")
    elif not duration_kind and unit != DEFAULT_UNIT[kind]:
        errors.add(sec.p("unit"), f"a {kind} indicator is in {DEFAULT_UNIT[kind]}")
    kw["unit"] = unit
    if kind in THRESHOLD_KINDS:
        d = sec.duration("threshold", required=True)
        if d is not None:
            try:
                kw["threshold"] = d.seconds(day_length if business else None)
                kw["threshold_text"] = d.text
            except ValueError as e:
                errors.add(sec.p("threshold"), str(e))
    elif "threshold" in sec.data:
        errors.add(sec.p("threshold"), f"not used by a {kind} indicator")
    if kind == "asset_reconciliation":
        kw["a"] = sec.get("a", str, required=True)
        kw["b"] = sec.get("b", str, required=True)
    filt = sec.table("filter")
    filt.unknown(set(FILTER_KEYS), "a filter")
    fvals: dict[str, tuple[str, ...]] = {}
    for key in FILTER_KEYS:
        if key in filt.data:
            fvals[key] = filt.str_list(key, one_ok=True)
            vocab = VOCABULARY.get(key)
            for v in fvals[key]:
                if vocab is not None and v not in vocab:
                    errors.add(filt.p(key), f"{v!r} is not one of {', '.join(vocab)}")
    kw["filter"] = fvals
    for key in ("target", "partial"):
        text = sec.get(key, str)
        if text is not None:
            try:
                kw[key] = parse_target(text)
            except ValueError as e:
                errors.add(sec.p(key), str(e))
    if kw.get("partial") is not None and kw["partial"].relative:
        errors.add(sec.p("partial"), "give partial as a comparison like '>= 0.80'")
    pause = sec.str_list("pause")
    for v in pause:
        if v not in STATUSES:
            errors.add(sec.p("pause"), f"{v!r} is not a status")
    kw["pause"] = pause
    breakdown = sec.str_list("breakdown")
    allowed_dims = ("queue",) if kind in CALL_INDICATOR_KINDS else ("org",)
    for v in breakdown:
        if v not in allowed_dims:
            errors.add(sec.p("breakdown"), f"{v!r}: a {kind} indicator breaks down by "
                       f"{' or '.join(allowed_dims)}")
    kw["breakdown"] = breakdown
    aggregate = sec.get("aggregate", str, "mean")
    if aggregate not in ("mean", "median", "p90"):
        errors.add(sec.p("aggregate"), f"{aggregate!r} is not one of mean, median, p90")
    kw["aggregate"] = aggregate
    if "required" in sec.data:
        kw["required"] = sec.str_list("required")
        for v in kw["required"]:
            if v not in STATUSES:
                errors.add(sec.p("required"), f"{v!r} is not a status")
    short = sec.duration("short_abandon")
    if short is not None:
        kw["short_abandon"] = short.seconds()
        kw["short_abandon_text"] = short.text
    formula = sec.get("formula", str, "default")
    if formula not in ("default", "answered_only"):
        errors.add(sec.p("formula"), f"{formula!r} is not one of default, answered_only")
    kw["formula"] = formula
    kw["sources"] = sec.str_list("sources", one_ok=True)
    return IndicatorConfig(**kw)


def _day_length(cal: CalendarConfig) -> int:
    if cal.day_length:
        return cal.day_length
    per_day: dict[int, int] = {}
    for d, a, b in cal.hours:
        per_day[d] = per_day.get(d, 0) + _minutes(b) * 60 - _minutes(a) * 60
    return max(per_day.values(), default=0) or 86400


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None,
                 path: str | None = None) -> Config:
    """Validate a parsed TOML document; raises ConfigError listing every problem."""
    errors = _Errors()
    raw = _expand(dict(data), "", os.environ if env is None else env, errors)
    top = _Section(raw, "", errors)
    top.unknown(_TOP_KEYS)
    tz = top.get("timezone", str, "Europe/Stockholm")
    _check_tz(tz, "timezone", errors)
    state_dir = top.get("state_dir", str, os.environ.get("STATE_DIRECTORY", "/var/lib/kpimon"))
    database = top.get("database", str, f"sqlite:///{state_dir}/kpimon.db")
    if database is not None and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database):
        errors.add("database", "expected a sqlite:/// or postgresql+psycopg:// URL")
    http_sec = top.table("http")
    http_sec.unknown({"listen", "web_config"}, "[http]")
    listen = http_sec.get("listen", str, "127.0.0.1:9817")
    host, _, port_text = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    port = 9817
    if not port_text.isdigit() or int(port_text) > 65535:
        errors.add("http.listen", f"{listen!r} is not host:port")
    else:
        port = int(port_text)
    http = HttpConfig(host, port, http_sec.get("web_config", str))

    calendars: dict[str, CalendarConfig] = {
        "24x7": CalendarConfig("24x7", tuple((d, "00:00", "24:00") for d in range(7)),
                               timezone=tz)}
    cal_sec = top.table("calendars")
    for name, value in cal_sec.data.items():
        if name == "24x7":
            errors.add(cal_sec.p(name), "24x7 is built in and cannot be redefined")
        elif not isinstance(value, dict):
            errors.add(cal_sec.p(name), "expected a table")
        else:
            calendars[name] = _calendar(name, _Section(value, cal_sec.p(name), errors), tz, errors)
    day_lengths: dict[str, int | None] = {n: _day_length(c) for n, c in calendars.items()}

    sources: list[SourceConfig] = []
    names: set[str] = set()
    for i, item in enumerate(top.get("sources", list, [])):
        spath = f"sources[{i}]"
        if not isinstance(item, dict):
            errors.add(spath, "expected a table")
            continue
        src = _source(_Section(item, spath, errors), errors)
        if src is None:
            continue
        if src.name in names:
            errors.add(f"{spath}.name", f"{src.name!r} is used twice")
        names.add(src.name)
        sources.append(src)

    indicators: list[IndicatorConfig] = []
    ids: set[str] = set()
    for i, item in enumerate(top.get("indicators", list, [])):
        ipath = f"indicators[{i}]"
        if not isinstance(item, dict):
            errors.add(ipath, "expected a table")
            continue
        ind = _indicator(_Section(item, ipath, errors), calendars, day_lengths, errors)
        if ind is None:
            continue
        if ind.id in ids:
            errors.add(f"{ipath}.id", f"{ind.id!r} is used twice")
        ids.add(ind.id)
        for j, s in enumerate(ind.sources):
            if s not in names:
                errors.add(f"{ipath}.sources[{j}]", f"no source named {s!r}")
        for key in ("a", "b"):
            ref = getattr(ind, key)
            if ref is not None and ref not in names:
                errors.add(f"{ipath}.{key}", f"no source named {ref!r}")
        indicators.append(ind)

    goals: list[GoalConfig] = []
    for i, item in enumerate(top.get("goals", list, [])):
        gsec = _Section(item if isinstance(item, dict) else {}, f"goals[{i}]", errors)
        gsec.unknown({"id", "name", "indicators"}, "a goal")
        gid = gsec.get("id", str, required=True)
        members = gsec.str_list("indicators", required=True)
        for j, m in enumerate(members):
            if m not in ids:
                errors.add(f"goals[{i}].indicators[{j}]", f"no indicator named {m!r}")
        if gid is not None:
            goals.append(GoalConfig(gid, gsec.get("name", str, gid), members))

    log_level = str(top.get("log_level", str, "INFO")).upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        errors.add("log_level", f"{log_level!r} is not a log level")
    log_format = top.get("log_format", str, "text")
    if log_format not in ("text", "json"):
        errors.add("log_format", f"{log_format!r} is not one of text, json")
    compute_every = top.duration("compute_every", "1m")
    retention = top.get("retention_years", int)
    if retention is not None and retention < 1:
        errors.add("retention_years", "must be at least 1")
    if errors.items:
        raise ConfigError(errors.items)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return Config(
        timezone=tz, database=database, orgs=top.str_list("orgs"), queues=top.str_list("queues"),
        http=http, calendars=calendars, sources=tuple(sources), indicators=tuple(indicators),
        goals=tuple(goals), log_level=log_level, log_format=log_format, state_dir=state_dir,
        retention_years=retention, compute_every=compute_every.seconds() if compute_every else 60,
        path=path, digest=digest[:16],
    )


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML file; raises ConfigError (also for unreadable or bad TOML)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ConfigError([f"{path}: cannot read: {e.strerror}"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    return parse_config(data, env, str(path))


def config_path(cli_value: str | None, env: Mapping[str, str]) -> str:
    """--config, else $KPIMON_CONFIG, else /etc/kpimon/kpimon.toml (DESIGN §9)."""
    return cli_value or env.get("KPIMON_CONFIG") or DEFAULT_CONFIG


