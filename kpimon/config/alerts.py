"""`[alerts]`: the SMTP relay, receivers, routes, inhibition rules and alert rules.

The semantics are Alertmanager's (routes matched on labels to receivers, `group_by`,
`group_wait`, `group_interval`, `repeat_interval`, inhibition with `source_match`,
`target_match` and `equal`); what kpimon adds is the rule kinds, which read the indicators and
the sources, and optional delivery only in a calendar's opening hours (`active_calendar`).

Cross references (an indicator, a source, a calendar, a receiver) are checked by the loader,
which knows the rest of the file; this module checks the shape and every value it can alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kpimon.config.indicators import parse_filter
from kpimon.config.parsing import Errors, Section, read_secret

RULE_KINDS = (
    "indicator_status", "target_unreachable", "tickets_at_risk", "open_older",
    "source_failing", "source_stale", "data_quality", "reload_failed",
)
INDICATOR_RULE_KINDS = ("indicator_status", "target_unreachable", "tickets_at_risk")
SOURCE_RULE_KINDS = ("source_failing", "source_stale", "data_quality")
#: Labels kpimon sets itself on every alert; a rule's own `labels` may not set them.
RESERVED_LABELS = ("alertname", "rule", "indicator", "period", "source")
_COMMON_RULE_KEYS = {"id", "kind", "for", "labels", "annotations"}
_RULE_KEYS = {
    "indicator_status": {"indicator", "period", "status"},
    "target_unreachable": {"indicator", "period"},
    "tickets_at_risk": {"indicator", "share", "min"},
    "open_older": {"limit", "filter", "max"},
    "source_failing": {"source"},
    "source_stale": {"source", "after"},
    "data_quality": {"source", "max_reject_share", "min_records_share", "runs"},
    "reload_failed": set(),
}
ALERT_STATUSES = ("not_achieved", "partial", "no_value")
_LABEL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ADDRESS_RE = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
#: The longest duration any key accepts (docs/configuration.md: durations ≤ 3650 d).
MAX_SECONDS = 3650 * 86400


@dataclass(frozen=True)
class SmtpConfig:
    """The relay: STARTTLS (default) or implicit TLS, optional login, timeouts, a CA bundle."""

    host: str
    port: int
    starttls: bool = True
    tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ca_bundle: str | None = None
    helo: str | None = None


@dataclass(frozen=True)
class ReceiverConfig:
    """Where a group's notifications go: e-mail addresses, or Alertmanager URLs."""

    name: str
    email: tuple[str, ...] = ()
    alertmanager: tuple[str, ...] = ()
    send_resolved: bool = True
    resend_interval: int = 60  # Alertmanager: re-post firing alerts this often
    timeout: float = 10.0
    ca_bundle: str | None = None

    @property
    def channel(self) -> str:
        return "alertmanager" if self.alertmanager else "email"


@dataclass(frozen=True)
class RouteConfig:
    """One route: alerts whose labels match go to `receiver`, grouped by `group_by`."""

    receiver: str
    match: tuple[tuple[str, str, str], ...] = ()
    group_by: tuple[str, ...] = ("rule",)
    group_wait: int = 30
    group_interval: int = 300
    repeat_interval: int = 4 * 3600
    active_calendar: str | None = None
    continue_: bool = False


@dataclass(frozen=True)
class InhibitConfig:
    """While an alert matching `source_match` fires, alerts matching `target_match` that have
    the same values for the `equal` labels are not notified."""

    source_match: tuple[tuple[str, str, str], ...]
    target_match: tuple[tuple[str, str, str], ...]
    equal: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleConfig:
    """One `[[alerts.rules]]` entry; keys of other kinds keep their defaults."""

    id: str
    kind: str
    for_: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()  # empty: every eligible indicator
    period: str = "month"
    statuses: tuple[str, ...] = ("not_achieved",)
    share: float = 0.75
    min_count: int = 1
    limit: int | None = None
    limit_text: str | None = None
    filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    max_count: int = 0
    sources: tuple[str, ...] = ()  # empty: every source
    after: int | None = None  # source_stale: default 2 × the source's `every`
    max_reject_share: float | None = 0.05
    min_records_share: float | None = None
    runs: int = 10


@dataclass(frozen=True)
class AlertsConfig:
    """The whole `[alerts]` table; `enabled` is False when the file has none."""

    enabled: bool = False
    smtp: SmtpConfig | None = None
    from_addr: str | None = None
    external_url: str | None = None
    active_calendar: str | None = None
    templates: str | None = None
    give_up_after: int = 86400
    default_route: RouteConfig | None = None
    routes: tuple[RouteConfig, ...] = ()
    receivers: Mapping[str, ReceiverConfig] = field(default_factory=dict)
    inhibit: tuple[InhibitConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in ((self.smtp.password if self.smtp else None),) if s)

    def rule(self, ident: str) -> RuleConfig:
        for r in self.rules:
            if r.id == ident:
                return r
        raise KeyError(ident)


_ALERTS_KEYS = {
    "smtp", "from", "external_url", "active_calendar", "templates", "give_up_after", "receiver",
    "group_by", "group_wait", "group_interval", "repeat_interval", "routes", "receivers",
    "inhibit", "rules",
}
_SMTP_KEYS = {"host", "port", "starttls", "tls", "username", "password", "password_file",
              "timeout", "ca_bundle", "helo"}
_ROUTE_KEYS = {"match", "match_re", "receiver", "group_by", "group_wait", "group_interval",
               "repeat_interval", "active_calendar", "continue"}
_RECEIVER_KEYS = {"email", "alertmanager", "send_resolved", "resend_interval", "timeout",
                  "ca_bundle"}


def _seconds(sec: Section, key: str, default: str | None, minimum: int = 0) -> int | None:
    d = sec.duration(key, default)
    if d is None:
        return None
    s = d.seconds()
    if s > MAX_SECONDS:
        sec.errors.add(sec.p(key), "at most 3650d")
    elif s < minimum:
        sec.errors.add(sec.p(key), f"at least {minimum}s")
    return s


def _timeout(sec: Section, key: str, default: float) -> float:
    value = sec.get(key, (int, float, str), None)
    if value is None:
        return default
    if isinstance(value, str):
        s = _seconds(sec, key, None)
        return float(s) if s else default
    if not (0 < float(value) <= 3600):  # NaN and inf fail this as well
        sec.errors.add(sec.p(key), "must be more than 0 and at most 3600 seconds")
        return default
    return float(value)


def _label_name(name: str, path: str, errors: Errors) -> bool:
    if not _LABEL_RE.fullmatch(name):
        errors.add(path, f"{name!r} is not a label name (letters, digits and _)")
        return False
    return True


def _string_map(sec: Section, key: str, labels: bool) -> dict[str, str]:
    table = sec.table(key)
    out: dict[str, str] = {}
    for name, value in table.data.items():
        path = table.p(name)
        if labels and not _label_name(name, path, sec.errors):
            continue
        if not isinstance(value, str):
            sec.errors.add(path, "expected a string")
            continue
        out[name] = value
    return out


def _matchers(sec: Section, eq_key: str, re_key: str) -> tuple[tuple[str, str, str], ...]:
    out = [(k, "=", v) for k, v in _string_map(sec, eq_key, labels=True).items()]
    for k, v in _string_map(sec, re_key, labels=True).items():
        try:
            re.compile(v)
        except re.error as e:
            sec.errors.add(sec.table(re_key).p(k), f"not a regular expression: {e}")
            continue
        out.append((k, "=~", v))
    return tuple(out)


def address_ok(text: str) -> bool:
    """A mailbox `a@b` or `Name <a@b>`; never CR/LF (a header injection)."""
    if any(c in text for c in "\r\n\0"):
        return False
    m = re.fullmatch(r"\s*(?:[^<>\r\n]*<\s*([^<>\s]+)\s*>|([^<>\s]+))\s*", text)
    return bool(m and _ADDRESS_RE.fullmatch(m.group(1) or m.group(2)))


def parse_smtp(sec: Section, errors: Errors) -> SmtpConfig | None:
    sec.unknown(_SMTP_KEYS, "[alerts.smtp]")
    host = sec.get("host", str, required=True)
    tls = bool(sec.get("tls", bool, False))
    starttls = bool(sec.get("starttls", bool, not tls))
    if tls and starttls:
        errors.add(sec.p("starttls"), "give tls = true (implicit TLS, port 465) or starttls = "
                   "true (port 587), not both")
    port = sec.get("port", int, 465 if tls else 587 if starttls else 25)
    if port is not None and not 0 < port < 65536:
        errors.add(sec.p("port"), "must be 1..65535")
    username = sec.get("username", str)
    password = read_secret(sec, "password", errors)
    if password is not None and username is None:
        errors.add(sec.p("username"), "required with a password")
    if username is not None and not (tls or starttls) and host not in (
            "localhost", "127.0.0.1", "::1"):
        errors.add(sec.p("username"), "a login without TLS would send the password in clear; "
                   "set starttls = true or tls = true")
    helo = sec.get("helo", str)
    if host is None:
        return None
    if any(c in host for c in "\r\n /"):
        errors.add(sec.p("host"), f"{host!r} is not a host name")
    return SmtpConfig(host=host, port=port or 25, starttls=starttls, tls=tls, username=username,
                      password=password, timeout=_timeout(sec, "timeout", 30.0),
                      ca_bundle=sec.get("ca_bundle", str), helo=helo)


def parse_receiver(name: str, sec: Section, errors: Errors) -> ReceiverConfig:
    sec.unknown(_RECEIVER_KEYS, "a receiver")
    email = sec.str_list("email", one_ok=True)
    for i, addr in enumerate(email):
        if not address_ok(addr):
            errors.add(f"{sec.p('email')}[{i}]", f"{addr!r} is not an e-mail address")
    am = sec.str_list("alertmanager", one_ok=True)
    for i, url in enumerate(am):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.add(f"{sec.p('alertmanager')}[{i}]",
                       f"{url!r} is not an http:// or https:// URL")
    if bool(email) == bool(am):
        errors.add(sec.path, "give either email = [addresses] or alertmanager = \"URL\"")
    elif email:
        for key in ("resend_interval", "timeout", "ca_bundle"):
            if key in sec.data:
                errors.add(sec.p(key), "only for an alertmanager receiver (the relay's are "
                           "[alerts.smtp] keys)")
    return ReceiverConfig(
        name=name, email=email, alertmanager=am,
        send_resolved=bool(sec.get("send_resolved", bool, True)),
        resend_interval=_seconds(sec, "resend_interval", "1m", minimum=1) or 60,
        timeout=_timeout(sec, "timeout", 10.0), ca_bundle=sec.get("ca_bundle", str))


def parse_route(sec: Section, base: RouteConfig, errors: Errors,
                receiver_required: bool) -> RouteConfig:
    """A route; what it leaves out it takes from `base` (the `[alerts]` defaults)."""
    sec.unknown(_ROUTE_KEYS, "a route")
    receiver = sec.get("receiver", str, required=receiver_required)
    group_by = sec.str_list("group_by", base.group_by)
    for i, g in enumerate(group_by):
        if g != "...":  # Alertmanager's "every label"
            _label_name(g, f"{sec.p('group_by')}[{i}]", errors)
    wait = _seconds(sec, "group_wait", None)
    interval = _seconds(sec, "group_interval", None, minimum=1)
    repeat = _seconds(sec, "repeat_interval", None, minimum=1)
    return RouteConfig(
        receiver=receiver or base.receiver,
        match=_matchers(sec, "match", "match_re"),
        group_by=group_by,
        group_wait=base.group_wait if wait is None else wait,
        group_interval=base.group_interval if interval is None else interval,
        repeat_interval=base.repeat_interval if repeat is None else repeat,
        active_calendar=sec.get("active_calendar", str, base.active_calendar),
        continue_=bool(sec.get("continue", bool, False)),
    )


def _one_or_list(sec: Section, key: str) -> tuple[str, ...]:
    return sec.str_list(key, one_ok=True)


def _share(sec: Section, key: str, default: float | None) -> float | None:
    value = sec.get(key, float, default)
    if value is not None and not (0 <= value <= 1):
        sec.errors.add(sec.p(key), "a share between 0 and 1 (0.05 is 5 %)")
        return default
    return value


def _count(sec: Section, key: str, default: int, minimum: int) -> int:
    value = sec.get(key, int, default)
    if value is None or value < minimum or value > 10**9:
        sec.errors.add(sec.p(key), f"a whole number of at least {minimum}")
        return default
    return int(value)


def parse_rule(sec: Section, errors: Errors) -> RuleConfig | None:
    ident = sec.get("id", str, required=True)
    kind = sec.get("kind", str, required=True)
    if kind is not None and kind not in RULE_KINDS:
        errors.add(sec.p("kind"), f"{kind!r} is not one of {', '.join(RULE_KINDS)}")
        kind = None
    if ident is not None and not _LABEL_RE.fullmatch(ident):
        errors.add(sec.p("id"), "use letters, digits and _ only (it becomes a metric label)")
    if kind is None or ident is None:
        return None
    sec.unknown(_COMMON_RULE_KEYS | _RULE_KEYS[kind], f"a {kind} rule")
    labels = _string_map(sec, "labels", labels=True)
    for name in labels:
        if name in RESERVED_LABELS:
            errors.add(sec.table("labels").p(name), "set by kpimon itself")
    kw: dict[str, Any] = {
        "id": ident, "kind": kind, "for_": _seconds(sec, "for", "0s") or 0,
        "labels": labels, "annotations": _string_map(sec, "annotations", labels=True),
    }
    if kind in ("indicator_status", "target_unreachable"):
        kw["indicators"] = _one_or_list(sec, "indicator")
        period = sec.get("period", str, "month")
        if period not in ("month", "year"):
            errors.add(sec.p("period"), f"{period!r} is not one of month, year")
        kw["period"] = period
    if kind == "indicator_status":
        statuses = sec.str_list("status", ("not_achieved",), one_ok=True)
        for s in statuses:
            if s not in ALERT_STATUSES:
                errors.add(sec.p("status"), f"{s!r} is not one of {', '.join(ALERT_STATUSES)}")
        kw["statuses"] = statuses
    if kind == "tickets_at_risk":
        ind = sec.get("indicator", str, required=True)
        kw["indicators"] = (ind,) if ind else ()
        share = _share(sec, "share", 0.75)
        if share is not None and not 0 < share < 1:
            errors.add(sec.p("share"), "a share of the threshold between 0 and 1, e.g. 0.75")
        kw["share"] = share if share is not None else 0.75
        kw["min_count"] = _count(sec, "min", 1, 1)
    if kind == "open_older":
        d = sec.duration("limit", required=True)
        if d is not None:
            if d.seconds() > MAX_SECONDS or d.seconds() <= 0:
                errors.add(sec.p("limit"), "more than 0 and at most 3650d")
            kw["limit"], kw["limit_text"] = d.seconds(), d.text
        kw["filter"] = parse_filter(sec, errors)
        kw["max_count"] = _count(sec, "max", 0, 0)
    if kind in SOURCE_RULE_KINDS:
        kw["sources"] = _one_or_list(sec, "source")
    if kind == "source_stale" and "after" in sec.data:
        kw["after"] = _seconds(sec, "after", None, minimum=1)
    if kind == "data_quality":
        given = {"max_reject_share", "min_records_share"} & sec.data.keys()
        kw["max_reject_share"] = _share(sec, "max_reject_share",
                                        None if given else 0.05)
        kw["min_records_share"] = _share(sec, "min_records_share", None)
        kw["runs"] = _count(sec, "runs", 10, 2)
    return RuleConfig(**kw)


def parse_alerts(sec: Section, errors: Errors, indicators: Mapping[str, Any],
                 sources: Mapping[str, Any], calendars: Mapping[str, Any]) -> AlertsConfig:
    """The `[alerts]` table; an absent table gives a disabled AlertsConfig. `indicators`,
    `sources` and `calendars` (by name) are what the rest of the file defines."""
    if not sec.data:
        return AlertsConfig()
    sec.unknown(_ALERTS_KEYS, "[alerts]")
    smtp = parse_smtp(sec.table("smtp"), errors) if "smtp" in sec.data else None
    from_addr = sec.get("from", str)
    if from_addr is not None and not address_ok(from_addr):
        errors.add(sec.p("from"), f"{from_addr!r} is not an e-mail address")
    external_url = sec.get("external_url", str)
    if external_url is not None:
        parts = urlsplit(external_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.add(sec.p("external_url"), f"{external_url!r} is not an http(s):// URL")
    receivers: dict[str, ReceiverConfig] = {}
    rec_sec = sec.table("receivers")
    for name, value in rec_sec.data.items():
        if not isinstance(value, dict):
            errors.add(rec_sec.p(name), "expected a table")
            continue
        receivers[name] = parse_receiver(name, Section(value, rec_sec.p(name), errors), errors)
    root = parse_route(Section({k: sec.data[k] for k in (
        "receiver", "group_by", "group_wait", "group_interval", "repeat_interval",
        "active_calendar") if k in sec.data}, sec.path, errors), RouteConfig(receiver=""),
        errors, receiver_required=False)
    routes = []
    for i, item in enumerate(sec.get("routes", list, [])):
        path = sec.p(f"routes[{i}]")
        if not isinstance(item, dict):
            errors.add(path, "expected a table")
            continue
        routes.append(parse_route(Section(item, path, errors), root, errors,
                                  receiver_required=not root.receiver))
    inhibit = []
    for i, item in enumerate(sec.get("inhibit", list, [])):
        isec = Section(item if isinstance(item, dict) else {}, sec.p(f"inhibit[{i}]"), errors)
        if not isinstance(item, dict):
            errors.add(isec.path, "expected a table")
            continue
        isec.unknown({"source_match", "source_match_re", "target_match", "target_match_re",
                      "equal"}, "an inhibit rule")
        src = _matchers(isec, "source_match", "source_match_re")
        tgt = _matchers(isec, "target_match", "target_match_re")
        if not src or not tgt:
            errors.add(isec.path, "needs source_match and target_match")
        equal = isec.str_list("equal")
        for j, g in enumerate(equal):
            _label_name(g, f"{isec.p('equal')}[{j}]", errors)
        inhibit.append(InhibitConfig(src, tgt, equal))
    rules = []
    rule_paths = []
    ids: set[str] = set()
    for i, item in enumerate(sec.get("rules", list, [])):
        rsec = Section(item if isinstance(item, dict) else {}, sec.p(f"rules[{i}]"), errors)
        if not isinstance(item, dict):
            errors.add(rsec.path, "expected a table")
            continue
        rule = parse_rule(rsec, errors)
        if rule is None:
            continue
        if rule.id in ids:
            errors.add(rsec.p("id"), f"{rule.id!r} is used twice")
        ids.add(rule.id)
        rules.append(rule)
        rule_paths.append(rsec.path)
    for i, r in enumerate([root, *routes]):
        path = sec.p("receiver") if i == 0 else sec.p(f"routes[{i - 1}].receiver")
        if r.receiver and r.receiver not in receivers:
            errors.add(path, f"no receiver named {r.receiver!r}")
    if any(r.email for r in receivers.values()):
        if smtp is None:
            errors.add(sec.p("smtp"), "required for an e-mail receiver")
        if from_addr is None:
            errors.add(sec.p("from"), "required for an e-mail receiver")
    alerts = AlertsConfig(
        enabled=True, smtp=smtp, from_addr=from_addr,
        external_url=external_url, active_calendar=root.active_calendar,
        templates=sec.get("templates", str),
        give_up_after=_seconds(sec, "give_up_after", "1d", minimum=1) or 86400,
        default_route=root if root.receiver else None, routes=tuple(routes),
        receivers=receivers, inhibit=tuple(inhibit), rules=tuple(rules))
    _check_references(alerts, rule_paths, indicators, sources, calendars, errors)
    return alerts


def _check_references(alerts: AlertsConfig, rule_paths: list[str],
                      indicators: Mapping[str, Any], sources: Mapping[str, Any],
                      calendars: Mapping[str, Any], errors: Errors) -> None:
    """What `[alerts]` names must exist elsewhere in the file: indicators, sources, calendars
    and the templates folder; a rule kind must suit the indicator it watches."""
    from kpimon.config.indicators import CLOCK_KINDS

    if alerts.active_calendar is not None and alerts.active_calendar not in calendars:
        errors.add("alerts.active_calendar", f"no calendar named {alerts.active_calendar!r}")
    for i, route in enumerate(alerts.routes):
        if route.active_calendar not in (None, alerts.active_calendar) and \
                route.active_calendar not in calendars:
            errors.add(f"alerts.routes[{i}].active_calendar",
                       f"no calendar named {route.active_calendar!r}")
    if alerts.templates is not None:
        from pathlib import Path

        if not Path(alerts.templates).is_dir():
            errors.add("alerts.templates", f"{alerts.templates!r} is not a folder")
    for path, rule in zip(rule_paths, alerts.rules, strict=True):
        for ident in rule.indicators:
            ind = indicators.get(ident)
            if ind is None:
                errors.add(f"{path}.indicator", f"no indicator named {ident!r}")
                continue
            if rule.kind == "tickets_at_risk" and ind.kind not in CLOCK_KINDS:
                errors.add(f"{path}.indicator", f"{ident!r} is a {ind.kind} indicator; tickets "
                           f"at risk need a clock ({' or '.join(CLOCK_KINDS)})")
            if rule.kind == "target_unreachable" and not unreachable_applies(ind):
                errors.add(f"{path}.indicator", f"{ident!r} ({ind.kind}, target "
                           f"{ind.target.text if ind.target else 'none'}) cannot become "
                           "unreachable: only shares with an absolute target and "
                           "missing_solution/status_flow with a <= target can")
            if rule.kind == "indicator_status" and ind.target is None:
                errors.add(f"{path}.indicator", f"{ident!r} has no target, so no status")
        for name in rule.sources:
            if name not in sources:
                errors.add(f"{path}.source", f"no source named {name!r}")


def unreachable_applies(ind: Any) -> bool:
    """Whether `target_unreachable` can fire for an indicator (docs/alerts.md): a ratio with an
    absolute target (the forecast), or a cumulative count already past a `<=`/`<` target."""
    target = ind.target
    if target is None or target.relative or target.number is None:
        return False
    if ind.unit == "ratio":
        return True
    return ind.kind in ("missing_solution", "status_flow") and target.op in ("<=", "<")
