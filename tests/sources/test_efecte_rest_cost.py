"""efecte_rest: a steady cycle costs one page per template and no login, whatever N is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import Card, FakeEfecte, context, rest_config, run, text_el

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2020, 3, 3, 12, 0, tzinfo=UTC)


def stock(srv: FakeEfecte, n: int) -> None:
    """n stored cards, half incidents and half requests, all older than the watermark."""
    template = srv.add_ticket(1, updated=T0)
    for i in range(n):
        tpl = "incident" if i % 2 else "service_request"
        srv.cards[10 + i] = Card(10 + i, tpl, T0, dict(template.attrs),
                                 name=f"INC-{10 + i:06d}")
        srv.cards[10 + i].attrs["efecte_id"] = text_el(f"INC-{10 + i:06d}")
    del srv.cards[1]


@pytest.mark.parametrize("n", [200, 20_000])
def test_steady_cycle_costs_one_page_per_template(n: int) -> None:
    with FakeEfecte() as srv:
        stock(srv, n)
        config = rest_config(srv, templates=("incident", "service_request"))
        adapter = EfecteRestSource(config)
        state = {"watermark": (NOW - timedelta(minutes=10)).isoformat(),
                 "last_full": (NOW - timedelta(hours=1)).isoformat()}
        run(adapter, context(config, state, NOW - timedelta(minutes=5)))  # logs in once
        before = len(srv.requests)

        for card_id in (11, 12, 13):  # k = 3 changed since the watermark
            srv.touch(card_id, NOW - timedelta(minutes=2), status="05 - Avklarad")
        [(batch, items)] = run(adapter, context(config, state, NOW))

        steady = srv.requests[before:]
        assert [r.kind for r in steady] == ["data", "data"]  # no login, one page each
        assert sorted(r.path.split("/")[-2] for r in steady) == ["incident", "service_request"]
        assert sorted(t.id for t in items) == ["INC-000011", "INC-000012", "INC-000013"]
        assert all(t.status == "resolved" for t in items)
        assert batch.state["watermark"] == (NOW - timedelta(minutes=2)).isoformat()
