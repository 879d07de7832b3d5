"""queue_log: a poison line — a holdtime of 10²⁰ (past `bigint`), of 3 000 000 000 (past the
`integer` column, which SQLite alone would take), 4 301 digits, or an epoch past 9999 — is a
reject with its line number, and the saved offset moves past it: the next collection reads
only what came after, and the calls around it are stored — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kpimon.collector import Collector
from kpimon.store import Store
from kpimon.store import tables as t
from tests.sources.phone_helpers import TZ, source_config
from tests.sources.queue_log_helpers import append


def _call(n: int, wait: str) -> str:
    t0 = 1583132400 + 100 * n
    return (f"{t0}|1.{n}|servicedesk|NONE|ENTERQUEUE||070|1\n"
            f"{t0 + 10}|1.{n}|servicedesk|PJSIP/1001|CONNECT|{wait}|9.{n}|3\n")


def test_a_poison_line_is_rejected_and_passed(tmp_path: Path, db_url: str) -> None:
    log = tmp_path / "queue_log"
    append(log, _call(1, "10"), _call(2, str(10 ** 20)), _call(3, "3000000000"),
           _call(4, "1" * 4301), "99999999999999|1.5|servicedesk|NONE|ENTERQUEUE||070|1\n",
           _call(6, "12"))
    store = Store.open(db_url)
    store.upgrade()
    config = source_config("queue_log", path=str(log))
    collector = Collector(store, TZ)
    outcome = collector.collect(config)
    assert outcome.ok, outcome.error
    size = log.stat().st_size
    assert store.load_state("phone")["offset"] == str(size)
    with store.engine.connect() as conn:
        stored = {r.call_id: r.wait_seconds for r in conn.execute(select(t.calls))}
        rejects = [(r.row, r.field) for r in conn.execute(
            select(t.rejects).order_by(t.rejects.c.row))]
    assert stored == {"1.1": 10, "1.6": 12}
    assert rejects == [(4, "wait_seconds"), (6, "wait_seconds"), (8, "wait"), (9, "epoch")]
    append(log, _call(7, "5"))
    again = collector.collect(config)
    assert again.ok and (again.counts.inserted, again.counts.rejected) == (1, 0)
