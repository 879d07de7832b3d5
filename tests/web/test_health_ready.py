"""`/healthz` says the process is alive; `/readyz` says the first compute is done and the
database answers (DESIGN §8 "Web")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kpimon.config import load_config
from kpimon.daemon import Daemon
from kpimon.web.server import WebServer
from tests.web.golden import get, golden_daemon, golden_env, write_config


@pytest.fixture
def daemon(tmp_path: Path, golden_dir: Path, db_url: str,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Daemon]:
    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)
    d = Daemon(load_config(str(write_config(tmp_path, golden_dir))))
    yield d
    d.app.store.close()


@pytest.fixture
def web(daemon: Daemon) -> Iterator[str]:
    """The daemon's web server as run() builds it, but without run()'s first compute, so the
    test decides when that happens."""
    server = WebServer("127.0.0.1", 0, daemon.holder, daemon._api_evaluate, daemon.config.tz,
                       daemon.app.store.ping)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_ready_only_after_the_first_compute(daemon: Daemon, web: str) -> None:
    assert daemon.holder.current.ready is False
    assert get(f"{web}/healthz").status == 200
    r = get(f"{web}/readyz")
    assert r.status == 503 and b"first compute" in r.body
    assert get(f"{web}/api/kpis").status == 503  # no running-month figures yet
    page = get(f"{web}/")
    assert page.status == 200 and "den första beräkningen är inte klar" in page.text
    assert get(f"{web}/metrics").status == 200  # the first snapshot's series, NaN and 0

    daemon.app.store.upgrade()
    daemon.compute()
    assert daemon.holder.current.ready is True
    assert get(f"{web}/readyz").status == 200
    assert get(f"{web}/healthz").status == 200
    assert get(f"{web}/api/kpis").status == 200


def test_not_ready_when_the_database_is_unreachable(daemon: Daemon, web: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    daemon.app.store.upgrade()
    daemon.compute()
    assert get(f"{web}/readyz").status == 200

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("database unreachable (test)")

    monkeypatch.setattr(daemon.app.store.engine, "connect", refuse)
    r = get(f"{web}/readyz")
    assert r.status == 503 and b"database unreachable" in r.body
    assert get(f"{web}/healthz").status == 200  # alive all the same


def test_running_daemon_is_healthy_and_ready(tmp_path: Path, golden_dir: Path,
                                             db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        assert get(f"{d.url}/healthz").status == 200
        assert get(f"{d.url}/readyz").status == 200
        assert get(f"{d.url}/nowhere").status == 404
