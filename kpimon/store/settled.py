"""The stored sums of settled months (table `settled_sums`, used by kpi/settled.py): reading,
writing and forgetting them. A month's rows are forgotten when one of its tickets changes: the
facts pass calls `forget_dirty` before it rebuilds the facts of the dirty tickets, and a
reopened period forgets its months."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, delete, func, select, union_all

from kpimon.store import tables as t

# Past this many dirty tickets (a large import, a recompute) every stored month is forgotten
# at once rather than looked up ticket by ticket.
FORGET_ALL_ABOVE = 20_000


class StoredSums(NamedTuple):
    bucket: str
    a: float
    b: int
    as_of: int
    created_n: int
    resolved_n: int


def month_counts(conn: Connection, months: Sequence[tuple[int, int]]
                 ) -> dict[int, tuple[int, int]]:
    """Per month start: (tickets created in it, resolutions in it), from the two indexes —
    the stamp that tells whether rows came or went since sums were stored."""
    if not months:
        return {}
    tk = t.tickets.c
    rs = t.resolutions.c
    cols = []
    for n, (start, end) in enumerate(months):
        cols.append(select(func.count()).select_from(t.tickets)
                    .where(tk.created >= start, tk.created < end).scalar_subquery()
                    .label(f"c{n}"))
        cols.append(select(func.count()).select_from(t.resolutions)
                    .where(rs.resolved_at >= start, rs.resolved_at < end).scalar_subquery()
                    .label(f"r{n}"))
    row = conn.execute(select(*cols)).one()
    return {start: (int(row[2 * n]), int(row[2 * n + 1]))
            for n, (start, _end) in enumerate(months)}


def load(conn: Connection, starts: Sequence[int], keys: Iterable[str]
         ) -> dict[tuple[int, str], list[StoredSums]]:
    """The stored rows of these months and indicator keys, by (month start, key)."""
    s = t.settled_sums.c
    out: dict[tuple[int, str], list[StoredSums]] = {}
    if not starts:
        return out
    for r in conn.execute(select(s.month_start, s.ind_key, s.bucket, s.a, s.b, s.as_of,
                                 s.created_n, s.resolved_n)
                          .where(s.month_start.in_(list(starts)), s.ind_key.in_(list(keys)))):
        out.setdefault((r.month_start, r.ind_key), []).append(
            StoredSums(r.bucket, float(r.a), int(r.b), int(r.as_of), int(r.created_n),
                       int(r.resolved_n)))
    return out


def save(engine: Engine, rows: Sequence[dict[str, Any]], keep_keys: Sequence[str]) -> None:
    """Replace the stored rows of each (month, key) in `rows`; rows of those months under a
    key no longer configured (`keep_keys` are the current ones) go too."""
    if not rows:
        return
    s = t.settled_sums.c
    months = sorted({r["month_start"] for r in rows})
    keys = sorted({r["ind_key"] for r in rows})
    with engine.begin() as conn:
        conn.execute(delete(t.settled_sums).where(
            s.month_start.in_(months), s.ind_key.in_(keys)))
        conn.execute(delete(t.settled_sums).where(
            s.month_start.in_(months), s.ind_key.not_in(list(keep_keys))))
        conn.execute(t.settled_sums.insert(), list(rows))


def forget_between(conn: Connection, start: int, end: int) -> None:
    """Forget the months that overlap [start, end)."""
    s = t.settled_sums.c
    conn.execute(delete(t.settled_sums).where(s.month_start < end, s.month_end > start))


def forget_all(conn: Connection) -> None:
    """Forget every stored month (all facts are about to be recomputed)."""
    conn.execute(delete(t.settled_sums))


def forget_dirty(conn: Connection) -> None:
    """Forget every stored month a dirty ticket touches, before its facts are rebuilt: the
    months of its created, updated, first response, resolved and closed times, of its status
    changes (where a new resolution may fall), and of its resolutions and created position so
    far (where the old ones were)."""
    s = t.settled_sums.c
    tk = t.tickets.c
    # The count first: between passes no ticket is dirty, and that is one look at an empty index.
    dirty = select(tk.source, tk.id, tk.ticket_key).where(t.IS_DIRTY)
    count = int(conn.execute(select(func.count()).select_from(dirty.subquery())).scalar_one())
    if count == 0:
        return
    months = sorted(set(conn.execute(select(s.month_start, s.month_end).distinct()).all()))
    if not months:
        return
    if count > FORGET_ALL_ABOVE:
        conn.execute(delete(t.settled_sums))
        return
    d = dirty.subquery("d")
    own = [select(col.label("at")).where(t.IS_DIRTY)
           for col in (tk.created, tk.updated, tk.first_response, tk.resolved, tk.closed)]
    # (The created position on the 24x7 clock is `created` itself: no facts row holds it.)
    rs, sc = t.resolutions.c, t.status_changes.c
    linked = [
        select(rs.resolved_at.label("at")).select_from(t.resolutions.join(
            d, rs.ticket_key == d.c.ticket_key)),
        select(sc.at.label("at")).select_from(t.status_changes.join(
            d, (sc.source == d.c.source) & (sc.ticket_id == d.c.id)))]
    instants = union_all(*own, *linked).subquery()
    starts = [m[0] for m in months]
    hit: set[int] = set()
    for (at,) in conn.execute(select(instants.c.at).where(instants.c.at.is_not(None))
                              .distinct()):
        i = bisect_right(starts, at) - 1
        if i >= 0 and at < months[i][1]:
            hit.add(starts[i])
    if hit:
        conn.execute(delete(t.settled_sums).where(s.month_start.in_(sorted(hit))))
