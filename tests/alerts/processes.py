"""`kpimon run` as a separate process for the alert scenarios that kill one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.harness import env_for_child


class KpimonRun:
    """`python -m kpimon --config PATH run`, its stderr in a file."""

    def __init__(self, config: Path, log: Path):
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()/kill()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kpimon", "--config", str(config), "run"],
            env=env_for_child(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._log)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self._log.close()
        return code


def wait_until(predicate, timeout: float = 30.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
