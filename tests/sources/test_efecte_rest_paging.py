"""efecte_rest: login, then several pages of data cards, mapped to tickets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kpimon.records import Ticket
from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import FakeEfecte, FakeSleep, context, rest_config, run

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        yield server


def fill(srv: FakeEfecte, n: int, template: str = "incident", first_id: int = 1000) -> None:
    for i in range(n):
        srv.add_ticket(first_id + i, template, updated=T0 + timedelta(minutes=i))


def test_first_run_logs_in_and_reads_every_page(srv: FakeEfecte) -> None:
    fill(srv, 450)
    adapter = EfecteRestSource(rest_config(srv), sleep=FakeSleep())
    ctx = context(adapter.config)
    [(batch, items)] = run(adapter, ctx)

    assert len(srv.of_kind("login")) == 1
    pages = srv.of_kind("data")
    assert len(pages) == 3  # 200 + 200 + 50
    assert all(r.headers["Authorization"].startswith("Bearer ") for r in pages)
    assert pages[0].query["limit"] == "200"
    assert pages[0].query["dataCards"] == "true"
    assert pages[0].query["selectedAttributes"].split(",") == [
        "efecte_id", "priority", "status", "created", "updated", "organization"]
    assert "filter" not in pages[0].query  # first run: a full resync
    assert batch.snapshot is True
    assert len(items) == 450 and all(isinstance(t, Ticket) for t in items)
    assert len({t.id for t in items}) == 450
    assert ctx.stats.requests == 4
    assert batch.state["watermark"] == (T0 + timedelta(minutes=449)).isoformat()
    assert batch.state["last_full"] == ctx.now.isoformat()


def test_card_values_map_to_a_ticket(srv: FakeEfecte) -> None:
    srv.add_ticket(7, number="INC-7", status="05 - Avklarad", priority="1. Akut",
                   created="2020-03-02T08:41:00Z", updated=T0, org="Laxå",
                   extra={"solved": {"type": "date", "values": [{"value": "02.03.2020 10:15"}]}})
    srv.add_ticket(8, "service_request", number="REQ-8", updated=T0)
    config = rest_config(srv, templates=("incident", "service_request"),
                         fields={**rest_config(srv).fields, "resolved": "solved"})
    [(_, items)] = run(EfecteRestSource(config), context(config))
    by_id = {t.id: t for t in items}
    inc = by_id["INC-7"]
    assert (inc.kind, inc.priority, inc.status) == ("incident", "acute", "resolved")
    assert inc.org == "Laxå"
    assert inc.created == datetime(2020, 3, 2, 8, 41, tzinfo=UTC)
    assert inc.resolved == datetime(2020, 3, 2, 9, 15, tzinfo=UTC)  # local time, CET
    assert inc.updated == T0
    assert by_id["REQ-8"].kind == "request"  # the template code through values.kind


@pytest.mark.parametrize("style", ["absolute", "relative", "foreign"])
@pytest.mark.parametrize("keeps_params", [True, False])
def test_next_links_are_rebased_and_completed(srv: FakeEfecte, style: str,
                                              keeps_params: bool) -> None:
    fill(srv, 5)
    srv.next_style = style
    srv.next_keeps_params = keeps_params
    srv.touch(1000, T0 + timedelta(hours=2))
    srv.touch(1001, T0 + timedelta(hours=2))
    srv.touch(1002, T0 + timedelta(hours=2))
    config = rest_config(srv, page_size=2)
    state = {"watermark": (T0 + timedelta(hours=1)).isoformat(),
             "last_full": T0.isoformat()}
    [(batch, items)] = run(EfecteRestSource(config), context(config, state))
    pages = srv.of_kind("data")
    assert len(pages) == 2  # 2 + 1 changed cards; a foreign host is never contacted
    for page in pages:  # every page keeps the incremental filter and the attributes
        assert page.query["filter"] == "$updated$ > '2020-03-02T09:59:00Z'"
        assert page.query["dataCards"] == "true"
        assert "selectedAttributes" in page.query
    assert pages[1].query["filterId"] == "1001"
    assert sorted(t.id for t in items) == ["INC-001000", "INC-001001", "INC-001002"]
    assert batch.snapshot is False


def test_token_from_the_authorization_header(srv: FakeEfecte) -> None:
    fill(srv, 2)
    srv.token_in = "header"
    config = rest_config(srv)
    [(_, items)] = run(EfecteRestSource(config), context(config))
    assert len(items) == 2
    assert all(r.status == 200 for r in srv.of_kind("data"))


def test_an_unmapped_card_is_a_reject_naming_template_and_card(srv: FakeEfecte) -> None:
    srv.add_ticket(5, status="99 - Okänd", updated=T0)
    srv.add_ticket(6, updated=T0, org=None)
    srv.cards[6].attrs.pop("created")
    config = rest_config(srv)
    [(_, items)] = run(EfecteRestSource(config), context(config))
    rejects = sorted(items, key=lambda r: r.where)
    assert [(r.where, r.row, r.field) for r in rejects] == [
        ("incident 5", None, "status"), ("incident 6", None, "created")]
    assert rejects[0].value == "99 - Okänd"
    assert rejects[1].reason == "required value is empty"
