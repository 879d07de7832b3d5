"""A full resync trusts no empty page: deletions come only from a complete sweep (no next link
left, the server's `meta.count` agreeing), and a complete one that would mark more than
`max_delete_share` of the source's tickets gone is held, logged and kept as state for the
metric. Against the fake Efecte server over HTTP, stored on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kpimon.collector import Collector, RunOutcome
from kpimon.config import SourceConfig
from kpimon.store import Store
from kpimon.store import tables as t
from tests.sources.efecte_server import FakeEfecte, Fault, Request, rest_config

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
START = datetime(2020, 3, 3, 12, 0, tzinfo=UTC)
CARDS = 30


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        for i in range(CARDS):
            server.add_ticket(1 + i, updated=T0 + timedelta(minutes=i))
        yield server


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    s.upgrade()
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _first_sync(srv: FakeEfecte, store: Store, **overrides: Any
                ) -> tuple[SourceConfig, Collector, Clock]:
    config = rest_config(srv, full_resync=3600, page_size=10, **overrides)
    clock = Clock()
    collector = Collector(store, ZoneInfo("Europe/Stockholm"), clock=clock)
    first = collector.collect(config)
    assert first.ok and first.counts.inserted == CARDS, first.error
    return config, collector, clock


def _full_again(collector: Collector, config: SourceConfig, clock: Clock) -> RunOutcome:
    clock.now += timedelta(hours=2)  # past full_resync: the next pull is a full one
    return collector.collect(config)


def _present(store: Store) -> int:
    tk = t.tickets.c
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(
            tk.source == "efecte", tk.deleted.is_(False))).scalar_one())


def _page_two(body: dict[str, Any]) -> Any:
    """An `on_page` hook: the next pull's second data request is answered 200 with `body`."""
    def hook(server: FakeEfecte, req: Request, count: int) -> None:
        server.faults.append(Fault("data", status=200, body=json.dumps(body)))
        server.on_page = None
    return hook


@pytest.mark.timeout(60)
def test_an_empty_page_with_a_next_link_deletes_nothing(
        srv: FakeEfecte, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    config, collector, clock = _first_sync(srv, store)
    nxt = f"{srv.url}/dc/incident/data?limit=10&filterId=15"
    srv.on_page = _page_two({"meta": {"count": CARDS, "limit": 10, "links": {"next": nxt}},
                               "data": []})
    with caplog.at_level(logging.WARNING):
        outcome = _full_again(collector, config, clock)
    assert outcome.ok, outcome.error
    assert _present(store) == CARDS  # not 10 of 30
    assert "full resync is incomplete" in caplog.text and "links to a next page" in caplog.text
    state = store.load_state("efecte")
    assert state.get("held_deletions") in (None, "0")
    assert state["last_full"] == START.isoformat()  # the next collection is a full one again


@pytest.mark.timeout(60)
def test_a_count_that_disagrees_deletes_nothing(
        srv: FakeEfecte, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    config, collector, clock = _first_sync(srv, store)
    # Page 2 comes as the last page, short, without a link, and says there are 30 in all.
    srv.on_page = _page_two({"meta": {"count": CARDS, "limit": 10}, "data": []})
    with caplog.at_level(logging.WARNING):
        outcome = _full_again(collector, config, clock)
    assert outcome.ok, outcome.error
    assert _present(store) == CARDS
    assert "the server counts 30 cards, 10 came" in caplog.text


@pytest.mark.timeout(60)
def test_a_complete_sweep_deleting_too_many_is_held(
        srv: FakeEfecte, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    config, collector, clock = _first_sync(srv, store)
    for card_id in range(1, 6):  # 5 of 30 gone: 17 %, more than the default 10 %
        srv.delete(card_id)
    with caplog.at_level(logging.WARNING):
        held = _full_again(collector, config, clock)
    assert held.ok and held.counts.held_deletions == 5, held.error
    assert _present(store) == CARDS
    assert "would mark 5 tickets deleted" in caplog.text
    state = store.load_state("efecte")
    assert state["held_deletions"] == "5"
    assert state["last_full"] == START.isoformat()  # the next collection is a full one again

    # The operator agrees: a larger share for one collection lets the deletions through.
    taken = _full_again(collector, replace(config, max_delete_share=0.2), clock)
    assert taken.ok and taken.counts.held_deletions == 0
    assert _present(store) == CARDS - 5
    assert store.load_state("efecte")["held_deletions"] == "0"


@pytest.mark.timeout(60)
def test_a_complete_sweep_within_the_share_deletes(srv: FakeEfecte, store: Store) -> None:
    config, collector, clock = _first_sync(srv, store)
    for card_id in (3, 7):  # 2 of 30: 7 %
        srv.delete(card_id)
    outcome = _full_again(collector, config, clock)
    assert outcome.ok and outcome.counts.held_deletions == 0
    assert _present(store) == CARDS - 2
