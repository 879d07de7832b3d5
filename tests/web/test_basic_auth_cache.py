"""Successful basic-auth checks are cached (exporter-toolkit's way): bcrypt runs once per
user, password and hash, not per scrape; wrong passwords are never cached, so they cannot
evict the scraper's entry; the cache is bounded."""

from __future__ import annotations

import bcrypt
import pytest

import kpimon.web.auth as auth
from kpimon.web.auth import BasicAuth
from tests.web.golden import get
from tests.web.standalone import basic, web_server


@pytest.fixture
def bcrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every bcrypt check the server makes, by the password it checked."""
    calls: list[str] = []
    real = auth.check_password

    def spy(password: str, hashed: str) -> bool:
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(auth, "check_password", spy)
    return calls


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.mark.timeout(60)
def test_a_scraper_pays_bcrypt_once(bcrypt_calls: list[str]) -> None:
    with web_server(basic_auth={"grafana": _hash("right"), "ops": _hash("other")}) as server:
        url = f"http://127.0.0.1:{server.port}/metrics"
        for _ in range(5):
            assert get(url, headers=basic("grafana", "right")).status == 200
        assert bcrypt_calls == ["right"]
        for _ in range(3):  # wrong guesses are checked every time, and never let in
            assert get(url, headers=basic("grafana", "wrong")).status == 401
            assert get(url, headers=basic("nobody", "right")).status == 401
        assert bcrypt_calls == ["right"] + ["wrong", "right"] * 3
        # A cached password is the user's only: another user's name does not reuse it.
        assert get(url, headers=basic("ops", "right")).status == 401
        assert get(url, headers=basic("grafana", "right")).status == 200
        assert len(bcrypt_calls) == 8


def test_the_cache_is_bounded_and_keeps_no_failures(bcrypt_calls: list[str]) -> None:
    users = {f"u{i}": _hash(f"p{i}") for i in range(auth.CACHE_SIZE + 20)}
    checker = BasicAuth(users)
    for i in range(auth.CACHE_SIZE + 20):
        assert checker.check(basic(f"u{i}", f"p{i}")["Authorization"])
        assert not checker.check(basic(f"u{i}", "wrong")["Authorization"])
    assert len(checker._cache) == auth.CACHE_SIZE
    # The newest stay; the oldest went first and costs a check again.
    n = len(bcrypt_calls)
    assert checker.check(basic(f"u{auth.CACHE_SIZE + 19}", f"p{auth.CACHE_SIZE + 19}")
                         ["Authorization"])
    assert len(bcrypt_calls) == n
    assert checker.check(basic("u0", "p0")["Authorization"])
    assert len(bcrypt_calls) == n + 1


def test_a_changed_hash_is_checked_again(bcrypt_calls: list[str]) -> None:
    header = basic("grafana", "right")["Authorization"]
    first = BasicAuth({"grafana": _hash("right")})
    assert first.check(header) and first.check(header)
    assert BasicAuth({"grafana": _hash("new")}).check(header) is False
    assert bcrypt_calls == ["right", "right"]
