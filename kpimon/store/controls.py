"""Internal-control follow-ups entered by hand, and the exclusions list: the rows the board
report and the command line read, without SQL outside the store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from kpimon.store import tables as t

COMMENT_MAX = 4000


@dataclass(frozen=True)
class ControlRecord:
    """One recorded follow-up (the latest per control and occasion wins)."""

    control: str
    occasion: str
    status: str
    comment: str | None
    by: str | None
    author: str
    entered_at: int


@dataclass(frozen=True)
class Exclusion:
    ticket: str
    reason: str
    author: str
    created_at: int


def record_control(engine: Engine, control: str, occasion: str, status: str,
                   comment: str | None, by: str | None, author: str, entered_at: int) -> None:
    """Keep one follow-up; earlier ones for the same occasion stay, the latest wins."""
    with engine.begin() as conn:
        conn.execute(insert(t.control_records).values(
            control=control[:64], occasion=occasion[:32], status=status,
            comment=comment[:COMMENT_MAX] if comment else None,
            by=by[:128] if by else None, author=author[:64], entered_at=entered_at))


def control_records(engine: Engine, until: int | None = None) -> list[ControlRecord]:
    """Every recorded follow-up entered at or before `until` (all when None), oldest first."""
    c = t.control_records.c
    q = select(c.control, c.occasion, c.status, c.comment, c.by, c.author, c.entered_at)
    if until is not None:
        q = q.where(c.entered_at <= until)
    with engine.connect() as conn:
        return [ControlRecord(r.control, r.occasion, r.status, r.comment, r.by, r.author,
                              int(r.entered_at))
                for r in conn.execute(q.order_by(c.entered_at, c.id))]


def exclusions(engine: Engine) -> list[Exclusion]:
    """Every excluded ticket, by id."""
    e = t.exclusions.c
    with engine.connect() as conn:
        return [Exclusion(r.ticket_id, r.reason, r.author, int(r.created_at))
                for r in conn.execute(select(e.ticket_id, e.reason, e.author, e.created_at)
                                      .order_by(e.ticket_id))]
