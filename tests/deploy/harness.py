"""Shared pieces of the deploy tests: small configs, a notify socket standing in for systemd,
and a `kpimon run` process started the way the unit starts it.

The daemon runs as `python -m kpimon` with PYTHONPATH set to this checkout, so the tests exercise
the code beside them even when another copy of kpimon is installed in the interpreter.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The golden export's headers (DESIGN §4 ticket_csv defaults) and a handful of rows.
CSV = (
    "Ärende-ID;Typ;Prioritet;Status;Skapad;Första återkoppling;Löst;Stängd;Löst av linje;"
    "Lösning;Grupp;Organisation;Kategori;Senast ändrad\n"
    "T1;Incident;3. Normal;07 - Stängd;2020-03-02 08:00;2020-03-02 08:20;2020-03-02 10:00;"
    "2020-03-05 10:00;1;Startade om;Servicedesk;Askersund;;2020-03-05 10:00\n"
    "T2;Incident;2. Hög;05 - Avklarad;2020-03-02 09:00;2020-03-02 09:45;2020-03-03 16:00;;2;"
    "Bytt disk;Drift;Hallsberg;;2020-03-03 16:00\n"
    "T3;Incident;1. Akut;02 - Pågår;2020-03-04 10:00;;;;;;Servicedesk;Laxå;;2020-03-04 10:00\n"
)

SOURCE = """
[[sources]]
name = "{name}"
kind = "ticket_csv"
{location}
every = "{every}"
settle = "0s"
{extra}
values.priority = {{ "1. Akut" = "acute", "2. Hög" = "high", "3. Normal" = "normal", "4. Låg" = "low" }}
values.status = {{ "01 - Ny" = "new", "02 - Pågår" = "in_progress", "03 - Väntar" = "waiting", "05 - Avklarad" = "resolved", "07 - Stängd" = "closed" }}
values.kind = {{ "Incident" = "incident" }}
"""  # noqa: E501 - TOML inline tables cannot be wrapped


def source_block(name: str, location: str, extra: str = "", every: str = "1h") -> str:
    """A `[[sources]]` ticket_csv entry with the golden value maps; `location` is a TOML line
    such as `path = "…"` or `url = "…"`."""
    return SOURCE.format(name=name, location=location, extra=extra, every=every)


INDICATORS = {
    "resp_30m": 'kind = "response_within"\nthreshold = "30m"\ntarget = ">= 0.6"',
    "first_line": 'kind = "first_line_share"\ntarget = ">= 0.56"',
    "open_30d": 'kind = "open_older_than"\nthreshold = "30d"\ntarget = "<= 1"',
}


def write_config(tmp: Path, indicators: tuple[str, ...] = ("resp_30m",), *,
                 top: str = "", sources: str = "") -> Path:
    """A small working config in `tmp`: SQLite there, a ticket_csv source `export` over a
    three-ticket CSV, port 0; `top` adds top-level keys, `sources` more `[[sources]]`."""
    data = tmp / "export.csv"
    if not data.exists():
        data.write_text(CSV, encoding="utf-8")
    text = [f'timezone = "Europe/Stockholm"\ndatabase = "sqlite:///{tmp}/kpimon.db"\n{top}',
            '[http]\nlisten = "127.0.0.1:0"\n',
            source_block("export", f'path = "{data}"'), sources]
    for ident in indicators:
        text.append(f'[[indicators]]\nid = "{ident}"\n{INDICATORS[ident]}\n')
    path = tmp / "kpimon.toml"
    path.write_text("\n".join(text), encoding="utf-8")
    return path


def env_for_child(**extra: str) -> dict[str, str]:
    """The test's environment with this checkout first on the path and no systemd leftovers."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM",
                        "KPIMON_CONFIG")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])])
    env.update(extra)
    return env


def kpimon(*args: str, env: dict[str, str] | None = None, timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    """Run `python -m kpimon ARGS` to completion and capture its output."""
    return subprocess.run([sys.executable, "-m", "kpimon", *args], env=env or env_for_child(),
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class NotifySocket:
    """The datagram socket systemd listens on for sd_notify messages."""

    def __init__(self, tmp: Path):
        path = tmp / "notify"
        self._own_dir: Path | None = None
        if len(str(path)) > 100:  # sun_path holds 108 bytes; pytest's tmp dirs can be long
            self._own_dir = Path(tempfile.mkdtemp(prefix="kpn"))
            path = self._own_dir / "notify"
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[set[str]] = []  # every datagram, as its set of lines

    def receive(self, timeout: float) -> set[str] | None:
        self.sock.settimeout(max(0.01, timeout))
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        msg = set(data.decode().split("\n"))
        self.messages.append(msg)
        return msg

    def wait_for(self, line: str, timeout: float = 15.0) -> set[str]:
        """The next datagram containing `line`; earlier ones are kept in `messages`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            msg = self.receive(left)
            if msg is not None and line in msg:
                return msg
        raise AssertionError(f"no {line} within {timeout} s; got {self.messages}")

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)
        if self._own_dir is not None:
            self._own_dir.rmdir()


class Daemon:
    """`kpimon --config X run` with NOTIFY_SOCKET and WATCHDOG_USEC, as systemd starts it."""

    def __init__(self, config: Path, notify: NotifySocket, watchdog_usec: int = 2_000_000,
                 args: tuple[str, ...] = (), env: dict[str, str] | None = None):
        env = dict(env or env_for_child())
        env.update(NOTIFY_SOCKET=str(notify.path), WATCHDOG_USEC=str(watchdog_usec))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kpimon", *args, "--config", str(config), "run"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def port(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"kpimon listening on http://127\.0\.0\.1:(\d+)/", self.log)
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no listening line; log:\n{self.log}")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port()}{path}",
                                        timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self) -> str:
        status, body = self.get("/metrics")
        assert status == 200, body
        return body

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_for_log(self, pattern: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log)
            if m:
                return m.group(0)
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} not logged within {timeout} s; log:\n{self.log}")

    def stop(self) -> int:
        """SIGTERM (if still running) and the exit code; kill after 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self._reader.join(5)
        return code


def metric_value(text: str, name: str, **labels: str) -> float | None:
    """The value of the first series of `name` carrying `labels` (Prometheus text format)."""
    for line in text.splitlines():
        m = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None
