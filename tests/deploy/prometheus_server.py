"""A real Prometheus for the tests (Debian's `prometheus`): on a free loopback port, with a
temporary storage folder, scraping the given targets every second and evaluating the given
rule files every second."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import need_tool
from tests.web.golden import closed_port, get, wait_for


def _ready(url: str) -> bool:
    try:
        return get(f"{url}/-/ready", timeout=2).status == 200
    except OSError:
        return False


@contextmanager
def prometheus(tmp_path: Path, targets: Sequence[str], rule_files: Sequence[Path] = ()
               ) -> Iterator[str]:
    """Run Prometheus until the block ends; yields its base URL."""
    binary = need_tool("prometheus")
    port = closed_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    rules = "\n".join(f"  - {json.dumps(str(p))}" for p in rule_files)
    cfg = folder / "prometheus.yml"
    cfg.write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
{rules or "  []"}
scrape_configs:
  - job_name: kpimon
    static_configs:
      - targets: {json.dumps(list(targets))}
""", encoding="utf-8")
    log_path = folder / "prometheus.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [binary, f"--config.file={cfg}", f"--storage.tsdb.path={folder / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: proc.poll() is not None or _ready(url), 30, what="Prometheus ready")
        assert proc.poll() is None, log_path.read_text()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


class QueryError(Exception):
    """Prometheus refused a query (a parse or evaluation error)."""


def query(url: str, promql: str) -> list[dict[str, Any]]:
    """An instant query through the HTTP API; its result vector."""
    r = get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    body = json.loads(r.body)
    if r.status != 200 or body.get("status") != "success":
        raise QueryError(f"{promql}: {body.get('errorType')}: {body.get('error')}")
    return list(body["data"]["result"])


def metric_names(url: str) -> set[str]:
    """Every metric name Prometheus holds."""
    body = json.loads(get(f"{url}/api/v1/label/__name__/values").body)
    return set(body["data"])
