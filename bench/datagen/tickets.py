"""Efecte-style ticket exports and their status history, generated in vectorised batches.

The model, in short (all shares are probabilities per ticket; the constants below are the knobs):

* Arrivals: an exact number of tickets is spread over hourly slots by a multinomial draw whose
  weights follow office life (Mon-Fri 08-17, a lunch dip, Mondays busier, few at night, at
  weekends and on holidays, a quiet July and Christmas), then placed uniformly within the slot.
* Each ticket gets a kind, priority (by kind: orders and requests are never acute), organisation,
  category, and the line and group that will resolve it.
* Its life is a chain of events - created, taken (in progress), waiting and back, resolved,
  reopened and resolved again, closed three days later, or cancelled - each a log-normal delay
  after the previous one. Delays are in office minutes (see `BusinessClock`), except for acute
  incidents, which on-call staff handle around the clock. Everything after the end instant has not
  happened yet, which is what leaves recent and "stuck" tickets open.
* The export row and the status history are both read off the same event arrays, so they agree
  by construction: the row's status is the last event's, `Senast ändrad` its time.

Batches hold a few tens of thousands of tickets, so memory does not grow with the ticket count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from bench.datagen.timebase import (
    I64,
    MINUTES_PER_DAY,
    NEVER,
    Bools,
    BusinessClock,
    Stockholm,
    TimeFormatter,
    holiday_day_numbers,
    local_calendar,
    local_to_utc_minutes,
    minute_slots,
)

TICKET_HEADER = (
    "Ärende-ID", "Typ", "Prioritet", "Status", "Skapad", "Första återkoppling", "Löst",
    "Stängd", "Löst av linje", "Lösning", "Grupp", "Organisation", "Kategori", "Senast ändrad",
)
STATUS_HEADER = ("Ärende-ID", "Ändrad", "Från", "Till")
NEWLINE = "\r\n"  # Efecte's CSV export (and the golden sample) use CRLF line ends

KINDS = ("Incident", "Tjänsteförfrågan", "Beställning")
ID_PREFIX = ("INC", "REQ", "ORD")
PRIORITIES = ("1. Akut", "2. Hög", "3. Normal", "4. Låg")
STATUSES = ("01 - Ny", "02 - Pågår", "03 - Väntar", "05 - Avklarad", "07 - Stängd",
            "08 - Annullerad")
NEW, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED = range(6)
ORGS = ("Askersund", "Hallsberg", "Laxå", "Lekeberg")
CATEGORIES = ("Konto", "Skrivare", "Nätverk", "Programvara", "Hårdvara", "Telefoni", "E-post")
LINES = ("1", "", "2", "3")  # "" = no line recorded; the group (Servicedesk) tells
FIRST_LINE_GROUP = "Servicedesk"
ORDER_GROUP = "Beställning"
# The second-line group that takes a category's tickets.
CATEGORY_GROUP = ("Drift", "Drift", "Nätverk", "Applikation", "Drift", "Telefoni", "Drift")
GROUPS = (FIRST_LINE_GROUP, ORDER_GROUP, "Drift", "Nätverk", "Applikation", "Telefoni")

# Neutral solution phrases per category (never names), and for orders.
SOLUTIONS: tuple[tuple[str, ...], ...] = (
    ("Återställt lösenord", "Låst upp kontot", "Behörighet tillagd", "Konto skapat",
     "Synkroniserat kontot"),
    ("Installerat skrivardrivrutin", "Rensat utskriftskön", "Bytt toner", "Åtgärdat pappersstopp",
     "Startade om skrivaren"),
    ("Startade om nätverksporten", "Bytt nätverkskabel", "Återanslutit till trådlöst nätverk",
     "Konfigurerat VPN", "Åtgärdat DHCP-reservation"),
    ("Installerat programmet", "Uppdaterat programvaran", "Startade om tjänsten",
     "Reparerat installationen", "Rensat cache"),
    ("Bytt dockningsstation", "Bytt skärm", "Ominstallerat datorn", "Bytt disk",
     "Bytt tangentbord"),
    ("Aktiverat SIM-kort", "Konfigurerat mobiltelefon", "Ändrat vidarekoppling",
     "Återställt röstbrevlåda", "Kopplat in headset"),
    ("Återställt brevlåda", "Lagt till delad brevlåda", "Rensat inkorgsregler",
     "Konfigurerat e-postklient", "Släppt meddelande ur karantän"),
)
ORDER_SOLUTIONS = ("Levererad", "Dator levererad", "Kringutrustning levererad",
                   "Licens tilldelad", "Mobiltelefon levererad")

# --- the knobs -------------------------------------------------------------------------------
KIND_P = (0.65, 0.27, 0.08)
# Priority by kind (rows: incident, request, order); overall ≈ 2 % / 10 % / 78 % / 10 %.
PRIORITY_P = ((0.03, 0.12, 0.75, 0.10), (0.0, 0.07, 0.82, 0.11), (0.0, 0.05, 0.85, 0.10))
ORG_P = (0.27, 0.37, 0.14, 0.22)  # roughly by population
CATEGORY_P = (
    (0.22, 0.12, 0.12, 0.22, 0.14, 0.10, 0.08),
    (0.40, 0.03, 0.05, 0.25, 0.07, 0.12, 0.08),
    (0.0, 0.05, 0.0, 0.10, 0.65, 0.20, 0.0),
)
# Resolving line (1, none recorded, 2, 3) by kind, with acute incidents as a fourth row; about
# 56 % of resolved tickets end at the service desk.
LINE_P = (
    (0.585, 0.03, 0.345, 0.04),
    (0.60, 0.03, 0.34, 0.03),
    (0.04, 0.01, 0.93, 0.02),
    (0.22, 0.0, 0.70, 0.08),
)
# First response after creation, log-normal (median minutes, sigma) by priority; office minutes
# except acute (wall clock).
RESPONSE = ((10.0, 0.9), (30.0, 1.2), (45.0, 1.6), (90.0, 1.5))
# Resolution after the response, log-normal (median minutes, sigma), office minutes.
RESOLVE_FIRST_LINE = (30.0, 1.6)
RESOLVE_LINE2 = (350.0, 1.5)
RESOLVE_LINE3 = (1620.0, 1.0)
RESOLVE_ORDER = (1800.0, 0.8)
RESOLVE_ACUTE = (120.0, 1.0)  # wall clock
SUMMER_SLOWDOWN = 1.6  # July: half the staff on holiday, everything takes longer
OFFICE_MINUTES_PER_DAY = 386  # 45 office hours a week / 7 days, for "stuck for N days"
P_NO_RESPONSE = 0.02  # no first response recorded
P_SKIP_IN_PROGRESS = 0.0006  # new -> resolved directly (the board saw 6 a year)
P_CANCELLED = 0.01
P_CLOSED_UNRESOLVED = 0.003  # closed with no resolved time
P_MISSING_SOLUTION = 0.01
P_WAITING = 0.20
P_REOPENED = 0.01
P_CLOSED_AFTER_3D = 0.12
P_STUCK = 0.008  # forgotten for one to six months
CLOSE_AFTER = 3 * MINUTES_PER_DAY

# Arrival weights: local hour on a working day, weekday, month.
HOUR_WEIGHT = (0.02, 0.01, 0.01, 0.01, 0.01, 0.03, 0.10, 0.45, 1.50, 1.80, 1.60, 1.25,
               0.70, 1.30, 1.40, 1.20, 0.80, 0.35, 0.15, 0.10, 0.08, 0.06, 0.04, 0.03)
CLOSED_DAY_HOUR_WEIGHT = 0.012  # per hour 07-22 on weekends and holidays
WEEKDAY_WEIGHT = (1.25, 1.05, 1.0, 0.95, 0.80, 1.0, 1.0)
MONTH_WEIGHT = (1.05, 1.05, 1.05, 1.0, 1.0, 0.9, 0.45, 1.1, 1.15, 1.05, 1.05, 0.9)
CHRISTMAS_WEIGHT = 0.5  # 22 December - 6 January

BATCH = 32_768
FIRST_NUMBER = 10_001  # ids start at INC-0010001 so they look like a system in use for years


@dataclass(frozen=True)
class TicketSpan:
    """What to generate: `count` tickets created in [start, end] (UTC minutes), seeded."""

    count: int
    start: int
    end: int
    seed: int = 1
    first_number: int = FIRST_NUMBER
    orgs: int = len(ORGS)
    """How many organisations tickets come from (see `org_names`)."""


@dataclass
class TicketBatch:
    """One batch of tickets as parallel arrays (times in UTC minutes, NEVER = not happened).

    `events` holds the status history: for each event kind in chronological order its time and
    target status per ticket, with NEVER where that event does not (yet) exist.
    """

    number: I64
    kind: I64
    priority: I64
    org: I64
    category: I64
    line: I64
    group: I64
    solution: list[str]
    created: I64
    response: I64
    resolved: I64
    closed: I64
    status: I64
    updated: I64
    resolved_line_known: Bools
    events: list[tuple[I64, I64]]

    def __len__(self) -> int:
        return len(self.number)

    def ids(self) -> list[str]:
        """Ticket ids like INC-0010001."""
        return [f"{ID_PREFIX[k]}-{n:07d}" for k, n in zip(self.kind.tolist(),
                                                           self.number.tolist(), strict=True)]


def span_for_years(end_local: dt.datetime, years: int) -> tuple[int, int]:
    """(start, end) in UTC minutes: from local midnight `years` years before `end_local`."""
    day = end_local.date()
    try:
        first = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        first = day.replace(year=day.year - years, day=28)
    start = local_to_utc_minutes(dt.datetime.combine(first, dt.time()))
    return start, local_to_utc_minutes(end_local)


def _categorical(rng: np.random.Generator, table: np.ndarray, row: I64 | None, n: int) -> I64:
    """Draw one category per item from a probability table (one row, or a row per item)."""
    cum = np.cumsum(np.atleast_2d(table), axis=1)
    cum[:, -1] = 1.0  # guard against rounding leaving a gap at the top
    u = rng.random(n)
    rows = cum[0] if row is None else cum[row]
    if row is None:
        return np.searchsorted(rows, u, side="right").astype(np.int64)
    return (u[:, None] >= rows).sum(axis=1).astype(np.int64)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Log-normal draws with the given medians and shape parameters."""
    return median * np.exp(sigma * rng.standard_normal(len(median)))


def _minutes(x: np.ndarray, low: int = 0, high: int = 10**9) -> I64:
    return np.clip(np.rint(x), low, high).astype(np.int64)


_KIND_P = np.array(KIND_P)
_PRIORITY_P = np.array(PRIORITY_P)
_ORG_P = np.array(ORG_P)
_CATEGORY_P = np.array(CATEGORY_P)
_LINE_P = np.array(LINE_P)
_RESPONSE = np.array(RESPONSE)
_CATEGORY_GROUP = np.array([GROUPS.index(g) for g in CATEGORY_GROUP], dtype=np.int64)
_SOLUTIONS_FLAT = [s for group in SOLUTIONS + (ORDER_SOLUTIONS,) for s in group]
_SOLUTION_COUNT = np.array([len(g) for g in SOLUTIONS + (ORDER_SOLUTIONS,)], dtype=np.int64)
_SOLUTION_OFFSET = np.concatenate(([0], np.cumsum(_SOLUTION_COUNT)[:-1]))
# Object arrays make "vocabulary[codes]" one fast gather; the trailing "" serves index -1.
_SOLUTION_TEXT = np.array(_SOLUTIONS_FLAT + [""], dtype=object)
_KIND_TEXT = np.array(KINDS, dtype=object)
_PRIORITY_TEXT = np.array(PRIORITIES, dtype=object)
_STATUS_TEXT = np.array(STATUSES + ("",), dtype=object)
_ORG_TEXT = np.array(ORGS, dtype=object)


def org_names(count: int) -> list[str]:
    """The organisations of a span of `count` of them: the four municipalities, then
    "Org 005", "Org 006", … (a scale benchmark's many customers)."""
    return list(ORGS[:count]) + [f"Org {i:03d}" for i in range(len(ORGS) + 1, count + 1)]


def _org_table(count: int) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, names) of `count` organisations: the usual four by population, or for
    more a Zipf-like spread (a few large customers, many small ones)."""
    if count == len(ORGS):
        return _ORG_P, _ORG_TEXT
    weights = 1.0 / np.arange(1, count + 1) ** 0.8
    return weights / weights.sum(), np.array(org_names(count), dtype=object)
_CATEGORY_TEXT = np.array(CATEGORIES, dtype=object)
_LINE_TEXT = np.array(LINES + ("",), dtype=object)
_GROUP_TEXT = np.array(GROUPS, dtype=object)


def arrival_weights(tz: Stockholm, slots: I64, holidays: I64, end: int) -> np.ndarray:
    """Relative ticket intake of each hourly slot (UTC starts); the last may be cut by `end`."""
    day, hour, weekday, month = local_calendar(tz, slots)
    dates = day.astype("datetime64[D]")
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    closed_day = (weekday >= 5) | np.isin(day, holidays)
    daytime = (hour >= 7) & (hour < 22)
    w = np.where(closed_day, np.where(daytime, CLOSED_DAY_HOUR_WEIGHT, 0.002),
                 np.array(HOUR_WEIGHT)[hour] * np.array(WEEKDAY_WEIGHT)[weekday])
    w = w * np.array(MONTH_WEIGHT)[month - 1]
    christmas = ((month == 12) & (day_of_month >= 22)) | ((month == 1) & (day_of_month <= 6))
    w = w * np.where(christmas, CHRISTMAS_WEIGHT, 1.0)
    return w * slot_widths(slots, end) / 60.0


def slot_widths(slots: I64, end: int) -> I64:
    """Minutes of each hourly slot that lie at or before `end`."""
    return np.clip(end + 1 - slots, 0, 60)


class TicketGenerator:
    """Generates `TicketBatch`es for a `TicketSpan`; iterate over `batches()` once."""

    def __init__(self, span: TicketSpan):
        if span.end < span.start:
            raise ValueError("the span ends before it starts")
        self.span = span
        if span.orgs < 1:
            raise ValueError("a span needs at least one organisation")
        self.org_p, self.org_text = _org_table(span.orgs)
        first_year = (dt.datetime(1970, 1, 1) + dt.timedelta(minutes=span.start)).year
        last_year = (dt.datetime(1970, 1, 1) + dt.timedelta(minutes=span.end)).year + 1
        self.tz = Stockholm(first_year, last_year)
        self.holidays = holiday_day_numbers(first_year - 1, last_year + 1)
        self.clock = BusinessClock(self.tz, span.start, span.end, self.holidays.tolist())
        # A stream of its own, so tickets do not change when another generator changes.
        self.rng = np.random.default_rng(np.random.SeedSequence([span.seed, 0x7A11]))
        self.formatter = TimeFormatter(self.tz, span.start // MINUTES_PER_DAY - 1,
                                       span.end // MINUTES_PER_DAY + 2)

    def batches(self) -> Iterator[TicketBatch]:
        """Tickets in creation order, in batches of about `BATCH`."""
        span, rng = self.span, self.rng
        slots = minute_slots(span.start, span.end)
        weights = arrival_weights(self.tz, slots, self.holidays, span.end)
        counts = rng.multinomial(span.count, weights / weights.sum())
        widths = slot_widths(slots, span.end)
        # Cut the slot list where the running count passes each multiple of BATCH, so every
        # batch holds whole slots and creation times stay sorted across batches.
        cuts = np.searchsorted(np.cumsum(counts), np.arange(BATCH, span.count, BATCH)) + 1
        bounds = np.unique(np.concatenate(([0], cuts, [len(slots)])))
        number = span.first_number
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            c = counts[a:b]
            n = int(c.sum())
            if n == 0:
                continue
            offsets = (rng.random(n) * np.repeat(widths[a:b], c)).astype(np.int64)
            created = np.sort(np.repeat(slots[a:b], c) + offsets)
            created = np.minimum(self.tz.unambiguous(created), span.end)
            yield self._model(created, number)
            number += n

    def _cap(self, t: I64) -> I64:
        """NEVER for instants after the end: that has not happened yet."""
        return np.where(t > self.span.end, NEVER, t)

    def _model(self, c: I64, first_number: int) -> TicketBatch:
        rng, clock, n = self.rng, self.clock, len(c)
        kind = _categorical(rng, _KIND_P, None, n)
        priority = _categorical(rng, _PRIORITY_P, kind, n)
        org = _categorical(rng, self.org_p, None, n)
        category = _categorical(rng, _CATEGORY_P, kind, n)
        acute = priority == 0
        line = _categorical(rng, _LINE_P, np.where(acute, 3, kind), n)
        group = np.where(line <= 1, 0, np.where(kind == 2, 1, _CATEGORY_GROUP[category]))

        u = rng.random((n, 10))
        no_response = u[:, 0] < P_NO_RESPONSE
        skip = u[:, 1] < P_SKIP_IN_PROGRESS
        cancelled = (u[:, 2] < P_CANCELLED) & ~skip
        closed_unresolved = (u[:, 3] < P_CLOSED_UNRESOLVED) & ~cancelled & ~skip
        missing_solution = u[:, 4] < P_MISSING_SOLUTION
        stuck = (u[:, 8] < P_STUCK) & ~cancelled
        # A ticket left for months is mostly waiting for someone (a user, a supplier).
        waiting = ((u[:, 5] < P_WAITING) | (stuck & (u[:, 5] < 0.7))) & ~acute & ~skip & ~cancelled
        reopened = (u[:, 6] < P_REOPENED) & ~skip & ~cancelled & ~closed_unresolved
        autoclose = (u[:, 7] < P_CLOSED_AFTER_3D) & ~cancelled & ~closed_unresolved
        solution_pick = u[:, 9]

        month = local_calendar(self.tz, c)[3]
        slow = np.where(month == 7, SUMMER_SLOWDOWN, 1.0)
        response_delay = _minutes(_lognormal(rng, _RESPONSE[priority, 0] * slow,
                                             _RESPONSE[priority, 1]), 0, 20 * 540)
        order = (kind == 2) & (line >= 2)
        med = np.select([order, line <= 1, line == 2],
                        [RESOLVE_ORDER[0], RESOLVE_FIRST_LINE[0], RESOLVE_LINE2[0]],
                        RESOLVE_LINE3[0])
        sig = np.select([order, line <= 1, line == 2],
                        [RESOLVE_ORDER[1], RESOLVE_FIRST_LINE[1], RESOLVE_LINE2[1]],
                        RESOLVE_LINE3[1])
        resolve_delay = _minutes(_lognormal(rng, med * slow, sig), 1, 120 * 540)
        acute_delay = _minutes(_lognormal(rng, np.full(n, RESOLVE_ACUTE[0]),
                                          np.full(n, RESOLVE_ACUTE[1])), 1)
        stuck_days = np.where(stuck, rng.integers(30, 181, n), 0)
        wait_split = rng.random((n, 2))
        reopen_delay = _minutes(_lognormal(rng, np.full(n, 360.0), np.full(n, 1.0)), 1)
        reresolve_delay = _minutes(_lognormal(rng, np.full(n, 240.0), np.full(n, 1.2)), 1)
        cancel_delay = _minutes(_lognormal(rng, np.full(n, 90.0), np.full(n, 1.5)), 1)

        # Office-time path (everything but acute): work in office minutes, convert at the end.
        b_created = clock.at(c)
        b_taken = b_created + response_delay
        b_resolved = b_taken + resolve_delay + stuck_days * OFFICE_MINUTES_PER_DAY
        length = b_resolved - b_taken
        b_wait = b_taken + (wait_split[:, 0] * np.where(stuck, 0.2, 0.6) * length).astype(np.int64)
        b_back = np.where(stuck, b_resolved - (wait_split[:, 1] * 0.1 * length).astype(np.int64),
                          b_wait + (wait_split[:, 1] * (b_resolved - b_wait)).astype(np.int64))
        taken = clock.instant(b_taken, c)
        wait_start = clock.instant(b_wait, taken)
        wait_end = clock.instant(b_back, wait_start)
        resolved1 = clock.instant(b_resolved, np.where(waiting, wait_end, taken))
        # Acute incidents: on-call staff, wall clock.
        a_taken = self._cap(c + response_delay)
        a_resolved = self._cap(c + response_delay + acute_delay + stuck_days * MINUTES_PER_DAY)
        taken = np.where(acute, a_taken, taken)
        resolved1 = np.where(acute, a_resolved, resolved1)

        b_reopen = clock.at(resolved1) + reopen_delay
        reopen = clock.instant(b_reopen, resolved1)
        resolved2 = clock.instant(b_reopen + reresolve_delay, reopen)
        reopened_now = reopened & (reopen < NEVER)
        final = np.where(reopened_now, resolved2, resolved1)
        closed = self._cap(np.where(autoclose & (final < NEVER), final + CLOSE_AFTER, NEVER))
        cancel = self._cap(np.where(cancelled, c + cancel_delay, NEVER))

        fix = self.tz.unambiguous
        taken, wait_start, wait_end = fix(taken), fix(wait_start), fix(wait_end)
        resolved1, reopen, resolved2 = fix(resolved1), fix(reopen), fix(resolved2)
        closed, cancel = fix(closed), fix(cancel)

        def only(t: I64, exists: Bools) -> I64:
            return self._cap(np.where(exists, t, NEVER))

        resolve_to = np.where(closed_unresolved, CLOSED, RESOLVED)
        events: list[tuple[I64, I64]] = [
            (c, np.full(n, NEW)),
            (only(taken, ~skip & (~cancelled | (taken < cancel))), np.full(n, IN_PROGRESS)),
            (only(wait_start, waiting), np.full(n, WAITING)),
            (only(wait_end, waiting), np.full(n, IN_PROGRESS)),
            (only(resolved1, ~cancelled), resolve_to),
            (only(reopen, reopened), np.full(n, IN_PROGRESS)),
            (only(resolved2, reopened), np.full(n, RESOLVED)),
            (only(closed, autoclose), np.full(n, CLOSED)),
            (only(cancel, cancelled), np.full(n, CANCELLED)),
        ]
        status = np.full(n, NEW)
        updated = c.copy()
        for t, to in events[1:]:
            happened = t < NEVER
            status = np.where(happened, to, status)
            updated = np.where(happened, t, updated)
        t_taken, t_resolved1 = events[1][0], events[4][0]
        t_resolved2, t_closed, t_cancel = events[6][0], events[7][0], events[8][0]
        response = np.where(no_response | skip, NEVER, t_taken)
        # The export keeps the latest resolved time even when the ticket was reopened since
        # (Efecte does; kpimon must ignore it for an open ticket).
        resolved = np.where(t_resolved2 < NEVER, t_resolved2,
                            np.where(closed_unresolved, NEVER, t_resolved1))
        closed_at = np.where(t_closed < NEVER, t_closed,
                             np.where(t_cancel < NEVER, t_cancel,
                                      np.where(closed_unresolved, t_resolved1, NEVER)))
        line_known = (resolved < NEVER) | (closed_unresolved & (t_resolved1 < NEVER))
        done = (status == RESOLVED) | (status == CLOSED)
        sol_group = np.where(kind == 2, len(SOLUTIONS), category)
        pick = _SOLUTION_OFFSET[sol_group] + (solution_pick * _SOLUTION_COUNT[sol_group]).astype(
            np.int64)
        pick = np.where(done & ~missing_solution, pick, -1)
        return TicketBatch(
            number=np.arange(first_number, first_number + n, dtype=np.int64), kind=kind,
            priority=priority, org=org, category=category, line=line, group=group,
            solution=_SOLUTION_TEXT[pick].tolist(), created=c, response=response,
            resolved=resolved, closed=closed_at, status=status, updated=updated,
            resolved_line_known=line_known, events=events,
        )

    # ---------------------------------------------------------------------------- formatting

    def ticket_rows(self, batch: TicketBatch) -> list[list[str]]:
        """The batch's export columns (a list per column, in `TICKET_HEADER` order)."""
        fmt = self.formatter.format
        return [
            batch.ids(),
            _KIND_TEXT[batch.kind].tolist(),
            _PRIORITY_TEXT[batch.priority].tolist(),
            _STATUS_TEXT[batch.status].tolist(),
            fmt(batch.created),
            fmt(batch.response),
            fmt(batch.resolved),
            fmt(batch.closed),
            _LINE_TEXT[np.where(batch.resolved_line_known, batch.line, -1)].tolist(),
            batch.solution,
            _GROUP_TEXT[batch.group].tolist(),
            self.org_text[batch.org].tolist(),
            _CATEGORY_TEXT[batch.category].tolist(),
            fmt(batch.updated),
        ]

    def status_rows(self, batch: TicketBatch, ids: list[str]) -> list[list[str]]:
        """The batch's status changes (columns id, at, from, to), by ticket, then in time order."""
        which, times, targets, order_key = [], [], [], []
        for e, (t, to) in enumerate(batch.events):
            idx = np.flatnonzero(t < NEVER)
            which.append(idx)
            times.append(t[idx])
            targets.append(to[idx])
            order_key.append(idx * 16 + e)
        key = np.concatenate(order_key)
        order = np.argsort(key, kind="stable")
        ticket = np.concatenate(which)[order]
        target = np.concatenate(targets)[order]
        previous = np.concatenate(([-1], target[:-1]))
        first = np.concatenate(([True], ticket[1:] != ticket[:-1]))
        previous = np.where(first, -1, previous)
        id_text = np.array(ids, dtype=object)
        return [
            id_text[ticket].tolist(),
            self.formatter.format(np.concatenate(times)[order]),
            _STATUS_TEXT[previous].tolist(),
            _STATUS_TEXT[target].tolist(),
        ]


def _join(columns: list[list[str]]) -> str:
    """CSV text for columns of plain values (none holds `;`, a quote or a line break)."""
    if not columns[0]:
        return ""
    return NEWLINE.join(map(";".join, zip(*columns, strict=True))) + NEWLINE


def write_tickets(span: TicketSpan, tickets: TextIO, status_changes: TextIO | None = None
                  ) -> tuple[int, int]:
    """Write the export (and optionally the status history) to open text files.

    The files should be opened with `encoding="utf-8-sig", newline=""` so they start with a BOM
    and keep CRLF line ends. Returns (tickets written, status changes written).
    """
    gen = TicketGenerator(span)
    tickets.write(";".join(TICKET_HEADER) + NEWLINE)
    if status_changes is not None:
        status_changes.write(";".join(STATUS_HEADER) + NEWLINE)
    n_tickets = n_changes = 0
    for batch in gen.batches():
        columns = gen.ticket_rows(batch)
        tickets.write(_join(columns))
        n_tickets += len(batch)
        if status_changes is not None:
            changes = gen.status_rows(batch, columns[0])
            status_changes.write(_join(changes))
            n_changes += len(changes[0])
    return n_tickets, n_changes


def iter_tickets(span: TicketSpan) -> Iterator[tuple[str, ...]]:
    """Export rows (tuples in `TICKET_HEADER` order), without the header."""
    gen = TicketGenerator(span)
    for batch in gen.batches():
        yield from zip(*gen.ticket_rows(batch), strict=True)


def iter_status_changes(span: TicketSpan) -> Iterator[tuple[str, str, str, str]]:
    """Status-history rows (id, changed at, from, to), without the header."""
    gen = TicketGenerator(span)
    for batch in gen.batches():
        ids = batch.ids()
        yield from zip(*gen.status_rows(batch, ids), strict=True)
