"""A real Prometheus scrapes `kpimon run` (DESIGN §11): the target is up and the golden
indicators are queryable, NaN included (a missing value is stored as NaN, never as 0)."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_tool
from tests.web.golden import (
    DaemonProcess,
    closed_port,
    get,
    golden_env,
    parse_exposition,
    wait_for,
    write_config,
)

GOLDEN_INDICATORS = {"resp_30m", "resp_8h_office", "order_2d_office", "first_line",
                     "handling_office_h", "handling_p90_office_h", "open_30d", "oldest_open",
                     "missing_solution", "flow"}


@pytest.fixture
def daemon(tmp_path: Path, golden_dir: Path) -> Iterator[DaemonProcess]:
    # The database is not what this test is about: one SQLite file is enough.
    env = golden_env(golden_dir, f"sqlite:///{tmp_path}/kpimon.db")
    with DaemonProcess(write_config(tmp_path, golden_dir), env) as d:
        d.wait_collected("export")
        yield d
    assert d.proc is not None and d.proc.returncode == 0, "".join(d.log)


@pytest.fixture
def prometheus(tmp_path: Path, daemon: DaemonProcess) -> Iterator[str]:
    binary = need_tool("prometheus")
    port = closed_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kpimon
    static_configs:
      - targets: ["127.0.0.1:{daemon.port}"]
""", encoding="utf-8")
    log = (tmp_path / "prometheus.log").open("w")
    proc = subprocess.Popen(
        [binary, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: proc.poll() is not None or _ready(url), 20, what="Prometheus ready")
        assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _ready(url: str) -> bool:
    try:
        return get(f"{url}/-/ready", timeout=2).status == 200
    except OSError:
        return False


def _query(url: str, promql: str) -> list[dict[str, Any]]:
    r = get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    assert r.status == 200, r.text
    body = json.loads(r.body)
    assert body["status"] == "success"
    return list(body["data"]["result"])


def test_prometheus_scrapes_the_daemon(prometheus: str, daemon: DaemonProcess) -> None:
    def scraped() -> list[dict[str, Any]] | None:
        up = _query(prometheus, 'up{job="kpimon"}')
        values = _query(prometheus, "kpimon_indicator_value")
        got = {s["metric"]["indicator"] for s in values}
        return values if up and up[0]["value"][1] == "1" and got >= GOLDEN_INDICATORS else None

    values = wait_for(scraped, 20, what="kpimon series in Prometheus", interval=0.5)
    by_key = {(s["metric"]["indicator"], s["metric"]["period"]): s["value"][1] for s in values}
    assert {i for i, _ in by_key} == GOLDEN_INDICATORS
    assert {p for _, p in by_key} == {"month", "year"}
    # Nothing was answered in the running month of the golden export (2020/2021 tickets), so
    # the response ratio has no value: Prometheus holds NaN, not 0.
    assert by_key[("resp_30m", "month")] == "NaN"

    # The rest arrives as well: state sets, a source, the build.
    status = _query(prometheus, 'kpimon_indicator_status{indicator="resp_30m",period="month"}'
                                " == 1")
    assert [s["metric"]["status"] for s in status] == ["no_value"]
    assert _query(prometheus, 'kpimon_source_up{source="export"}')[0]["value"][1] == "1"
    assert _query(prometheus, "kpimon_build_info")
    # Every sample of the exposition was taken in (none dropped by the parser).
    exposed = len(parse_exposition(get(f"{daemon.url}/metrics").text))
    scraped_n = _query(prometheus, 'scrape_samples_scraped{job="kpimon"}')[0]["value"][1]
    assert int(scraped_n) == exposed
