"""Normalized records (docs/indicators.md): what every source adapter produces and the store keeps.

All datetimes are timezone-aware UTC. No record carries personal data or free text: a solution
text becomes `solution_present`, subjects, requesters and caller numbers are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

KINDS = ("incident", "request", "order", "other")
PRIORITIES = ("acute", "high", "normal", "low")
STATUSES = ("new", "in_progress", "waiting", "resolved", "closed", "cancelled")
OPEN_STATUSES = ("new", "in_progress", "waiting")
DONE_STATUSES = ("resolved", "closed")

Kind = Literal["incident", "request", "order", "other"]
Priority = Literal["acute", "high", "normal", "low"]
Status = Literal["new", "in_progress", "waiting", "resolved", "closed", "cancelled"]


@dataclass(frozen=True, slots=True)
class Ticket:
    """One ticket as its source shows it now (a snapshot)."""

    source: str
    id: str
    kind: str
    priority: str
    status: str
    created: datetime
    updated: datetime | None = None
    first_response: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    resolved_by_line: int | None = None
    solution_present: bool | None = None
    support_group: str | None = None
    org: str | None = None
    category: str | None = None
    # Where the row was in its file, for reject messages; not part of the ticket's content.
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A change of a ticket's status; `derived` when inferred from two snapshots."""

    source: str
    ticket_id: str
    at: datetime
    from_status: str | None
    to_status: str
    derived: bool = False


@dataclass(frozen=True, slots=True)
class TicketGone:
    """A ticket that a full resync no longer finds (deleted or hidden at the source)."""

    source: str
    id: str


@dataclass(frozen=True, slots=True)
class Call:
    """One call that entered a phone queue."""

    source: str
    queue: str
    call_id: str
    entered: datetime
    wait_seconds: int
    outcome: Literal["answered", "abandoned"]
    # The line of the call's end event, for reject messages; not part of the call.
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class QueueInterval:
    """Aggregated queue statistics for one queue and interval [start, end)."""

    source: str
    queue: str
    start: datetime
    end: datetime
    received: int
    answered: int
    answered_within: dict[int, int] = field(default_factory=dict)
    abandoned: int = 0
    abandoned_short: int = 0
    wait_seconds_answered_sum: int = 0
    # Where the row was in its file, for reject messages; not part of the interval.
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Device:
    """A computer seen in an inventory snapshot; `attrs` holds non-personal attributes."""

    source: str
    name: str
    seen_at: datetime
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeviceCount:
    """An inventory that only gives a count of computers."""

    source: str
    count: int
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ManualValue:
    """A value entered by hand for an indicator and period (the latest entry wins)."""

    indicator: str
    period: str
    value: float
    entered_at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not be turned into a record: where it was and why.

    `value` holds at most the first 64 characters of the offending value of a mapped field.
    """

    source: str
    where: str
    row: int | None
    field: str | None
    reason: str
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > 64:
            object.__setattr__(self, "value", self.value[:64])


# The fields whose rejected value is kept as it is: a value map's key, which the user needs to
# see to add it to the map. Every other rejected value is kept only as its shape.
VERBATIM_REJECT_FIELDS = ("priority", "status", "kind")


def value_shape(text: str) -> str:
    """A value with its letters and digits masked: `Gustav Olsson 2026` → `Xxxxxx Xxxxxx 9999`.

    Enough to see what is wrong with a date or a number (`31.02.2020 8.15` → `99.99.9999
    9.99`), never the value itself, so a reject cannot carry a name or a free text."""
    return "".join("9" if c.isdigit() else ("X" if c.isupper() else "x") if c.isalpha() else c
                   for c in text)


def stored_reject_value(field_name: str | None, value: str | None) -> str | None:
    """What a reject keeps of its value (at most 64 characters): verbatim for a value-mapped
    field, else its shape."""
    if value is None:
        return None
    value = value[:64]
    return value if field_name in VERBATIM_REJECT_FIELDS else value_shape(value)


def stored_reject_reason(field_name: str | None, value: str | None, reason: str) -> str:
    """A reject's reason as kept: a parser's message may quote the offending value
    (`'Gustav Olsson' is not a number`); for a field whose value is kept only as its shape,
    the quoted value is masked in the reason too (`'Xxxxxx Xxxxxx' is not a number`)."""
    if not value or field_name in VERBATIM_REJECT_FIELDS:
        return reason
    for text in {value, value.strip()}:
        quoted = repr(text)
        if text and quoted in reason:
            reason = reason.replace(quoted, value_shape(quoted))
    return reason

#: Internal control statuses (the seed's four phrases, in its order of severity).
CONTROL_STATUSES = ("none", "minor", "major", "not_started")
CONTROL_PHRASES = {"inga avvikelser": "none", "mindre avvikelser": "minor",
                   "större avvikelser": "major", "ej påbörjad": "not_started",
                   "no deviations": "none", "minor deviations": "minor",
                   "major deviations": "major", "not started": "not_started"}


def parse_control_status(text: str) -> str:
    """A control status id from its id or its Swedish (or English) phrase, any case:
    `minor`, `Mindre avvikelser`. Raises ValueError."""
    s = " ".join(text.strip().lower().replace("_", " ").split())
    if s.replace(" ", "_") in CONTROL_STATUSES:
        return s.replace(" ", "_")
    if s in CONTROL_PHRASES:
        return CONTROL_PHRASES[s]
    raise ValueError(f"{text!r} is not a control status: none, minor, major, not_started or "
                     "Inga avvikelser, Mindre avvikelser, Större avvikelser, Ej påbörjad")


@dataclass(frozen=True, slots=True)
class ControlStatus:
    """A follow-up of an internal-control point, recorded by hand (`kpimon control record`
    or a CSV drop): the status at one occasion, with a comment, who followed it up and when
    it was entered. `occasion` is the occasion's date (ISO) or its number (`1`, `2` …)."""

    control: str
    occasion: str
    status: str
    comment: str | None
    by: str | None
    entered_at: datetime


Record = (Ticket | StatusChange | TicketGone | Call | QueueInterval | Device | DeviceCount
          | ManualValue | ControlStatus)
