"""A secret never reaches the logs, even when a source fails with an error that contains it:
the Efecte-style export server below answers 500 with the password in its body. The password
comes the systemd way, from a credentials file (`password_file =
"${CREDENTIALS_DIRECTORY}/efecte"`), and kpimon runs at DEBUG, as `collect` (text and JSON) and
as the daemon."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.harness import (
    Daemon,
    NotifySocket,
    env_for_child,
    kpimon,
    source_block,
    write_config,
)
from tests.http_server import LocalServer, QuietHandler

PASSWORD = "Vinter-2020!kpimon"


class _Leaky(QuietHandler):
    """Fails every request and, like a careless server, echoes the credentials back."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply(500, (f"login failed for kpimon with password {PASSWORD} "
                         f"(header {self.headers.get('Authorization')})").encode())


@pytest.fixture
def leaky_url() -> Iterator[str]:
    with LocalServer(_Leaky) as server:
        yield f"{server.origin}/export.csv"


def _config(tmp_path: Path, url: str, top: str = "") -> tuple[Path, dict[str, str]]:
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "efecte").write_text(PASSWORD + "\n", encoding="utf-8")
    source = source_block("efecte", f'url = "{url}"',
                          'username = "kpimon"\n'
                          'password_file = "${CREDENTIALS_DIRECTORY}/efecte"\n'
                          "retries = 1\ntimeout = 5")
    config = write_config(tmp_path, top=top, sources=source)
    return config, env_for_child(CREDENTIALS_DIRECTORY=str(creds))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_collect_failure_does_not_log_the_password(tmp_path: Path, leaky_url: str,
                                                   fmt: str) -> None:
    config, env = _config(tmp_path, leaky_url, top=f'log_format = "{fmt}"\n')
    run = kpimon("--log-level", "DEBUG", "--config", str(config), "collect", env=env)
    assert run.returncode == 1  # one source failed
    assert "HTTP 500" in run.stderr and "efecte" in run.stderr, run.stderr
    assert PASSWORD not in run.stderr
    assert PASSWORD not in run.stdout


@pytest.mark.timeout(60)
def test_daemon_does_not_log_the_password(tmp_path: Path, leaky_url: str) -> None:
    config, env = _config(tmp_path, leaky_url)
    notify = NotifySocket(tmp_path)
    daemon = Daemon(config, notify, args=("--log-level", "DEBUG"), env=env)
    try:
        notify.wait_for("READY=1", timeout=20)
        daemon.wait_for_log(r"source efecte failed", timeout=20)
        daemon.signal(signal.SIGHUP)  # a reload re-reads the credential: still redacted
        notify.wait_for("READY=1", timeout=20)
        assert daemon.stop() == 0
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
        notify.close()
    assert "HTTP 500" in daemon.log
    assert PASSWORD not in daemon.log
