"""An alert's life: inactive → pending → firing → resolved, one step per evaluation.

An alert is identified by its rule and the fingerprint of its labels. `step` is the whole state
machine as a pure function of the stored row, whether the condition holds now, the rule's
`for` and the time: the alert job stores what it returns with a compare-and-swap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kpimon.store.alerts import AlertRow

STATES = ("inactive", "pending", "firing", "resolved")


@dataclass
class Sample:
    """What one evaluation of a rule says about one label set."""

    rule: str
    kind: str
    labels: dict[str, str]
    active: bool
    annotations: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # the sources whose failure mutes this alert

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit identity of a label set (its order does not matter)."""
    text = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def step(row: AlertRow | None, sample: Sample | None, for_: int, now: int
         ) -> AlertRow | None:
    """The alert's next row, or None when nothing at all changes.

    Without a sample (the rule is gone, or no longer produces this label set) the condition
    counts as false. The returned row keeps the stored version, ready for the swap.
    """
    active = sample is not None and sample.active
    if row is None:
        if not active:
            return None  # an alert that never held is not stored
        assert sample is not None
        row = AlertRow(rule=sample.rule, fingerprint=sample.fingerprint, labels=sample.labels)
    new = replace(row)
    state = row.state
    if active:
        if state in ("inactive", "resolved"):
            new.state, new.active_since, new.resolved_at = "pending", now, None
            new.fired_at = None
            state = "pending"
        since = now if new.active_since is None else new.active_since
        if state == "pending" and now - since >= for_:
            new.state, new.fired_at = "firing", now
    elif state == "pending":
        new.state, new.active_since = "inactive", None
    elif state == "firing":
        new.state, new.resolved_at = "resolved", now
    if sample is not None:
        new.labels = dict(sample.labels)
        if sample.active or row.state in ("pending", "firing"):
            # What the mail shows is kept as of the last time the condition held, so that a
            # resolved notice still says what it was about.
            if sample.active:
                new.annotations = dict(sample.annotations)
                new.details = dict(sample.details)
            new.sources = tuple(sample.sources)
    changed = (new.state, new.active_since, new.fired_at, new.resolved_at, new.annotations,
               new.details, new.sources) != (
        row.state, row.active_since, row.fired_at, row.resolved_at, row.annotations,
        row.details, row.sources)
    if not changed and row.version:
        return None
    new.evaluated_at = now
    return new
