"""`[[indicators]]` and `[[goals]]`: what is measured, with which clock, against which target."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kpimon.config.calendars import CalendarConfig
from kpimon.config.parsing import Errors, Section, did_you_mean
from kpimon.config.sources import VOCABULARY
from kpimon.records import STATUSES

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


def parse_filter(sec: Section, errors: Errors) -> dict[str, tuple[str, ...]]:
    """A `filter` table (kind, priority, org, category, support_group → one value or a list),
    its vocabulary values checked; used by indicators and by alert rules alike."""
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
    return fvals


def parse_target(text: str) -> Target:
    """Parse a target or partial comparison; raises ValueError."""
    t = text.strip()
    m = re.fullmatch(r"(>=|<=|>|<)\s*(-?\d{1,15}(?:\.\d{1,15})?)", t)
    if m:
        return Target(t, m.group(1), float(m.group(2)))
    m = re.fullmatch(r"(rise|fall)(?:\s+from\s+(-?\d{1,15}(?:\.\d{1,15})?))?", t)
    if m:
        return Target(t, m.group(1), float(m.group(2)) if m.group(2) else None)
    raise ValueError(f"{text[:60]!r} is not a target like '>= 0.90', '<= 20', 'rise from 0.71' "
                     "or 'rise'")


def parse_indicator(sec: Section, calendars: Mapping[str, CalendarConfig],
               day_lengths: Mapping[str, int | None], errors: Errors) -> IndicatorConfig | None:
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
        errors.add(sec.p("calendar"),
                   f"no calendar named {calendar!r}{did_you_mean(calendar, calendars)}")
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
    kw["filter"] = parse_filter(sec, errors)
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


def parse_goal(item: Any, path: str, indicator_ids: set[str], errors: Errors) -> GoalConfig | None:
    """One `[[goals]]` entry; its members must name configured indicators."""
    gsec = Section(item if isinstance(item, dict) else {}, path, errors)
    gsec.unknown({"id", "name", "indicators"}, "a goal")
    gid = gsec.get("id", str, required=True)
    members = gsec.str_list("indicators", required=True)
    for j, m in enumerate(members):
        if m not in indicator_ids:
            errors.add(f"{path}.indicators[{j}]",
                       f"no indicator named {m!r}{did_you_mean(m, indicator_ids)}")
    if gid is None:
        return None
    return GoalConfig(gid, gsec.get("name", str, gid), members)
