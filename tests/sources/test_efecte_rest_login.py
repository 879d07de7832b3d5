"""efecte_rest: a refused login is one request and one clear, permanent error."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from kpimon.sources.base import SourceError
from kpimon.sources.efecte_rest import EfecteRestSource
from tests.sources.efecte_server import FakeEfecte, FakeSleep, Fault, context, rest_config, run


@pytest.fixture
def srv() -> Iterator[FakeEfecte]:
    with FakeEfecte() as server:
        server.add_ticket(1)
        yield server


def test_wrong_password_is_one_login_and_a_clear_error(srv: FakeEfecte,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    wrong = "Wr0ng-Secret-42"
    sleep = FakeSleep()
    adapter = EfecteRestSource(rest_config(srv, password=wrong), sleep=sleep)
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config))
    assert err.value.permanent
    assert err.value.message.startswith("login refused for user kpimon")
    assert wrong not in str(err.value) and wrong not in caplog.text
    assert len(srv.requests) == 1 and srv.requests[0].kind == "login"
    assert sleep.waits == []

    # The next cycle does not feed the same password to a lock-out policy straight away.
    with pytest.raises(SourceError, match="login refused for user kpimon"):
        run(adapter, context(adapter.config))
    assert len(srv.requests) == 1


def test_login_answer_without_a_token_is_an_error(srv: FakeEfecte) -> None:
    srv.faults.append(Fault("login", status=200, body='{"code": 200, "message": "ok"}'))
    adapter = EfecteRestSource(rest_config(srv))
    with pytest.raises(SourceError, match="without a token"):
        run(adapter, context(adapter.config))


def test_missing_credentials_are_a_permanent_error(srv: FakeEfecte) -> None:
    adapter = EfecteRestSource(rest_config(srv, password=None))
    with pytest.raises(SourceError) as err:
        run(adapter, context(adapter.config))
    assert err.value.permanent and "password" in err.value.message
    assert srv.requests == []
