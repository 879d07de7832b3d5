"""efecte_rest: throttling, server errors, dropped connections and broken bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kpimon.sources.base import SourceError
from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import FakeEfecte, FakeSleep, Fault, context, rest_config, run

T0 = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        for i in range(3):
            server.add_ticket(10 + i, updated=T0 + timedelta(minutes=i))
        yield server


def adapter_for(srv: FakeEfecte, **kw: object) -> tuple[EfecteRestSource, FakeSleep]:
    sleep = FakeSleep()
    return EfecteRestSource(rest_config(srv, **kw), sleep=sleep, jitter=lambda: 0.5), sleep


def test_429_waits_the_seconds_the_body_states(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", status=429, body='{"code": 429, "error": "Too Many '
                            'Requests", "message": "Rate limit exceeded, retry after 7 '
                            'seconds"}'))
    adapter, sleep = adapter_for(srv)
    ctx = context(adapter.config)
    [(_, items)] = run(adapter, ctx)
    assert len(items) == 3
    assert sleep.waits == [7.0]
    assert (ctx.stats.throttled, ctx.stats.retries, ctx.stats.requests) == (1, 1, 3)


def test_429_with_a_retry_after_header(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", status=429, body="slow down",
                            headers={"Retry-After": "12"}))
    adapter, sleep = adapter_for(srv)
    run(adapter, context(adapter.config))
    assert sleep.waits == [12.0]


def test_500_then_success_is_retried_with_back_off(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", status=500, body='{"code": 500}'))
    adapter, sleep = adapter_for(srv)
    ctx = context(adapter.config)
    [(_, items)] = run(adapter, ctx)
    assert len(items) == 3
    assert sleep.waits == [0.5]  # 0.5 s × (0.5 + jitter 0.5) for the first retry
    assert ctx.stats.retries == 1
    assert [r.status for r in srv.of_kind("data")] == [500, 200]


def test_5xx_until_retries_are_spent_fails_the_source(srv: FakeEfecte) -> None:
    srv.faults += [Fault("data", status=503, body="down") for _ in range(3)]
    adapter, sleep = adapter_for(srv, retries=2)
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config))
    assert not err.value.permanent
    assert "HTTP 503" in err.value.message
    assert len(srv.of_kind("data")) == 3 and len(sleep.waits) == 2


def test_connection_dropped_mid_body_is_retried(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", mode="drop"))
    adapter, sleep = adapter_for(srv)
    ctx = context(adapter.config)
    [(_, items)] = run(adapter, ctx)
    assert len(items) == 3
    assert len(srv.of_kind("data")) == 2
    assert ctx.stats.retries == 1 and len(sleep.waits) == 1


def test_login_dropped_mid_body_is_retried(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("login", mode="drop"))
    adapter, _ = adapter_for(srv)
    [(_, items)] = run(adapter, context(adapter.config))
    assert len(items) == 3
    assert len(srv.of_kind("login")) == 2


def test_truncated_json_is_an_error_not_an_empty_page(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", mode="truncate"))
    adapter, _ = adapter_for(srv)
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config))
    assert not err.value.permanent  # the next cycle tries again
    assert "not valid JSON" in err.value.message
    assert "template incident, page 1" in err.value.message


def test_a_page_that_is_not_cards_is_an_error(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", status=200, body='{"data": "oops"}'))
    adapter, _ = adapter_for(srv)
    with pytest.raises(SourceError, match="not a list of data cards"):
        run(adapter, context(adapter.config))


def test_forbidden_template_is_a_permanent_error(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("data", status=403, body='{"code": 403, "error": "Forbidden"}'))
    adapter, sleep = adapter_for(srv)
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config))
    assert err.value.permanent and "HTTP 403" in err.value.message
    assert sleep.waits == []
