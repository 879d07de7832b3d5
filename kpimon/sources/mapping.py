"""Field and value maps (DESIGN §4): from a source's raw attribute values to a `Ticket`.

Shared by every ticket source (CSV, Efecte REST, Efecte XML). Required fields are `id`,
`created`, `status` and `priority` (plus `updated` where the source says so). Priority, status
and kind values must map, or the row is a reject naming field and value; other fields pass through
as they are, and an optional field whose value a given map does not cover becomes null and
counts as a data-quality warning. A solution text only ever becomes `solution_present`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from kpimon.config import REQUIRED_TICKET_FIELDS, VOCABULARY, SourceConfig
from kpimon.records import Reject, Ticket
from kpimon.timeutil import parse_time

_DATE_FIELDS = ("created", "updated", "first_response", "resolved", "closed")
_TEXT_FIELDS = ("support_group", "org", "category")
_DIGITS = re.compile(r"\d+")


class TicketMapper:
    """Turns one raw row (source column or attribute code → text) into a Ticket or a Reject."""

    def __init__(self, config: SourceConfig, tz: ZoneInfo, require_updated: bool = False):
        self.config = config
        self.tz = tz
        self.fields = dict(config.fields)
        self.values = {k: dict(v) for k, v in config.values.items()}
        self.required = REQUIRED_TICKET_FIELDS + (("updated",) if require_updated else ())
        self.warnings = 0  # optional values a value map did not cover (data quality)

    def columns(self) -> dict[str, str]:
        """kpimon field → source column/attribute code, for the fields that are mapped."""
        return dict(self.fields)

    def map(self, raw: Mapping[str, str | None], where: str, row: int | None) -> Ticket | Reject:
        """Map one row; the first problem found makes the whole row a reject."""
        def get(name: str) -> str | None:
            col = self.fields.get(name)
            if col is None:
                return None
            value = raw.get(col)
            if value is None:
                return None
            value = value.strip()
            return value or None

        def reject(name: str, reason: str, value: str | None = None) -> Reject:
            return Reject(self.config.name, where, row, name, reason, value)

        for name in self.required:
            if name in self.fields and self.fields[name] not in raw:
                return reject(name, f"column {self.fields[name]!r} is missing")
            if get(name) is None:
                return reject(name, "required value is empty")
        times: dict[str, datetime | None] = {}
        for name in _DATE_FIELDS:
            text = get(name)
            if text is None:
                times[name] = None
                continue
            try:
                times[name] = parse_time(text, self.tz)
            except ValueError:
                return reject(name, "not a date and time", text)
        vocab: dict[str, str] = {}
        for name in ("priority", "status", "kind"):
            text = get(name)
            if text is None:
                if name == "kind":
                    vocab[name] = "incident"
                    continue
                return reject(name, "required value is empty")
            mapping = self.values.get(name)
            if mapping is not None:
                mapped = mapping.get(text)
            else:
                mapped = text if text in VOCABULARY[name] else None
            if mapped is None:
                return reject(name, f"value {text!r} is not in values.{name}", text)
            vocab[name] = mapped
        line = self._line(get("resolved_by_line"))
        solution_present: bool | None = None
        if "solution" in self.fields:
            solution_present = get("solution") is not None
        text_values: dict[str, str | None] = {}
        for name in _TEXT_FIELDS:
            text = get(name)
            mapping = self.values.get(name)
            if text is not None and mapping is not None:
                if text not in mapping:
                    self.warnings += 1
                text = mapping.get(text)
            text_values[name] = text
        created = times["created"]
        assert created is not None  # required above
        return Ticket(
            source=self.config.name, id=get("id") or "", kind=vocab["kind"],
            priority=vocab["priority"], status=vocab["status"], created=created,
            updated=times["updated"], first_response=times["first_response"],
            resolved=times["resolved"], closed=times["closed"], resolved_by_line=line,
            solution_present=solution_present, support_group=text_values["support_group"],
            org=text_values["org"], category=text_values["category"], row=row,
        )

    def _line(self, text: str | None) -> int | None:
        if text is None:
            return None
        mapping = self.values.get("resolved_by_line")
        if mapping is not None:
            if text not in mapping:
                self.warnings += 1
                return None
            text = mapping[text]
        m = _DIGITS.search(text)
        if m is None:
            self.warnings += 1
            return None
        return int(m.group(0))

    def status(self, text: str | None) -> str | None:
        """Map a status value through the status map (for status-history rows)."""
        if text is None or not text.strip():
            return None
        return self.values.get("status", {}).get(text.strip())
