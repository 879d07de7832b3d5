"""A kpimon daemon for the dashboard and rule tests: the demo configuration on freshly
generated demo data, plus what makes every shipped query and alert have something to show —
a manual indicator in a unit of its own (beside the demo's `hme`),
a source that fails after having once succeeded two
days ago (down and stale), a reload of a broken configuration (reload failed), and an alert
mail that has waited an hour for delivery."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.datagen.demo import write_demo
from bench.generate import parse_end
from kpimon.sources.base import SourceStats
from kpimon.store import BatchCounts, Store
from tests.web.golden import REPO, DaemonProcess, broken_source, get, parse_exposition, wait_for

EXTRA = """
[[indicators]]
id = "budget"
name = "Budgetresultat (tkr)"
kind = "manual"
unit = "kSEK"
target = ">= 0"

[[indicators]]
id = "calls_wait"
name = "Genomsnittlig väntetid i telefonkön"
kind = "call_average_wait"
target = "fall"
"""


def demo_config(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The demo's kpimon.toml on a free port with the extras above, and its environment."""
    data = tmp_path / "demo"
    write_demo(data, parse_end(None))
    text = (REPO / "config" / "demo" / "kpimon.toml").read_text("utf-8")
    assert text.count('listen = "127.0.0.1:9817"') == 1
    text = text.replace('listen = "127.0.0.1:9817"', 'listen = "127.0.0.1:0"')
    path = tmp_path / "kpimon.toml"
    path.write_text(text + EXTRA + broken_source("arkiv", drop=tmp_path / "arkiv"), "utf-8")
    return path, {"KPIMON_DEMO_DIR": str(data)}


def collect(config: Path, env: dict[str, str]) -> None:
    """`kpimon collect` as a user runs it: every source once, then a compute."""
    done = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(config), "collect"],
                          env={**_base_env(), **env}, capture_output=True, text=True,
                          timeout=110, stdin=subprocess.DEVNULL)
    # The arkiv source fails (exit 1); the others must have worked.
    assert "efecte_export:" in done.stdout and "telefoni:" in done.stdout, done.stderr
    assert done.returncode == 1 and "arkiv" in done.stdout + done.stderr, done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}


def succeeded_long_ago(db_url: str, source: str, seconds: int) -> None:
    """Record a successful run of `source` that ended `seconds` ago."""
    store = Store.open(db_url)
    try:
        now = int(time.time())
        run = store.start_run(source, now - seconds - 5)
        store.finish_run(run, now - seconds, True, BatchCounts(), SourceStats())
    finally:
        store.close()


def mail_waiting_since(db_url: str, seconds: int) -> None:
    """An alert mail that has waited `seconds` for delivery and is due for a retry in an hour
    (the relay refused it so far): kpimon's outbox age alert has something to show."""
    from sqlalchemy import insert

    from kpimon.store import tables as t

    store = Store.open(db_url)
    try:
        store.upgrade()
        now = int(time.time())
        with store.engine.begin() as conn:
            conn.execute(insert(t.notifications).values(
                receiver="servicedesk", channel="email", group_key="stuck", status="ready",
                created_at=now - seconds, due_at=now + 3600, attempts=3,
                message_id="<stuck.kpimon@demo.invalid>", subject="[kpimon] stuck",
                recipients='["servicedesk-ledning@demo.invalid"]', payload="Subject: x\r\n\r\nx",
                last_error="connection refused"))
    finally:
        store.close()


def metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return parse_exposition(get(f"{url}/metrics").text)


def break_config_and_reload(daemon: DaemonProcess, config: Path) -> None:
    """Write a broken configuration and send SIGHUP: the reload fails, the old one stays."""
    config.write_text(config.read_text("utf-8") + "\n[[[ not toml\n", "utf-8")
    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: metrics(daemon.url).get(
        ("kpimon_config_last_reload_successful", ())) == 0.0, 30, what="a failed reload",
        interval=0.2)
