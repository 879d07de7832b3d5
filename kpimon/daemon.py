"""`kpimon run`: the scheduler, the web server, signals and systemd notification.

APScheduler 3 runs one collect job per source on its `every`, a compute job after each
collection and every `compute_every`, with one instance per job, coalescing and a misfire
grace. A failing job never stops the others: the collector records a failed run, a failed
compute keeps the previous snapshot. SIGTERM/SIGINT stop the daemon (exit 0); SIGHUP re-reads
the configuration, and a broken new one is logged and exported while the old one stays.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from kpimon.app import App
from kpimon.config import Config, ConfigError, load_config
from kpimon.kpi.indicators.base import EvalContext
from kpimon.kpi.indicators.tickets import at_risk
from kpimon.kpi.output import evaluation_json
from kpimon.kpi.periods import date_range
from kpimon.web.server import WebServer
from kpimon.web.snapshot import (
    Snapshot,
    SnapshotHolder,
    SourceExtras,
    build_metrics,
)
from kpimon.web.webconfig import WebConfigError, load_web_config

log = logging.getLogger("kpimon.daemon")


class Notifier:
    """sd_notify over $NOTIFY_SOCKET (a no-op when not started by systemd)."""

    def __init__(self, env: dict[str, str]):
        addr = env.get("NOTIFY_SOCKET")
        self.addr = "\0" + addr[1:] if addr and addr.startswith("@") else addr
        usec = env.get("WATCHDOG_USEC")
        self.watchdog = int(usec) / 1e6 if usec and usec.isdigit() else None

    def send(self, message: str) -> None:
        if not self.addr:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                s.connect(self.addr)
                s.sendall(message.encode())
        except OSError as e:
            log.debug("sd_notify failed: %s", e)


class Daemon:
    """One running kpimon: owns the app, the scheduler, the snapshot and the web server."""

    def __init__(self, config: Config, env: dict[str, str] | None = None):
        self.env = dict(os.environ if env is None else env)
        self.config = config
        self.app = App.build(config)
        self.reload_ok = True
        self.holder = SnapshotHolder(self._empty_snapshot())
        self.stop_event = threading.Event()
        self.compute_lock = threading.Lock()
        self.notifier = Notifier(self.env)
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        self.web: WebServer | None = None
        self._reload_requested = threading.Event()
        self._compute_requested = threading.Event()

    # ------------------------------------------------------------------ snapshot

    def _empty_snapshot(self) -> Snapshot:
        metrics = build_metrics(self.config, {}, self.app.running_periods(), {}, {}, {},
                                SourceExtras(), self.reload_ok)
        return Snapshot(metrics=metrics)

    def compute(self) -> None:
        """Facts, the running month and year, and a new snapshot swapped in whole."""
        with self.compute_lock:
            try:
                app = self.app
                now = datetime.now(UTC)
                evaluations = app.compute(now)
                periods = app.running_periods(now)
                names = [s.name for s in app.config.sources]
                runs = app.store.runs(names)
                extras = SourceExtras(watermarks=_watermarks(app.store.state_values("watermark")),
                                      devices=app.store.device_counts())
                metrics = build_metrics(app.config, evaluations, periods, runs,
                                        app.store.open_ticket_counts(app.config.orgs),
                                        self._at_risk(now), extras, self.reload_ok)
                self.holder.swap(Snapshot(
                    metrics=metrics, evaluations=evaluations,
                    api=evaluation_json(evaluations["month"]), sources=runs, computed_at=now,
                    ready=True))
            except Exception:
                log.exception("compute failed; the previous snapshot stays")

    def _at_risk(self, now: datetime) -> dict[str, int]:
        app = self.app
        out = {}
        local = now.astimezone(app.config.tz).date()
        window = date_range(local - timedelta(days=366), local, app.config.tz)
        with app.store.engine.connect() as conn:
            ctx = EvalContext(conn, app.config, window, int(now.timestamp()), app.calendars)
            for ind in app.config.indicators:
                if ind.kind in ("response_within", "resolution_within"):
                    out[ind.id] = at_risk(ctx, ind)
        return out

    # ------------------------------------------------------------------ jobs

    def collect(self, name: str) -> None:
        try:
            src = self.app.config.source(name)
        except KeyError:
            return  # removed by a reload
        outcome = self.app.collector.collect(src)
        self.app.last_outcomes[name] = outcome
        # The main loop starts a compute soon after; collections finishing together share one.
        self._compute_requested.set()

    def schedule(self) -> None:
        now = datetime.now(UTC)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("collect:") or job.id == "compute":
                job.remove()
        for i, src in enumerate(self.app.config.sources):
            self.scheduler.add_job(self.collect, "interval", seconds=src.every, args=[src.name],
                                   id=f"collect:{src.name}", name=f"collect {src.name}",
                                   next_run_time=now + timedelta(seconds=i * 0.2))
        self.scheduler.add_job(self.compute, "interval", seconds=self.app.config.compute_every,
                               id="compute", name="compute",
                               next_run_time=now + timedelta(
                                   seconds=self.app.config.compute_every))

    # ------------------------------------------------------------------ reload

    def reload(self) -> None:
        """Re-read the config; keep the old one if the new one is broken."""
        path = self.config.path
        try:
            new = load_config(path or "")
            if new.http != self.config.http:
                log.warning("reload: [http] changes need a restart; the listener stays as it is")
            app = App.build(new, store=None if new.database != self.config.database
                            else self.app.store)
            app.store.upgrade()
        except ConfigError as e:
            self.reload_ok = False
            log.error("reload: the new configuration has %d error(s); keeping the old one:\n%s",
                      len(e.errors), "\n".join(f"  {x}" for x in e.errors))
            self.compute()
            return
        except Exception as e:
            self.reload_ok = False
            log.error("reload failed (%s); keeping the old configuration", e)
            self.compute()
            return
        with self.compute_lock:
            old = self.app
            self.config, self.app = new, app
            if old.store is not app.store:
                old.store.close()
        self.reload_ok = True
        self.schedule()
        log.info("configuration reloaded from %s", path)
        self.compute()

    # ------------------------------------------------------------------ main loop

    def run(self) -> int:
        self.app.store.upgrade()
        web_tls: dict[str, Any] = {}
        if self.config.http.web_config:
            try:
                wc = load_web_config(self.config.http.web_config)
            except WebConfigError as e:
                for err in e.errors:
                    log.error("web config: %s", err)
                return 2
            web_tls = {"basic_auth": wc.users, "ssl_context": wc.ssl_context}
        self.web = WebServer(self.config.http.listen_host, self.config.http.listen_port,
                             self.holder, self._api_evaluate, self.config.tz,
                             self.app.store.ping, **web_tls)
        self.web.start()
        log.info("kpimon listening on http://%s:%d/ (metrics at /metrics)",
                 self.config.http.listen_host, self.web.port)
        self.compute()  # the first snapshot, from what the store already holds
        self.schedule()
        self.scheduler.start()
        self.notifier.send("READY=1\nSTATUS=running")
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT,
                                                      signal.SIGHUP)}
        signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGHUP, lambda *_: self._reload_requested.set())
        interval = (self.notifier.watchdog / 3) if self.notifier.watchdog else 5.0
        try:
            while not self.stop_event.wait(min(interval, 1.0)):
                if self._reload_requested.is_set():
                    self._reload_requested.clear()
                    self.notifier.send("RELOADING=1")
                    self.reload()
                    self.notifier.send("READY=1")
                if self._compute_requested.is_set() and not self.compute_lock.locked():
                    self._compute_requested.clear()
                    self.scheduler.add_job(self.compute, id="compute-now",
                                           replace_existing=True)
                if self.scheduler.running:
                    self.notifier.send("WATCHDOG=1")
        finally:
            log.info("stopping")
            self.notifier.send("STOPPING=1")
            self.scheduler.shutdown(wait=False)
            self.web.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _api_evaluate(self, period: Any, at: datetime) -> dict[str, Any]:
        self.app.facts.update()
        return evaluation_json(self.app.evaluate(period, at))


def _watermarks(values: dict[str, str] | Any) -> dict[str, float]:
    out = {}
    for source, text in dict(values).items():
        try:
            out[source] = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            continue
    return out


def run_daemon(config: Config) -> int:
    """Entry point of `kpimon run`."""
    return Daemon(config).run()
