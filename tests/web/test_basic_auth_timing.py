"""Basic auth does not tell usernames by timing: a wrong password for a known user and any
password for an unknown user both cost one bcrypt check of the same cost (exporter-toolkit's
dummy hash). Medians of many interleaved tries, compared with a generous factor: before, an
unknown user answered about 20 times faster than a known one at this cost."""

from __future__ import annotations

import statistics
import time

import bcrypt
import pytest

from tests.web.golden import get
from tests.web.standalone import basic, web_server


@pytest.mark.timeout(60)
def test_unknown_users_take_as_long_as_wrong_passwords() -> None:
    hashed = bcrypt.hashpw(b"right", bcrypt.gensalt(rounds=8)).decode()  # ~20 ms a check
    with web_server(basic_auth={"grafana": hashed}) as server:
        url = f"http://127.0.0.1:{server.port}/healthz"
        known: list[float] = []
        unknown: list[float] = []
        for i in range(25):  # interleaved, so load from elsewhere hits both alike
            for user, into in (("grafana", known), (f"nobody{i}", unknown)):
                t0 = time.perf_counter()
                r = get(url, headers=basic(user, f"wrong{i}"))
                into.append(time.perf_counter() - t0)
                assert r.status == 401
        k, u = statistics.median(known), statistics.median(unknown)
        assert u > k / 3, f"unknown user {u * 1000:.1f} ms vs known user {k * 1000:.1f} ms"
        assert k > u / 3, f"known user {k * 1000:.1f} ms vs unknown user {u * 1000:.1f} ms"
        assert get(url, headers=basic("grafana", "right")).status == 200
