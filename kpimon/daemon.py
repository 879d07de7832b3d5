"""`kpimon run`: the scheduler, the web server, signals and systemd notification.

APScheduler 3 runs one collect job per source on its `every`, a compute job after each
collection and `compute_every` after the previous periodic compute ended, with one instance
per job, coalescing and a misfire grace. A failing job never stops the others: the collector
records a failed run, a failed compute keeps the previous snapshot. SIGTERM/SIGINT stop the
daemon (exit 0); SIGHUP re-reads the configuration, and a broken new one is logged and exported
while the old one stays.

systemd (`Type=notify`, see deploy/systemd/kpimon.service) hears, over $NOTIFY_SOCKET:
`READY=1` once the web server listens and serves the last stored figures (read from the store
at start-up, before the listener opens; on a fresh store, once the first snapshot is computed);
`WATCHDOG=1` from the main loop while the scheduler is alive — proven by a heartbeat job that
the scheduler itself must run, on an executor of its own so busy collections cannot starve
it; `RELOADING=1` … `READY=1` around a reload (done in a worker thread, so the watchdog keeps
being fed); and `STOPPING=1` on shutdown.

Several instances on one database elect a leader (kpimon/leader.py): only the leader's
collect, compute (with the alert job), send and purge jobs do anything; a follower's compute
job — and its follow job, every FOLLOW_EVERY seconds — reads the results the leader stored
into its snapshot, so every instance serves the same outputs. An instance that becomes leader
schedules its sources at once and carries on from the stored watermarks and outbox.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from kpimon import logs
from kpimon.alerts.alerter import Alerter
from kpimon.alerts.outbox import Sender
from kpimon.alerts.rules import RuleInputs
from kpimon.alerts.view import AlertsHolder, build_view
from kpimon.app import App, check_build, schedule_triggers
from kpimon.collector import RunOutcome
from kpimon.config import Config, ConfigError, load_config
from kpimon.kpi import results
from kpimon.kpi.engine import Evaluation
from kpimon.kpi.indicators.base import EvalContext
from kpimon.kpi.indicators.tickets import at_risk_counts
from kpimon.kpi.output import evaluation_json
from kpimon.kpi.results import as_adopted
from kpimon.kpi.trend import TrendPoint, last_months, monthly
from kpimon.leader import Leadership
from kpimon.periods import date_range
from kpimon.progress import ProgressLine, ProgressTask
from kpimon.rejects import rejects_text
from kpimon.store import FileFailure, RunInfo
from kpimon.web.explain import explain_page
from kpimon.web.server import WebServer
from kpimon.web.snapshot import (
    JobHealth,
    Snapshot,
    SnapshotHolder,
    SourceExtras,
    build_metrics,
)
from kpimon.web.webconfig import WebConfigError, load_web_config

log = logging.getLogger("kpimon.daemon")

#: How often a follower looks for results the leader stored (seconds).
FOLLOW_EVERY = 5.0
#: How often a follower evaluates the page's 12-month trends itself (seconds).
FOLLOWER_TRENDS_EVERY = 600.0


class Notifier:
    """sd_notify(3) over $NOTIFY_SOCKET; a no-op when not started by systemd.

    `watchdog` is the interval systemd expects pings within (WATCHDOG_USEC), or None when the
    watchdog is off or meant for another process (WATCHDOG_PID).
    """

    def __init__(self, env: dict[str, str]):
        addr = env.get("NOTIFY_SOCKET")
        # "@name" is an abstract socket: a leading NUL byte on Linux.
        self.addr = "\0" + addr[1:] if addr and addr.startswith("@") else addr
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        mine = not pid or (pid.isdigit() and int(pid) == os.getpid())
        self.watchdog = int(usec) / 1e6 if usec.isdigit() and int(usec) > 0 and mine else None

    def send(self, message: str) -> None:
        if not self.addr:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                s.sendto(message.encode(), self.addr)
        except OSError as e:
            log.debug("sd_notify failed: %s", e)

    def reloading(self) -> None:
        # MONOTONIC_USEC lets systemd (≥ 253) tell this reload from an earlier one.
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.send(f"RELOADING=1\nMONOTONIC_USEC={usec}\nSTATUS=reloading the configuration")


class Daemon:
    """One running kpimon: owns the app, the scheduler, the snapshot and the web server."""

    # How long a stop waits for running jobs (a batch being written) before giving up on
    # them: long enough for a write to commit, short enough that `systemctl stop` is prompt
    # (an abandoned collection's transaction rolls back and runs again after the restart).
    STOP_GRACE = 5.0

    def __init__(self, config: Config, env: dict[str, str] | None = None,
                 log_level: str | None = None, progress: ProgressLine | None = None,
                 leader: Leadership | None = None):
        self.env = dict(os.environ if env is None else env)
        self.config = config
        # Without a leader lock (an embedding, a test) this process is the only one.
        self.leader = leader or Leadership.sole()
        self._leading = False  # the role the jobs were last scheduled for
        self._follower_trends: tuple[float, dict[str, list[TrendPoint]]] | None = None
        self.log_level = log_level  # --log-level wins over the config, also after a reload
        # On a terminal, a long first import or facts pass shows its progress (a quick one
        # shows nothing); under systemd there is no terminal and nothing is drawn.
        self.progress = progress if progress is not None and progress.enabled else None
        self.app = App.build(config)
        self.reload_ok = True
        self.reload_error: str | None = None
        self.health = JobHealth()  # the compute's and the purge's successes and failures
        self.holder = SnapshotHolder(self._empty_snapshot())
        self.alerts = AlertsHolder()
        self.alerter, self.sender = self._alerting(self.app)
        self.alert_lock = threading.Lock()
        self.stop_event = threading.Event()
        self.compute_lock = threading.Lock()
        self.notifier = Notifier(self.env)
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(10), "heartbeat": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        self.web: WebServer | None = None
        self._reload_requested = threading.Event()
        self._compute_requested = threading.Event()
        self._reload_thread: threading.Thread | None = None
        self._heartbeat = time.monotonic()
        self._slow_warned = False  # the one warning that compute_every is below a cycle
        self.abandoned_jobs = False  # True when a stop gave up waiting for running jobs
        self._running = 0  # collect and compute calls in progress, for a clean stop
        self._running_cond = threading.Condition()

    # ------------------------------------------------------------------ alerts

    @staticmethod
    def _alerting(app: App) -> tuple[Alerter, Sender]:
        return (Alerter(app.config, app.store, app.engine, app.calendars),
                Sender(app.config, app.store, app.calendars))

    def _refresh_alerts_view(self) -> None:
        app = self.app
        try:
            self.alerts.swap(build_view(app.config, app.store, app.calendars,
                                        int(time.time())))
        except Exception:
            log.exception("could not read the alerts for the outputs; the last view stays")

    def alert_job(self) -> None:
        """After each compute: evaluate the rules against the snapshot just computed and
        store the state changes with their notifications (alerts/alerter.py). It runs with no
        rules too: alerts of rules a reload removed then resolve instead of firing forever."""
        snap = self.holder.current
        with self.alert_lock:
            try:
                self.alerter.run(RuleInputs(
                    now=snap.computed_at or datetime.now(UTC), evaluations=snap.evaluations,
                    runs=snap.sources, reload_ok=self.reload_ok,
                    reload_error=self.reload_error, trends=snap.trends))
            except Exception:
                log.exception("the alert job failed; alerts keep their state until the next")
        self._refresh_alerts_view()

    def send_notifications(self) -> None:
        """The one path that sends: due notifications from the outbox (alerts/outbox.py),
        on the leader only, which proves its lock before each one (the outbox's claims keep
        each notification to one sender anyway)."""
        if not self.leader.is_leader():
            return
        try:
            self.sender.deliver_due(may_send=self.leader.confirm)
        except Exception:
            log.exception("the sender failed; due notifications wait for its next round")
        self._refresh_alerts_view()

    # ------------------------------------------------------------------ snapshot

    def _empty_snapshot(self) -> Snapshot:
        metrics = build_metrics(self.config, {}, self.app.running_periods(), {}, {}, {},
                                SourceExtras(), self.reload_ok, self.health)
        return Snapshot(metrics=metrics, config=self.config)

    @contextmanager
    def _job(self) -> Iterator[None]:
        with self._running_cond:
            self._running += 1
        try:
            yield
        finally:
            with self._running_cond:
                self._running -= 1
                self._running_cond.notify_all()

    def _snapshot(self, evaluations: dict[str, Evaluation], now: datetime, ready: bool,
                  trends: dict[str, list[TrendPoint]] | None = None) -> Snapshot:
        """A whole snapshot: `evaluations` plus what the store says now about sources, open
        tickets and tickets at risk. The periods are the evaluations' own (a stored snapshot
        from before a month ended shows that month, and `kpimon_period_info` says so). The
        page's trends come with a compute (the stored snapshot at start-up has none)."""
        app = self.app
        periods = {**app.running_periods(now),
                   **{name: ev.period for name, ev in evaluations.items()}}
        names = [s.name for s in app.config.sources]
        runs = _with_unrecorded(app.store.runs(names), app.last_outcomes, names)
        extras = SourceExtras(watermarks=_watermarks(app.store.state_values("watermark")),
                              devices=app.store.device_counts(),
                              held_deletions=_counts(app.store.state_values("held_deletions")))
        open_tickets = app.store.open_ticket_counts(app.config.orgs)
        risk = self._at_risk(now)
        metrics = build_metrics(app.config, evaluations, periods, runs, open_tickets, risk,
                                extras, self.reload_ok, self.health)
        # The page and /api/kpis show a closed (adopted) period as the board adopted it.
        shown = {name: as_adopted(app.store, ev) for name, ev in evaluations.items()}
        month = shown.get("month")
        return Snapshot(metrics=metrics, evaluations=shown,
                        api=evaluation_json(month) if month is not None else {}, sources=runs,
                        computed_at=month.at if month is not None else now, ready=ready,
                        config=app.config, open_tickets=open_tickets, at_risk=risk,
                        trends=trends or {}, reload_ok=self.reload_ok,
                        firing_alerts=self.holder.current.firing_alerts,
                        stored=app.store.stored_counts(),
                        file_failures=_current_failures(app.store.file_failures(), names),
                        health=replace(self.health))

    def load_stored(self) -> bool:
        """Serve the last stored figures (results, source runs, counters, open tickets) until
        the first compute: a restart then turns no value NaN, no source down and no counter
        back to 0. Ready at once when the store holds results; on a fresh store readiness
        waits for the first compute. Returns whether stored results are served."""
        now = datetime.now(UTC)
        try:
            stored = results.load_latest(self.app.store, self.app.config,
                                         self.app.running_periods)
            if stored:  # the stored figures' time: the last compute before the restart
                self.health.compute_last_success = max(ev.at.timestamp()
                                                       for ev in stored.values())
            self.holder.swap(self._snapshot(stored, now, ready=bool(stored)))
        except Exception:
            log.exception("reading the stored figures failed; the first compute will serve "
                          "the metrics")
            return False
        if stored:
            labels = ", ".join(ev.period.label for ev in stored.values())
            log.info("serving the stored figures of %s until the first compute", labels)
        return bool(stored)

    def compute(self) -> None:
        """Facts, the running month and year, and a new snapshot swapped in whole; then the
        alert job on it. A follower reads what the leader stored instead."""
        if not self.leader.is_leader():
            self.follow(force=True)
            return
        with self._job():
            if self._compute() and self.leader.is_leader():
                self.alert_job()

    def _compute(self) -> bool:
        with self.compute_lock:
            started = time.monotonic()
            try:
                now = datetime.now(UTC)
                task = self._task("tickets")
                try:
                    evaluations = self.app.compute(now, progress=task)
                finally:
                    if task is not None:
                        task.done()
                # The compute's own time, as the stored figures carry it (the same value
                # after a restart).
                self.health.compute_last_success = now.timestamp()
                self.holder.swap(self._snapshot(evaluations, now, ready=True,
                                                trends=self._trends(now)))
                log.debug("computed %d indicators in %.2f s", len(self.app.config.indicators),
                          time.monotonic() - started)
                return True
            except Exception:
                self.health.failed("compute")
                log.exception("compute failed; the previous figures stay")
                self._refresh_after_failure()
                return False

    def _refresh_after_failure(self) -> None:
        """After a failed compute or purge: the previous figures with what is known now —
        the sources' runs (a collection that failed meanwhile is down), the failure counts —
        so that an outage shows at the next scrape. If even that cannot be read, the previous
        snapshot stays whole."""
        prev = self.holder.current
        try:
            self.holder.swap(self._snapshot(dict(prev.evaluations), datetime.now(UTC),
                                            ready=prev.ready,
                                            trends={k: list(v) for k, v in prev.trends.items()}))
        except Exception as e:
            log.warning("the metrics could not be refreshed after the failure: %s", e)

    def follow(self, force: bool = False) -> None:
        """A follower's snapshot: the results the leader stored last, read when they are
        newer than the ones served (or at once with `force`: after a reload); the alerts
        view as the leader's alert job and sender left it."""
        if self.leader.is_leader():
            return
        with self.compute_lock:
            try:
                now = datetime.now(UTC)
                stored = results.load_latest(self.app.store, self.app.config,
                                             self.app.running_periods)
                month = stored.get("month")
                shown = self.holder.current
                if stored and (force or not shown.ready
                               or month is None or month.at != shown.computed_at):
                    # The leader's last compute, as the stored figures carry it.
                    self.health.compute_last_success = max(ev.at.timestamp()
                                                           for ev in stored.values())
                    self.holder.swap(self._snapshot(stored, now, ready=True,
                                                    trends=self._trends_of_follower(now)))
            except Exception:
                log.exception("reading the leader's results failed; the previous snapshot "
                              "stays")
        self._refresh_alerts_view()

    def _trends_of_follower(self, now: datetime) -> dict[str, list[TrendPoint]]:
        """The page's trends on a follower: evaluated now and then, not at every compute of
        the leader (they move by the month)."""
        last = self._follower_trends
        if last is None or time.monotonic() - last[0] >= FOLLOWER_TRENDS_EVERY:
            last = (time.monotonic(), self._trends(now))
            self._follower_trends = last
        return last[1]

    def _trends(self, now: datetime) -> dict[str, list[TrendPoint]]:
        """Each indicator's last 12 months for the status page; a failure leaves the page
        without trends rather than failing the compute."""
        try:
            return monthly(self.app.engine, last_months(now, self.app.config.tz), now)
        except Exception:
            log.exception("the 12-month trends could not be computed")
            return {}

    def _at_risk(self, now: datetime) -> dict[str, int]:
        app = self.app
        out = {}
        local = now.astimezone(app.config.tz).date()
        window = date_range(local - timedelta(days=366), local, app.config.tz)
        with app.store.engine.connect() as conn:
            ctx = EvalContext(conn, app.config, window, int(now.timestamp()), app.calendars)
            out.update(at_risk_counts(ctx, [
                ind for ind in app.config.indicators
                if ind.kind in ("response_within", "resolution_within")]))
        return out

    # ------------------------------------------------------------------ jobs

    def collect(self, name: str) -> None:
        if not self.leader.is_leader():
            return
        try:
            src = self.app.config.source(name)
        except KeyError:
            return  # removed by a reload
        with self._job():
            task = self._task("rows")
            try:
                outcome = self.app.collector.collect(src, progress=task)
            finally:
                if task is not None:
                    task.done()
            self.app.last_outcomes[name] = outcome
            # The main loop starts a compute soon after; collections finishing together
            # share one, and one never collides with a compute that is still running.
            self._compute_requested.set()

    def _task(self, unit: str) -> ProgressTask | None:
        return self.progress.task(unit, delay=1.0) if self.progress is not None else None

    def schedule(self, triggers: dict[str, Any] | None = None) -> None:
        """Replace the collect, compute, send and purge jobs by those of the present config.
        The triggers are all built (`schedule_triggers`, or given by a reload that built them
        before swapping) before any job is removed, so no failure leaves a half schedule."""
        if triggers is None:
            triggers = schedule_triggers(self.app.config, datetime.now(UTC))
        for job in self.scheduler.get_jobs():
            if job.id.startswith("collect:") or job.id in ("compute", "purge", "send",
                                                            "follow"):
                job.remove()
        jobs: dict[str, tuple[Any, list[str], str]] = {
            f"collect:{src.name}": (self.collect, [src.name], f"collect {src.name}")
            for src in self.app.config.sources}
        jobs["send"] = (self.send_notifications, [], "send notifications")
        jobs["purge"] = (self.purge, [], "purge")
        for ident, trigger in triggers.items():
            if ident == "compute":
                # One job armed anew when each compute ends (`_periodic_compute`); the trigger
                # validated the interval and gives the first run.
                self._arm_compute(trigger.start_date)
                continue
            func, args, name = jobs[ident]
            # The first run is the trigger's start, even if that has passed by the time the
            # scheduler starts (after a first compute): it then runs at once (misfire grace).
            self.scheduler.add_job(func, trigger, args=args, id=ident, name=name,
                                   next_run_time=trigger.start_date)
        self.scheduler.add_job(self.follow, "interval", seconds=FOLLOW_EVERY, id="follow",
                               name="follow the leader")
        self._leading = self.leader.is_leader()

    def _check_role(self) -> None:
        """From the main loop: an instance that has just become the leader schedules its
        collections at once, as a start does (each source carries on from its stored
        watermark; the alert job and the sender from the stored state and outbox)."""
        leading = self.leader.is_leader()
        if leading and not self._leading:
            log.info("taking over: collecting every source now")
            self.schedule()
        self._leading = leading

    def _arm_compute(self, at: datetime) -> None:
        """The periodic compute is one job armed `compute_every` after the last one ended, so a
        cycle slower than `compute_every` delays the next instead of piling up skipped runs
        (and a warning from the scheduler for each)."""
        self.scheduler.add_job(self._periodic_compute, "date", id="compute", name="compute",
                               run_date=at, replace_existing=True)

    def _periodic_compute(self) -> None:
        started = time.monotonic()
        try:
            self.compute()
        finally:
            took = time.monotonic() - started
            every = self.app.config.compute_every
            if took > every and not self._slow_warned:
                # Once: the cycle itself sets the pace from now on.
                self._slow_warned = True
                log.warning("a compute took %.1f s, longer than compute_every (%d s): the next "
                            "one starts %d s after each ends", took, every, every)
            if self.scheduler.running and not self.stop_event.is_set():
                self._arm_compute(datetime.now(UTC) + timedelta(seconds=every))

    def purge(self) -> None:
        """Retention: delete records older than `retention_years` (daily)."""
        years = self.app.config.retention_years
        if not years or not self.leader.confirm():
            return
        before = int(time.time() - years * 365.25 * 86400)
        try:
            counts = self.app.store.purge(before)
        except Exception:
            self.health.failed("purge")
            log.exception("retention purge failed; it runs again in a day")
            with self.compute_lock:  # never swapped over a compute finishing meanwhile
                self._refresh_after_failure()
            return
        self.health.purge_last_success = time.time()
        log.info("retention: removed records older than %d years: %s", years,
                 ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing")

    # ------------------------------------------------------------------ reload

    def reload(self) -> None:
        """Re-read the config; keep the old one if the new one is broken.

        Everything the new configuration runs on — the config itself, what `check_build`
        builds, the app on its store (migrated), the alerting and the schedule's triggers —
        is built first; only then is it swapped in, in one step. On any failure nothing
        changes: the old app, its jobs and its store stay in force. Either way a new snapshot
        is computed, so `kpimon_config_last_reload_successful` tells at the next scrape
        whether the file on disk is the one in force.
        """
        path = self.config.path
        app: App | None = None
        try:
            new = load_config(path or "")
            errors = check_build(new)
            if errors:
                raise ConfigError(errors)
            if new.http != self.config.http:
                log.warning("reload: [http] changes need a restart; the listener stays as it is")
            if new.database != self.config.database:
                log.warning("reload: the leader lock stays on the database kpimon started "
                            "with until a restart")
            app = App.build(new, store=None if new.database != self.config.database
                            else self.app.store)
            app.store.upgrade()
            alerter, sender = self._alerting(app)
            triggers = schedule_triggers(new, datetime.now(UTC))
        except Exception as e:
            if app is not None and app.store is not self.app.store:
                app.store.close()
            self.reload_ok = False
            if isinstance(e, ConfigError):
                self.reload_error = "; ".join(e.errors)
                log.error("reload: the new configuration has %d error(s); keeping the old "
                          "one:\n%s", len(e.errors), "\n".join(f"  {x}" for x in e.errors))
            else:
                self.reload_error = logs.redact(f"{type(e).__name__}: {e}")
                log.error("reload failed (%s); keeping the old configuration",
                          self.reload_error)
            self.compute()
            return
        # The new secrets must be redacted before anything can log them.
        logs.update_secrets(new.secrets)
        with self.compute_lock, self.alert_lock:
            old = self.app
            self.config, self.app = new, app
            self.alerter, self.sender = alerter, sender
            self.schedule(triggers)
            if old.store is not app.store:
                old.store.close()
        logs.set_level(self.log_level or new.log_level)
        self.reload_ok = True
        self.reload_error = None
        log.info("configuration reloaded from %s (%d sources, %d indicators)", path,
                 len(new.sources), len(new.indicators))
        self.compute()

    def _reload_worker(self) -> None:
        """RELOADING=1, reload, READY=1: in its own thread, while the main loop feeds the
        watchdog (a reload computes a snapshot, which may take longer than WatchdogSec)."""
        self.notifier.reloading()
        try:
            self.reload()
        except Exception:  # reload() handles config errors; this is a bug, not a bad file
            self.reload_ok = False
            log.exception("reload failed; keeping the old configuration")
        state = "running" if self.reload_ok else "running; the last reload FAILED, see the log"
        self.notifier.send(f"READY=1\nSTATUS={state}")

    def _maybe_reload(self) -> None:
        busy = self._reload_thread is not None and self._reload_thread.is_alive()
        if self._reload_requested.is_set() and not busy:
            # A SIGHUP during a reload stays pending and starts another one afterwards.
            self._reload_requested.clear()
            self._reload_thread = threading.Thread(target=self._reload_worker,
                                                   name="kpimon-reload", daemon=True)
            self._reload_thread.start()

    # ------------------------------------------------------------------ watchdog

    def _beat(self) -> None:
        self._heartbeat = time.monotonic()

    def _heartbeat_interval(self) -> float:
        wd = self.notifier.watchdog
        return min(5.0, max(0.2, wd / 4)) if wd else 5.0

    def start_scheduler(self) -> None:
        """The source and compute jobs, plus the heartbeat that proves the scheduler runs."""
        self.schedule()
        self.scheduler.add_job(self._beat, "interval", seconds=self._heartbeat_interval(),
                               id="heartbeat", name="heartbeat", executor="heartbeat",
                               replace_existing=True)
        self.scheduler.start()
        self._beat()

    def scheduler_alive(self) -> bool:
        """The scheduler runs and has run its heartbeat job lately."""
        stale = max(3 * self._heartbeat_interval(), (self.notifier.watchdog or 0) / 2)
        return self.scheduler.running and time.monotonic() - self._heartbeat < stale

    # ------------------------------------------------------------------ main loop

    def run(self) -> int:
        # Signals first: a SIGTERM or SIGHUP during a long first migration or compute must not
        # kill the process with the default action (SIGHUP's is to terminate).
        # Python only lets the main thread install handlers; a daemon run in another thread
        # (an embedding, a test) is stopped through `stop_event` instead.
        main = threading.current_thread() is threading.main_thread()
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT,
                                                      signal.SIGHUP)} if main else {}
        if main:
            signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
            signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
            signal.signal(signal.SIGHUP, lambda *_: self._reload_requested.set())
        try:
            return self._run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run(self) -> int:
        self.notifier.send("STATUS=migrating the database")
        self.app.store.upgrade()
        # Before the listener opens, so that no scrape ever sees an empty snapshot.
        self.notifier.send("STATUS=reading the stored figures")
        served = self.load_stored()
        web_tls: dict[str, Any] = {}
        if self.config.http.web_config:
            try:
                wc = load_web_config(self.config.http.web_config)
            except WebConfigError as e:
                for err in e.errors:
                    log.error("web config: %s", err)
                return 2
            web_tls = {"basic_auth": wc.users, "ssl_context": wc.ssl_context}
        self._refresh_alerts_view()  # the stored alerts and counters, before the first scrape
        host, port = self.config.http.listen_host, self.config.http.listen_port
        try:
            self.web = WebServer(host, port, self.holder, self._api_evaluate, self.config.tz,
                                 self.app.store.ping, explainer=self._explain_page,
                                 rejects=self._rejects, alerts=self.alerts,
                                 collectors=[self.leader], **web_tls)
        except OSError as e:
            log.error("cannot listen on %s:%d: %s; %s; set another address in [http] listen "
                      "(%s)", host, port, (e.strerror or str(e)).lower(),
                      "another program (perhaps another kpimon) has that port"
                      if e.errno == errno.EADDRINUSE else "check the address",
                      self.config.path or "the configuration")
            return 1
        # The role before anything is computed or scheduled: a follower computes nothing.
        self.leader.start()
        self.web.start()
        scheme = "https" if web_tls.get("ssl_context") else "http"
        log.info("kpimon listening on %s://%s:%d/ (metrics at /metrics)", scheme,
                 self.config.http.listen_host, self.web.port)
        try:
            if not served:
                # Nothing stored yet (a fresh store): the first snapshot is computed now.
                self.notifier.send("STATUS=computing the first snapshot")
                self.compute()
            self.start_scheduler()
            if served:
                # Ready on the stored figures; the first compute runs at once in the
                # scheduler, however long it takes.
                self.scheduler.add_job(self.compute, id="compute-now", replace_existing=True)
            self.notifier.send("READY=1\nSTATUS=running")
            log.info("ready: %d sources, %d indicators%s", len(self.config.sources),
                     len(self.config.indicators),
                     f", watchdog {self.notifier.watchdog:g} s" if self.notifier.watchdog
                     else "")
            # systemd asks for a ping within WatchdogSec; pinging at a quarter of it leaves
            # room for a late wake-up. Without a watchdog the loop still polls each second.
            tick = min(1.0, self.notifier.watchdog / 4) if self.notifier.watchdog else 1.0
            while not self.stop_event.wait(tick):
                self._maybe_reload()
                self._check_role()
                if self._compute_requested.is_set() and not self.compute_lock.locked():
                    self._compute_requested.clear()
                    self.scheduler.add_job(self.compute, id="compute-now",
                                           replace_existing=True)
                if self.scheduler_alive():
                    self.notifier.send("WATCHDOG=1")
                else:
                    log.warning("the scheduler has not run its heartbeat for %.0f s; "
                                "not feeding the watchdog", time.monotonic() - self._heartbeat)
        finally:
            log.info("stopping")
            self.notifier.send("STOPPING=1\nSTATUS=stopping")
            self._stop()
        return 0

    def _stop(self) -> None:
        """Stop the web server and the scheduler; give running jobs STOP_GRACE to finish.

        The scheduler is shut down without waiting and the jobs are waited for here:
        APScheduler's shutdown(wait=True) holds its job-store lock while it waits, and a
        collection that ends by scheduling its compute needs that lock — a deadlock.
        """
        if self.web is not None:
            self.web.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self._running_cond:
            done = self._running_cond.wait_for(lambda: self._running == 0, self.STOP_GRACE)
        if done:
            # Given up only now, so that another instance takes over once this one's work
            # is done. With jobs abandoned the lock goes with the process, which exits at
            # once (run_daemon), so no new leader collects beside a job still writing.
            self.leader.stop()
        else:
            self.abandoned_jobs = True
            log.warning("jobs still running after %.0f s are abandoned (their transactions "
                        "roll back)", self.STOP_GRACE)

    def _explain_page(self, ident: str, query: dict[str, str]) -> tuple[int, str]:
        self._update_facts()
        return explain_page(self.app, ident, query)

    def _api_evaluate(self, period: Any, at: datetime) -> dict[str, Any]:
        self._update_facts()
        return evaluation_json(self.app.evaluate(period, at))

    def _update_facts(self) -> None:
        """Facts for tickets changed since the last compute, before an on-demand evaluation;
        the leader's work (a follower reads the facts the leader keeps)."""
        if self.leader.is_leader():
            # Not behind a long import of another process: the facts as they are then.
            self.app.facts.refresh()

    def _rejects(self, source: str) -> str | None:
        """The rejects listing of one source for the status page's link (None: no source)."""
        app = self.app
        if source not in {s.name for s in app.config.sources}:
            return None
        return rejects_text(app.store, [source], limit=200, tz=app.config.tz)


def _current_failures(failures: dict[str, list[FileFailure]], sources: list[str]
                      ) -> dict[str, list[FileFailure]]:
    """Files that failed as a whole and are still there to be mended (a file since removed
    is no longer the desk's problem), for the configured sources."""
    out = {}
    for source in sources:
        kept = [f for f in failures.get(source, [])
                if "://" in f.path or os.path.exists(f.path)]
        if kept:
            out[source] = kept
    return out


def _with_unrecorded(runs: dict[str, RunInfo], outcomes: dict[str, RunOutcome],
                     sources: list[str]) -> dict[str, RunInfo]:
    """The stored runs, with each source's latest collection that the store could not record
    (it was locked or gone) laid over them: that failure shows although the store lacks it."""
    out = dict(runs)
    for name in sources:
        o = outcomes.get(name)
        if o is None or o.recorded:
            continue
        r = out.get(name) or RunInfo(name, None, None, None, None, None, None, 0, 0, 0, 0, 0)
        ended = o.started + int(o.duration)
        out[name] = replace(r, last_started=o.started, last_ended=ended, last_ok=False,
                            last_error=o.error, last_duration=o.duration,
                            failing_since=r.failing_since if r.last_ok is False else o.started)
    return out


def _counts(values: dict[str, str] | Any) -> dict[str, int]:
    out = {}
    for source, text in dict(values).items():
        try:
            out[source] = int(text)
        except ValueError:
            continue
    return out


def _watermarks(values: dict[str, str] | Any) -> dict[str, float]:
    out = {}
    for source, text in dict(values).items():
        try:
            out[source] = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            continue
    return out


def run_daemon(config: Config, log_level: str | None = None,
               progress: ProgressLine | None = None, leader: Leadership | None = None) -> int:
    """Entry point of `kpimon run`; `log_level` is --log-level, kept across reloads;
    `progress` the terminal's progress line, if any; `leader` the role on the database."""
    daemon = Daemon(config, log_level=log_level, progress=progress, leader=leader)
    code = daemon.run()
    if daemon.abandoned_jobs:
        # Interpreter exit would join the executor's worker threads and hang on the very jobs
        # we gave up on; leave at once instead (the database rolls their transactions back).
        logging.shutdown()
        sys.stderr.flush()
        os._exit(code)
    return code
