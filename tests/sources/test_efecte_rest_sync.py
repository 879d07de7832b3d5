"""efecte_rest: incremental filter and watermark, de-duplication, full resync, deleted cards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kpimon.records import Ticket, TicketGone
from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import FakeEfecte, Request, context, rest_config, run

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2020, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        for i in range(6):
            server.add_ticket(1 + i, updated=T0 + timedelta(minutes=i))
        yield server


def test_incremental_filter_is_watermark_minus_60_s(srv: FakeEfecte) -> None:
    srv.touch(3, datetime(2020, 3, 3, 10, 30, 15, tzinfo=UTC))
    srv.touch(4, datetime(2020, 3, 3, 10, 31, 45, tzinfo=UTC))
    config = rest_config(srv, full_resync=86400)
    state = {"watermark": "2020-03-03T10:30:00+00:00", "last_full": "2020-03-03T06:00:00+00:00"}
    [(batch, items)] = run(EfecteRestSource(config), context(config, state, NOW))
    [page] = srv.of_kind("data")
    assert page.query["filter"] == "$updated$ > '2020-03-03T10:29:00Z'"
    assert sorted(t.id for t in items) == ["INC-000003", "INC-000004"]
    assert batch.snapshot is False
    assert batch.state == {"watermark": "2020-03-03T10:31:45+00:00"}  # the newest seen


def test_configured_filter_is_anded_with_the_incremental_one(srv: FakeEfecte) -> None:
    config = rest_config(srv, filter="$status$ != '07 - Stängd'")
    state = {"watermark": "2020-03-03T10:30:00Z", "last_full": "2020-03-03T06:00:00Z"}
    [(batch, items)] = run(EfecteRestSource(config), context(config, state, NOW))
    [page] = srv.of_kind("data")
    assert page.query["filter"] == \
        "($status$ != '07 - Stängd') AND $updated$ > '2020-03-03T10:29:00Z'"
    assert items == []
    assert batch.state == {"watermark": "2020-03-03T10:30:00+00:00"}  # unchanged, kept


def test_the_watermark_never_runs_ahead_of_our_clock(srv: FakeEfecte) -> None:
    srv.touch(2, datetime(2031, 1, 1, tzinfo=UTC))  # a card stamped in the future
    config = rest_config(srv)
    [(batch, _)] = run(EfecteRestSource(config), context(config, None, NOW))
    assert batch.state["watermark"] == NOW.isoformat()


def test_card_changed_while_paging_is_kept_once_newest_copy(srv: FakeEfecte) -> None:
    srv.paging = "offset"  # oldest change first: a card changed now moves to the last page

    def change_after_first_page(server: FakeEfecte, req: Request, count: int) -> None:
        if req.query.get("offset", "0") == "0":
            server.touch(1, T0 + timedelta(hours=3), status="05 - Avklarad")

    srv.on_page = change_after_first_page
    config = rest_config(srv, page_size=4)
    [(batch, items)] = run(EfecteRestSource(config), context(config, None, NOW))
    served = [card for page in srv.of_kind("data") for card in page.served]
    assert served.count(1) == 2  # card 1 came on both pages
    assert len(items) == len(set(served))  # (offset paging may skip a card: full resyncs)
    ticket = next(t for t in items if t.id == "INC-000001")
    assert ticket.status == "resolved" and ticket.updated == T0 + timedelta(hours=3)
    assert batch.state["watermark"] == (T0 + timedelta(hours=3)).isoformat()


def test_deleted_card_is_missing_from_the_full_resync_snapshot(srv: FakeEfecte) -> None:
    config = rest_config(srv, full_resync=86400)
    adapter = EfecteRestSource(config)
    [(first, items)] = run(adapter, context(config, None, NOW))
    assert first.snapshot and len(items) == 6
    state = dict(first.state)

    srv.delete(4)
    later = NOW + timedelta(minutes=5)
    [(incremental, items)] = run(adapter, context(config, state, later))
    # A deletion changes no `updated`: only the 60 s overlap's card comes again.
    assert incremental.snapshot is False and [t.id for t in items] == ["INC-000006"]

    day_later = NOW + timedelta(days=1)
    [(full, items)] = run(adapter, context(config, state, day_later))
    assert full.snapshot is True
    assert sorted(t.id for t in items) == [f"INC-00000{i}" for i in (1, 2, 3, 5, 6)]
    assert full.state["last_full"] == day_later.isoformat()
    assert "filter" not in srv.of_kind("data")[-1].query
    assert len(srv.of_kind("login")) == 1


def test_full_resync_when_last_full_is_unknown(srv: FakeEfecte) -> None:
    config = rest_config(srv, full_resync=86400)
    [(batch, _)] = run(EfecteRestSource(config),
                       context(config, {"watermark": T0.isoformat()}, NOW))
    assert batch.snapshot is True


def test_hidden_card_in_an_incremental_pull_is_gone(srv: FakeEfecte) -> None:
    srv.cards[5].hidden = True
    srv.touch(5, NOW - timedelta(minutes=1))
    srv.touch(6, NOW - timedelta(minutes=1))
    config = rest_config(srv)
    state = {"watermark": (NOW - timedelta(hours=1)).isoformat()}
    [(batch, items)] = run(EfecteRestSource(config), context(config, state, NOW))
    assert TicketGone("efecte", "INC-000005") in items
    assert [t.id for t in items if isinstance(t, Ticket)] == ["INC-000006"]

    [(full, items)] = run(EfecteRestSource(config), context(config, None, NOW))
    assert full.snapshot and "INC-000005" not in {getattr(t, "id", None) for t in items}
