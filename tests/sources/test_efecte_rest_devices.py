"""efecte_rest with `devices = true`: the CMDB's computers as one inventory snapshot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kpimon.records import Device, Reject
from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import FakeEfecte, context, rest_config, run, text_el


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        for i, name in enumerate(["ASK-PC001", "HAL-PC002", "LAX-PC003"]):
            server.add_computer(500 + i, name)
        server.add_computer(600, "LEK-LT004", template="laptop")
        server.add_computer(601, "")
        server.cards[601].attrs["hostname"] = text_el(None)
        yield server


def test_devices_from_the_name_attribute(srv: FakeEfecte) -> None:
    config = rest_config(srv, devices=True, name_field="hostname", fields={}, values={},
                         templates=("workstation", "laptop"))
    ctx = context(config)
    [(batch, items)] = run(EfecteRestSource(config), ctx)
    assert batch.snapshot is True
    devices = [d for d in items if isinstance(d, Device)]
    assert sorted(d.name for d in devices) == ["ASK-PC001", "HAL-PC002", "LAX-PC003",
                                               "LEK-LT004"]
    assert all(d.seen_at == ctx.now and d.attrs == {} and d.source == "efecte" for d in devices)
    [reject] = [r for r in items if isinstance(r, Reject)]
    assert (reject.where, reject.field) == ("workstation 601", "name")
    first = srv.of_kind("data")[0]
    assert first.query["selectedAttributes"] == "hostname" and "filter" not in first.query


def test_devices_by_card_name_use_the_short_listing(srv: FakeEfecte) -> None:
    config = rest_config(srv, devices=True, fields={}, values={}, templates=("laptop",))
    [(batch, items)] = run(EfecteRestSource(config), context(config))
    assert [d.name for d in items] == ["LEK-LT004 (workstation)"]
    [page] = srv.of_kind("data")
    assert page.query["dataCards"] == "false" and "selectedAttributes" not in page.query
