"""Helpers shared by the output tests (tests/web, tests/cli/test_kpis_*, tests/kpi/test_output_*).

* the golden configuration (`../shared/golden/kpimon.toml`), as it is or with a varied source,
  an extra source or a `web_config`;
* the daemon run in-process (`Daemon.run()` in a thread) or as `python -m kpimon run`;
* plain HTTP(S) requests and the parsed Prometheus exposition;
* the §9 JSON Schema shipped in the package.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

import kpimon.daemon
from kpimon.alerts.view import AlertsHolder
from kpimon.config import load_config
from kpimon.daemon import Daemon
from kpimon.leader import Leadership
from kpimon.web.snapshot import Snapshot, SnapshotCollector, SnapshotHolder

REPO = Path(__file__).resolve().parents[2]

#: The ticket ids of the golden export: none of them may ever appear in a metric label.
TICKET_ID = re.compile(r"\bG\d{2}\b")


# ---------------------------------------------------------------------------- schema

def kpis_schema() -> dict[str, Any]:
    """The JSON Schema of the §9 object, read from the installed package (as users get it)."""
    text = resources.files("kpimon").joinpath("schemas/kpis.schema.json").read_text("utf-8")
    return json.loads(text)


def kpis_validator() -> jsonschema.protocols.Validator:
    schema = kpis_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(obj: Any) -> list[str]:
    """Every schema violation of `obj`, as `path: message` lines (empty when valid)."""
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in sorted(kpis_validator().iter_errors(obj), key=lambda e: list(e.path))]


# ---------------------------------------------------------------------------- golden config

def golden_cases(golden_dir: Path) -> list[dict[str, Any]]:
    return list(json.loads((golden_dir / "expected.json").read_text("utf-8"))["cases"])


def golden_env(golden_dir: Path, db_url: str) -> dict[str, str]:
    """What the golden config expands: its folder and the test's own database."""
    return {"GOLDEN_DIR": str(golden_dir), "GOLDEN_DB": db_url}


def write_config(tmp_path: Path, golden_dir: Path, *, tickets: str | None = None,
                 status_changes: str | None = None, extra: str = "",
                 web_config: Path | None = None, compute_every: str | None = None,
                 name: str = "kpimon.toml") -> Path:
    """The golden kpimon.toml, written to `tmp_path`, with optional variations.

    `tickets` / `status_changes` replace the export source's globs (e.g. an empty folder);
    `extra` is appended (further `[[sources]]`); `web_config` goes into `[http]`;
    `compute_every` sets the daemon's periodic compute (default 1m). The database
    and the golden folder stay `${GOLDEN_DB}` / `${GOLDEN_DIR}`, so the caller's environment
    chooses them exactly as for the unmodified golden file.
    """
    text = (golden_dir / "kpimon.toml").read_text("utf-8")
    if tickets is not None:
        text = _replace_once(text, 'path = "${GOLDEN_DIR}/tickets.csv"',
                             f"path = {json.dumps(tickets)}")
    if status_changes is not None:
        text = _replace_once(text, 'status_changes = "${GOLDEN_DIR}/status.csv"',
                             f"status_changes = {json.dumps(status_changes)}")
    if web_config is not None:
        text = _replace_once(text, 'listen = "127.0.0.1:0"',
                             f'listen = "127.0.0.1:0"\nweb_config = {json.dumps(str(web_config))}')
    if compute_every is not None:  # a top-level key: before the first table
        text = f"compute_every = {json.dumps(compute_every)}\n" + text
    path = tmp_path / name
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def _replace_once(text: str, old: str, new: str) -> str:
    # Fail loudly if the golden file changed shape, rather than silently testing the original.
    assert text.count(old) == 1, f"golden kpimon.toml no longer has exactly one {old!r}"
    return text.replace(old, new)


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broken_source(name: str = "broken", drop: Path | None = None) -> str:
    """A second ticket source whose collection fails at once.

    By default its URL refuses connections. With `drop`, it reads a folder under `drop`, which
    is made a file so that the folder can never be created (a setup error the source reports).
    """
    if drop is None:
        where = f'url = "http://127.0.0.1:{closed_port()}/export.csv"\nretries = 0\ntimeout = 2'
    else:
        drop.parent.mkdir(parents=True, exist_ok=True)
        drop.write_text("a file where the drop folder's parent should be\n")
        where = f'path = "{drop}/missing/*.csv"\nsettle = "0s"'
    return f"""
[[sources]]
name = "{name}"
kind = "ticket_csv"
{where}
every = "1h"
fields = {{ id = "Ärende-ID", priority = "Prioritet", status = "Status", created = "Skapad" }}
values.priority = {{ "3. Normal" = "normal" }}
values.status = {{ "01 - Ny" = "new" }}
"""


# ---------------------------------------------------------------------------- command line

@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


Kpimon = Callable[..., CliResult]


def golden_cli(golden_dir: Path, db_url: str, monkeypatch: Any, capsys: Any) -> Kpimon:
    """Collect the golden export into `db_url` with `kpimon collect`, then return a runner of
    `kpimon --config <golden> ARGS…` (in-process `main()`, as tests/test_golden.py does)."""
    from kpimon.cli import main

    for k, v in golden_env(golden_dir, db_url).items():
        monkeypatch.setenv(k, v)
    config = str(golden_dir / "kpimon.toml")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(["--config", config, *args])
        got = capsys.readouterr()
        return CliResult(code, got.out, got.err)

    collected = run("collect")
    assert collected.code == 0, collected.err
    return run


def cli_process(golden_dir: Path, db_url: str, *args: str) -> CliResult:
    """`python -m kpimon --config <golden> ARGS…` as a separate process (real exit codes)."""
    env = {**os.environ, **golden_env(golden_dir, db_url), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "kpimon", "--config",
                           str(golden_dir / "kpimon.toml"), *args], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return CliResult(done.returncode, done.stdout, done.stderr)


# ---------------------------------------------------------------------------- HTTP

@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def get(url: str, *, headers: Mapping[str, str] | None = None,
        context: ssl.SSLContext | None = None, timeout: float = 10) -> Response:
    """GET without raising on 4xx/5xx (the status is what the tests look at)."""
    req = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


def wait_for(predicate: Callable[[], Any], timeout: float = 20, what: str = "condition",
             interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; return it. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------- exposition

Series = tuple[str, tuple[tuple[str, str], ...]]


def parse_exposition(text: str) -> dict[Series, float]:
    """Every sample of a text exposition as {(sample name, sorted labels): value}."""
    out: dict[Series, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def exposition_of(snapshot: Snapshot, alerts: AlertsHolder | None = None,
                  leader: Leadership | None = None) -> str:
    """The text exposition of one snapshot (and the alerts' view, and the role's
    `kpimon_leader`), exactly as `/metrics` would render it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(SnapshotHolder(snapshot)))
    for extra in (alerts, leader):
        if extra is not None:
            registry.register(extra)
    return generate_latest(registry).decode("utf-8")


def family_names(text: str) -> set[str]:
    """The sample names that have at least one sample (counters as `…_total`)."""
    return {name for name, _ in parse_exposition(text)}


def sample(series: Mapping[Series, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in series, f"no series {name}{labels}"
    return series[key]


# ---------------------------------------------------------------------------- daemons

@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then put them back."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Daemon.run() installs SIGTERM/SIGINT/SIGHUP handlers, which Python allows in the main
# thread only; a daemon run in a test thread gets this stand-in that leaves the process's
# handlers alone (the tests stop it through `stop_event`, as the handlers would).
_NO_SIGNALS = types.SimpleNamespace(
    SIGTERM=signal.SIGTERM, SIGINT=signal.SIGINT, SIGHUP=signal.SIGHUP,
    getsignal=signal.getsignal, signal=lambda signum, handler: None)


class DaemonThread:
    """`Daemon(config).run()` in a background thread of the test process.

    Gives the tests the daemon's internals (`daemon.holder`, `daemon.app.store`), which a
    subprocess cannot. Leave with `stop()` (or the context manager).
    """

    def __init__(self, config_path: Path, env: Mapping[str, str],
                 leader: Leadership | None = None):
        """`leader`: the daemon's role among instances (default: alone, the leader)."""
        with environment(env):  # the config expands ${GOLDEN_*} when it is loaded
            self.daemon = Daemon(load_config(str(config_path)), leader=leader)
        self._thread = threading.Thread(target=self._run, name="kpimon-daemon-test",
                                        daemon=True)
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self._old_signal = kpimon.daemon.signal

    def _run(self) -> None:
        try:
            self.exit_code = self.daemon.run()
        except BaseException as e:  # reported by stop()
            self.error = e

    def start(self) -> DaemonThread:
        kpimon.daemon.signal = _NO_SIGNALS  # type: ignore[assignment]
        self._thread.start()
        try:
            wait_for(lambda: self.daemon.web is not None or not self._thread.is_alive(),
                     what="the web server")
            if self.daemon.web is None:
                raise AssertionError(f"the daemon did not start: {self.error!r}")
        except BaseException:
            self._cleanup()
            raise
        return self

    @property
    def url(self) -> str:
        assert self.daemon.web is not None
        scheme = "https" if self.daemon.config.http.web_config and _has_tls(
            self.daemon.config.http.web_config) else "http"
        return f"{scheme}://127.0.0.1:{self.daemon.web.port}"

    def wait_collected(self, *sources: str, timeout: float = 20) -> None:
        """Until each source has been collected once by the scheduler, then a compute.

        The compute is the test's own: the daemon's compute after a collection is skipped when
        it comes while another compute runs (APScheduler's max_instances=1 drops the one-shot
        job), so with two sources the second one's run may wait for the periodic compute.
        """
        outcomes = self.daemon.app.last_outcomes
        wait_for(lambda: all(s in outcomes for s in sources), timeout,
                 what=f"a collection of {', '.join(sources)}")
        self.daemon.compute()
        snap = self.daemon.holder.current
        assert snap.ready and all(snap.sources[s].last_ok is not None for s in sources)

    def _cleanup(self) -> None:
        self.daemon.stop_event.set()
        self._thread.join(15)
        kpimon.daemon.signal = self._old_signal  # type: ignore[assignment]
        self.daemon.app.store.close()

    def stop(self) -> None:
        self._cleanup()
        assert not self._thread.is_alive(), "the daemon did not stop within 15 s"
        if self.error is not None:
            raise AssertionError("the daemon thread failed") from self.error
        assert self.exit_code == 0

    def __enter__(self) -> DaemonThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _has_tls(web_config: str) -> bool:
    return "tls_server_config" in Path(web_config).read_text("utf-8")


LISTENING = re.compile(r"kpimon listening on https?://([\d.]+):(\d+)/")


class DaemonProcess:
    """`python -m kpimon --config FILE run` as a user starts it; the port comes from its log."""

    def __init__(self, config_path: Path, env: Mapping[str, str]):
        self.cmd = [sys.executable, "-m", "kpimon", "--config", str(config_path), "run"]
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
        self.log: list[str] = []
        self.port: int | None = None
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 20) -> DaemonProcess:
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, encoding="utf-8", errors="replace")
        # Drain stderr in a thread: a full pipe would block the daemon's logging.
        threading.Thread(target=self._drain, daemon=True).start()
        wait_for(lambda: self.port is not None or self.proc.poll() is not None,  # type: ignore
                 timeout, what="the 'kpimon listening on' log line")
        if self.port is None:
            raise AssertionError("kpimon run exited early:\n" + "".join(self.log))
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            m = LISTENING.search(line)
            if m and self.port is None:
                self.port = int(m.group(2))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_collected(self, up: str = "export", *others: str, timeout: float = 20) -> None:
        """Until /metrics shows source `up` up and each of `others` collected once, well or
        not (its duration is NaN until a run has ended): collections and a compute done."""
        def done() -> bool:
            series = parse_exposition(get(f"{self.url}/metrics").text)
            durations = [series.get(("kpimon_source_collect_duration_seconds",
                                     (("source", s),)), math.nan) for s in others]
            return series.get(("kpimon_source_up", (("source", up),))) == 1.0 \
                and not any(math.isnan(d) for d in durations)
        wait_for(done, timeout, what=f"collections of {up}, {others}", interval=0.2)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)

    def __enter__(self) -> DaemonProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def golden_daemon(tmp_path: Path, golden_dir: Path, db_url: str, **variations: Any
                  ) -> Iterator[DaemonThread]:
    """An in-process daemon on the (varied) golden config; stopped on exit."""
    cfg = write_config(tmp_path, golden_dir, **variations)
    with DaemonThread(cfg, golden_env(golden_dir, db_url)) as d:
        yield d
