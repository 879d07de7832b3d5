"""A real Alertmanager (Debian's `prometheus-alertmanager`) for the tests: started on a
loopback port with a temporary storage folder and clustering off, notifying a local webhook
that records what it is told."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.alerts.smtp_server import free_port
from tests.conftest import missing_service
from tests.http_server import LocalServer, QuietHandler

CONFIG = """
route:
  receiver: hook
  group_by: ["alertname"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{hook}/
        send_resolved: true
"""


class Webhook:
    """Collects the webhook notifications Alertmanager sends."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append(json.loads(body))
                self.reply(200)

        self.server = LocalServer(Handler)
        self.port = self.server.port

    def close(self) -> None:
        self.server.close()


class Alertmanager:
    def __init__(self, tmp: Path):
        binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if binary is None:
            missing_service("prometheus-alertmanager is not installed")
        self.hook = Webhook()
        self.port = free_port()
        (tmp / "am").mkdir()
        config = tmp / "am" / "alertmanager.yml"
        config.write_text(CONFIG.format(hook=self.hook.port), encoding="utf-8")
        self.log = open(tmp / "am" / "log", "w+b")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(binary), f"--config.file={config}", f"--storage.path={tmp / 'am' / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("alertmanager did not start:\n" + self.output())
            time.sleep(0.1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def alerts(self, **query: str) -> list[dict[str, Any]]:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts?{q}", timeout=5) as r:
            return json.loads(r.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.hook.close()
