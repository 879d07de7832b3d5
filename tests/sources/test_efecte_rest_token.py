"""efecte_rest: the JWT is reused while valid, renewed once on 401 or expiry, never leaked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kpimon.sources.base import SourceError
from kpimon.sources.efecte_rest import EfecteRestSource, jwt_expiry
from tests.sources.efecte_server import (
    PASSWORD,
    FakeEfecte,
    FakeSleep,
    Fault,
    context,
    make_jwt,
    rest_config,
    run,
)

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
STEADY = {"watermark": T0.isoformat(), "last_full": T0.isoformat()}


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        for i in range(5):
            server.add_ticket(100 + i, updated=T0 - timedelta(days=1))
        yield server


def test_token_is_reused_across_collections(srv: FakeEfecte) -> None:
    adapter = EfecteRestSource(rest_config(srv))
    run(adapter, context(adapter.config, STEADY))
    srv.touch(101, T0 + timedelta(minutes=5))
    ctx = context(adapter.config, STEADY)
    [(_, items)] = run(adapter, ctx)
    assert [t.id for t in items] == ["INC-000101"]
    assert ctx.stats.requests == 1  # this collection's own counters
    assert len(srv.of_kind("login")) == 1
    assert len(srv.of_kind("data")) == 2


def test_token_expiring_mid_run_means_one_fresh_login(srv: FakeEfecte) -> None:
    for i in range(5):
        srv.touch(100 + i, T0 + timedelta(minutes=i + 1))
    srv.revoke_after_data = 1  # the server forgets every token after the first page
    config = rest_config(srv, page_size=2)
    [(batch, items)] = run(EfecteRestSource(config), context(config, STEADY))
    assert len(items) == 5
    assert len(srv.of_kind("login")) == 2
    assert [r.status for r in srv.of_kind("data")] == [200, 401, 200, 200]


def test_token_past_its_exp_is_renewed_before_use(srv: FakeEfecte) -> None:
    now = [time.time()]
    adapter = EfecteRestSource(rest_config(srv), clock=lambda: now[0])
    run(adapter, context(adapter.config, STEADY))
    now[0] += srv.token_ttl + 60  # our clock says the token's exp has passed
    run(adapter, context(adapter.config, STEADY))
    assert len(srv.of_kind("login")) == 2
    assert all(r.status == 200 for r in srv.of_kind("data"))  # no 401 was needed


def test_a_second_401_after_a_fresh_login_fails(srv: FakeEfecte) -> None:
    srv.token_ttl = -10  # every token the server issues is already expired
    adapter = EfecteRestSource(rest_config(srv))
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config, STEADY))
    assert err.value.permanent
    assert "401 even after a fresh login as user kpimon" in err.value.message
    assert len(srv.of_kind("login")) == 2
    assert len(srv.of_kind("data")) == 2


def test_jwt_expiry_reads_the_payload() -> None:
    assert jwt_expiry(make_jwt("u", 1_700_000_000, 1)) == 1_700_000_000
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry("a.!!!.c") is None


def test_no_secret_in_any_error(srv: FakeEfecte) -> None:
    """A failing server that echoes the password and the token: the error names neither."""
    adapter = EfecteRestSource(rest_config(srv, retries=1), sleep=FakeSleep())
    run(adapter, context(adapter.config, STEADY))
    token = adapter._token
    assert token
    echo = (f'{{"error": "boom", "password": "{PASSWORD}", "auth": "Bearer {token}", '
            f'"t": "{token}"}}')
    srv.faults += [Fault("data", status=502, body=echo), Fault("data", status=502, body=echo)]
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config, STEADY))
    assert "HTTP 502" in err.value.message
    assert PASSWORD not in err.value.message and token not in err.value.message
    assert token.split(".")[1] not in str(err.value)
