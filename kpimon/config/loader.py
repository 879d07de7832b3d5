"""The whole file: top-level keys, `[http]`, and `load_config`, the one entry point."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kpimon.config.alerts import AlertsConfig, parse_alerts
from kpimon.config.calendars import CalendarConfig, business_day_length, parse_calendar
from kpimon.config.controls import ControlConfig, parse_control
from kpimon.config.indicators import GoalConfig, IndicatorConfig, parse_goal, parse_indicator
from kpimon.config.parsing import (
    ConfigError,
    Errors,
    Section,
    check_timezone,
    did_you_mean,
    expand_env,
)
from kpimon.config.sources import SourceConfig, parse_source
from kpimon.redact import MIN_SECRET_LENGTH, encoded_forms

DEFAULT_CONFIG = "/etc/kpimon/kpimon.toml"

_TOP_KEYS = {
    "timezone", "database", "orgs", "queues", "http", "calendars", "sources", "indicators",
    "goals", "log_level", "log_format", "state_dir", "retention_years", "compute_every",
    "language", "controls", "alerts",
}
#: Languages of the page, the explain pages, the report and the command line's table.
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class HttpConfig:
    listen_host: str = "127.0.0.1"
    listen_port: int = 9817
    web_config: str | None = None


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
    language: str = "sv"
    controls: tuple[ControlConfig, ...] = ()
    alerts: AlertsConfig = AlertsConfig()
    path: str | None = None
    digest: str = ""
    # Things that are valid but probably not meant (`check-config` shows them; every command
    # logs them at start).
    warnings: tuple[str, ...] = ()
    # The values taken from the environment (`${NAME}`) and from secret files that count as
    # secrets (`taken_secrets`), with the forms they travel in.
    env_secrets: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def control(self, ident: str) -> ControlConfig:
        for c in self.controls:
            if c.id == ident:
                return c
        raise KeyError(ident)

    def indicator(self, ident: str) -> IndicatorConfig:
        for i in self.indicators:
            if i.id == ident:
                return i
        raise KeyError(ident)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret to mask wherever kpimon shows or keeps text (the log, errors, a
        collection's error): the sources' and the mail relay's, and every value taken from
        the environment or a secret file (`taken_secrets`)."""
        return tuple(dict.fromkeys([*(s for src in self.sources for s in src.secrets),
                                    *self.alerts.secrets, *self.env_secrets]))


#: Settings that only say where something is or pick a word of kpimon's own — a file or folder
#: (`*_file` too: the secret is the file's content, recorded by itself), the listen address, a
#: time zone, a level, a format, a name: an environment value that went only into these is no
#: secret, and masking it would hide which file or name a message is about.
PLACE_KEYS = frozenset({
    "path", "status_changes", "archive", "state_dir", "web_config", "listen", "timezone",
    "language", "log_level", "log_format", "name", "id", "kind", "orgs", "queues"})


def taken_secrets(taken: list[tuple[str, str]], database: str | None) -> tuple[str, ...]:
    """The values taken from the environment or a secret file (`Errors.taken`: key path,
    value) that count as secrets, each with the forms it travels in (percent-encoded in a
    URL): all but those shorter than MIN_SECRET_LENGTH and those that went only into a
    PLACE_KEYS setting or a SQLite `database` (a file's place). A value that went into any
    other setting — a URL, a PostgreSQL URL, a user name, a password, a free text — is one."""
    out: list[str] = []
    for path, value in taken:
        key = re.sub(r"(\[\d+\])+$", "", path.rsplit(".", 1)[-1])
        if len(value) < MIN_SECRET_LENGTH or key in PLACE_KEYS or key.endswith("_file"):
            continue
        if path == "database" and (database or "").startswith("sqlite"):
            continue
        out += encoded_forms(value)
    return tuple(dict.fromkeys(out))


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None,
                 path: str | None = None) -> Config:
    """Validate a parsed TOML document; raises ConfigError listing every problem."""
    errors = Errors()
    raw = expand_env(dict(data), "", os.environ if env is None else env, errors)
    top = Section(raw, "", errors)
    top.unknown(_TOP_KEYS)
    tz = top.get("timezone", str, "Europe/Stockholm")
    check_timezone(tz, "timezone", errors)
    state_dir = top.get("state_dir", str, os.environ.get("STATE_DIRECTORY", "/var/lib/kpimon"))
    database = top.get("database", str, f"sqlite:///{state_dir}/kpimon.db")
    if database is not None and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database):
        errors.add("database", "expected a sqlite:/// or postgresql+psycopg:// URL")
    http_sec = top.table("http")
    http_sec.unknown({"listen", "web_config"}, "[http]")
    host, port = _listen(http_sec.get("listen", str, "127.0.0.1:9817"), errors)
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
            calendars[name] = parse_calendar(
                name, Section(value, cal_sec.p(name), errors), tz, errors)
    day_lengths: dict[str, int | None] = {n: business_day_length(c) for n, c in calendars.items()}

    sources: list[SourceConfig] = []
    names: set[str] = set()
    for i, item in enumerate(top.get("sources", list, [])):
        spath = f"sources[{i}]"
        if not isinstance(item, dict):
            errors.add(spath, "expected a table")
            continue
        src = parse_source(Section(item, spath, errors), errors)
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
        ind = parse_indicator(Section(item, ipath, errors), calendars, day_lengths, errors)
        if ind is None:
            continue
        if ind.id in ids:
            errors.add(f"{ipath}.id", f"{ind.id!r} is used twice")
        ids.add(ind.id)
        for j, s in enumerate(ind.sources):
            if s not in names:
                errors.add(f"{ipath}.sources[{j}]",
                           f"no source named {s!r}{did_you_mean(s, names)}")
        for key in ("a", "b"):
            ref = getattr(ind, key)
            if ref is not None and ref not in names:
                errors.add(f"{ipath}.{key}", f"no source named {ref!r}{did_you_mean(ref, names)}")
        indicators.append(ind)

    goals = [g for i, item in enumerate(top.get("goals", list, []))
             if (g := parse_goal(item, f"goals[{i}]", ids, errors)) is not None]

    controls: list[ControlConfig] = []
    control_ids: set[str] = set()
    for i, item in enumerate(top.get("controls", list, [])):
        ctl = parse_control(item, f"controls[{i}]", ids, errors)
        if ctl is None:
            continue
        if ctl.id in control_ids:
            errors.add(f"controls[{i}].id", f"{ctl.id!r} is used twice")
        control_ids.add(ctl.id)
        controls.append(ctl)
    language = top.get("language", str, "sv")
    if language not in LANGUAGES:
        errors.add("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    alerts = parse_alerts(top.table("alerts"), errors, {i.id: i for i in indicators},
                          {s.name: s for s in sources}, calendars)

    log_level = str(top.get("log_level", str, "INFO")).upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        errors.add("log_level", f"{log_level!r} is not a log level")
    log_format = top.get("log_format", str, "text")
    if log_format not in ("text", "json"):
        errors.add("log_format", f"{log_format!r} is not one of text, json")
    compute_every = top.duration("compute_every", "1m")
    if compute_every is not None and compute_every.seconds() < 1:
        errors.add("compute_every", "must be at least 1s")
        compute_every = None
    retention = top.get("retention_years", int)
    if retention is not None and not 1 <= retention <= 1000:
        errors.add("retention_years", "must be at least 1 and at most 1000")
        retention = None
    if errors.items:
        raise ConfigError(_name_sources(errors.items, raw.get("sources")))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return Config(
        timezone=tz, database=database, orgs=top.str_list("orgs"), queues=top.str_list("queues"),
        http=http, calendars=calendars, sources=tuple(sources), indicators=tuple(indicators),
        goals=tuple(goals), log_level=log_level, log_format=log_format, state_dir=state_dir,
        retention_years=retention, compute_every=compute_every.seconds() if compute_every else 60,
        language=language, controls=tuple(controls), alerts=alerts, path=path,
        digest=digest[:16], warnings=tuple(_warnings(tz, sources)),
        env_secrets=taken_secrets(errors.taken, database),
    )


# host:port, the host a name or an address ([…] around IPv6), the port 0–65535 in ASCII digits.
_LISTEN = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]*):([0-9]{1,5})$")


def _listen(listen: str, errors: Errors) -> tuple[str, int]:
    m = _LISTEN.match(listen)
    if m is None or int(m.group(2)) > 65535:
        errors.add("http.listen", f"{listen[:80]!r} is not host:port (e.g. 127.0.0.1:9817)")
        return "127.0.0.1", 9817
    return m.group(1).strip("[]") or "127.0.0.1", int(m.group(2))


# Zone names that are UTC all year; a desk whose exports carry local times without an offset
# almost never means one of these.
_UTC_NAMES = {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0",
              "Etc/GMT-0", "GMT0", "Greenwich", "Etc/Greenwich", "Universal", "Etc/Universal",
              "Zulu", "Etc/Zulu"}
# Sources whose exports give times without an offset (read in `timezone`).
_LOCAL_TIME_KINDS = ("ticket_csv", "efecte_rest", "efecte_xml", "ace_csv")


def _warnings(tz: str, sources: list[SourceConfig]) -> list[str]:
    out = []
    local = [s.name for s in sources if s.kind in _LOCAL_TIME_KINDS and not s.devices]
    if tz in _UTC_NAMES and local:
        out.append(
            f"timezone: {tz!r} reads every time without an offset in the exports of "
            f"{', '.join(local)} as UTC, and makes the months and years UTC ones; exports "
            'from a Swedish desk are in local time: write timezone = "Europe/Stockholm" (the '
            "default) unless the exports really are in UTC")
    return out


def _name_sources(errors: list[str], raw_sources: Any) -> list[str]:
    """Add the source's name to each error under `sources[i]`: `sources[2].every: not a
    duration (source "cmdb")`, so a long file's errors say which source they are about."""
    names: dict[int, str] = {}
    if isinstance(raw_sources, list):
        for i, item in enumerate(raw_sources):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
                names[i] = item["name"]
    out = []
    for err in errors:
        m = re.match(r"sources\[(\d+)\][.:\[]", err)
        name = names.get(int(m.group(1))) if m else None
        out.append(f'{err} (source "{name}")' if name else err)
    return out


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML file; raises ConfigError (also for unreadable or bad TOML)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ConfigError([f"{path}: cannot read: {e.strerror}"]) from None
    except ValueError as e:  # a NUL in the path
        raise ConfigError([f"{path!r}: cannot read: {e}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ConfigError([f"{path}: not UTF-8 text: byte 0x{raw[e.start]:02x} on line {line} "
                           "(save the file as UTF-8)"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}: not valid TOML: tables or lists nested too deeply"]
                          ) from None
    except ValueError as e:  # a date out of range, an integer of too many digits
        why = "a number with too many digits" if "digits" in str(e) else str(e)[:120]
        raise ConfigError([f"{path}: not valid TOML: {why}"]) from None
    return parse_config(data, env, str(path))


def config_path(cli_value: str | None, env: Mapping[str, str]) -> str:
    """--config, else $KPIMON_CONFIG, else /etc/kpimon/kpimon.toml (README.md)."""
    return cli_value or env.get("KPIMON_CONFIG") or DEFAULT_CONFIG
