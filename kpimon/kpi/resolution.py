"""When a ticket counts as resolved, and at what time (docs/indicators.md): the resolved-time rule.

This module is the rule alone, as pure functions over one ticket's columns and status history;
`kpi/facts.py` applies it to every changed ticket and the store keeps the result as rows of
`resolutions`, which every ticket indicator reads. The rule:

* **Closing never moves the resolution.** A ticket that goes resolved → closed keeps its
  resolved time; the closed time counts only for a ticket closed without being resolved first.
* **With a status history** (the source's own, else the one kpimon derives from consecutive
  exports), a ticket is resolved as of `at` when its last change at or before `at` went to
  resolved or closed. Its resolved time is the start of that *run* of resolved/closed statuses —
  or the source's own time where that lies after the ticket's last change into an open status
  before the run (after its creation when there is none), before the run ended, and at or
  before `at`. The source's own time is its `resolved` value, else its `closed` value where the
  run began with closed (closed without being resolved); it is what the source's own reports
  use, and a history derived from snapshots only knows when a change was seen.
* **The export's current status wins over a lagging history**: from the ticket's `updated`
  time on, an exported new, in_progress or waiting ticket is open and an exported resolved or
  closed one is resolved, whatever the history says; the history decides only before that.
* **Without a history**: the source's `resolved`, else `closed`, while the ticket's current
  status is resolved or closed (a reopened ticket is open until it is resolved again).

Each run becomes one `Resolution`, or two when the source's time lies after the run's start
(it only counts once `at` has reached it): as of `at`, the ticket's resolution is the row with
`valid_from <= at` that is neither superseded (`superseded_at <= at`) nor reopened
(`reopened_at <= at`). "Resolved by m" (open at a period's end m, evaluated as of `at`) takes
the row chosen as of `at` and asks whether its time is at or before m and the run had not
ended by m — the history as of m, the resolved time known as of `at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from kpimon.records import DONE_STATUSES, OPEN_STATUSES

# Both records are NamedTuples rather than dataclasses: the facts pass builds several per
# ticket, and a tuple is built several times faster than a frozen dataclass.


class Change(NamedTuple):
    """One status change (epoch seconds), from the source's history or derived by the store."""

    at: int
    from_status: str | None
    to_status: str
    derived: bool


class Resolution(NamedTuple):
    """One resolved time of a ticket and the evaluation moments it holds for.

    As of `at` the ticket is resolved at `resolved_at` when `valid_from <= at` and neither
    `superseded_at` (a later-known time of the same run takes over) nor `reopened_at` (the
    run ended: the ticket went back to an open status) is at or before `at`.
    """

    resolved_at: int
    valid_from: int
    superseded_at: int | None
    reopened_at: int | None

    def holds_at(self, at: int) -> bool:
        """Whether this is the ticket's resolution as of `at`."""
        return (self.valid_from <= at and (self.superseded_at is None or self.superseded_at > at)
                and (self.reopened_at is None or self.reopened_at > at))

    def resolved_by(self, m: int, at: int) -> bool:
        """Whether, evaluated as of `at` (m <= at), this row makes the ticket resolved by m."""
        return (self.valid_from <= at and (self.superseded_at is None or self.superseded_at > at)
                and self.resolved_at <= m and (self.reopened_at is None or self.reopened_at > m))


def history_of(changes: Sequence[Change]) -> list[Change]:
    """The history the rule reads: the source's own changes where it has any, else the ones
    kpimon derived from consecutive exports (both in order of time)."""
    source = [c for c in changes if not c.derived]
    return source if source else list(changes)


def with_export_status(history: Sequence[Change], status: str, updated: int | None
                       ) -> Sequence[Change]:
    """The history as the rule reads it once the export's current status is applied: from
    `updated` on the export's status wins, so changes at or after `updated` are left out and,
    where the history's status just before `updated` disagrees with the export on open versus
    resolved, a change to the export's status at `updated` is added (the history's own change
    at `updated`, where it is exactly that one)."""
    if updated is None or not history or (
            status not in OPEN_STATUSES and status not in DONE_STATUSES):
        return history
    cut = len(history)
    while cut and history[cut - 1].at >= updated:
        cut -= 1
    before = history[cut - 1].to_status if cut else None
    if (status in DONE_STATUSES) == (before in DONE_STATUSES):
        return history[:cut]
    if cut < len(history) and history[cut] == (updated, before, status, history[cut].derived):
        return history[:cut + 1]
    return [*history[:cut], Change(updated, before, status, True)]


def runs(history: Sequence[Change]) -> list[tuple[int, int | None]]:
    """(index of the change that starts it, index of the change that ends it or None) for each
    run of resolved/closed statuses; a run ended at the moment it began is no run."""
    out: list[tuple[int, int | None]] = []
    start: int | None = None
    for i, ch in enumerate(history):
        done = ch.to_status in DONE_STATUSES
        if done and start is None:
            start = i
        elif not done and start is not None:
            if history[i].at > history[start].at:
                out.append((start, i))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def resolutions(status: str, created: int, updated: int | None, resolved: int | None,
                closed: int | None, changes: Sequence[Change]) -> list[Resolution]:
    """Every resolution of one ticket, in order (see the module docstring)."""
    history = history_of(changes)
    if not history:
        if status in DONE_STATUSES:
            when = resolved if resolved is not None else closed
            if when is not None:
                return [Resolution(when, when, None, None)]
        return []
    effective = with_export_status(history, status, updated)
    found = runs(effective)
    if not found:
        return []
    own = resolved
    if own is None and effective[found[-1][0]].to_status == "closed":
        own = closed  # closed without being resolved first: the close is the resolution
    out: list[Resolution] = []
    for first, last in found:
        start = effective[first].at
        end = effective[last].at if last is not None else None
        lower = effective[first - 1].at if first > 0 else created
        if own is None or own <= lower or (end is not None and own >= end):
            out.append(Resolution(start, start, None, end))
        elif own <= start:  # the source knew it earlier than the history shows
            out.append(Resolution(own, start, None, end))
        else:  # the run's start until `at` reaches the source's own time, then that time
            out.append(Resolution(start, start, own, end))
            out.append(Resolution(own, own, None, end))
    return out


def done_at(rows: Sequence[Resolution]) -> int | None:
    """The moment from which the ticket counts as resolved by any later moment m, whatever the
    evaluation time (None while it is open): the last row's `valid_from` when its run has not
    ended. The open-ticket queries use it to skip most resolved tickets by index."""
    if rows and rows[-1].reopened_at is None:
        return rows[-1].valid_from
    return None
