"""The status page for staff without Grafana (`/`): the running month and year, goal by goal,
with a banner for every failing or stale source and the indicators computed from it marked.

Rendered on the server from the snapshot only (templates in kpimon/present), in the configured
language; plain HTML and CSS, no script; it refreshes itself every minute through the
server's `Refresh` header, which a link on the page turns off (`?refresh=off`). Times are in the
configured time zone, not the server process's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from kpimon.config import Config
from kpimon.i18n import Formatter
from kpimon.kpi.scope import indicator_sources, source_role
from kpimon.present import render
from kpimon.present.view import period_view
from kpimon.records import PRIORITIES
from kpimon.store import RunInfo
from kpimon.web.snapshot import JobHealth, Snapshot

#: A source is stale when it has not succeeded for this many times its `every`.
STALE_AFTER_INTERVALS = 2


@dataclass
class SourceRow:
    name: str
    role: str
    state: str  # up | failing | stale | not_run
    css: str
    state_word: str
    last_success: str
    records: str  # records taken, every collection so far
    stored: str  # what the source has in the store now
    rejects: str
    rejects_link: str | None  # the latest rejects (`/rejects?source=…`) when there are any
    error: str


@dataclass
class Banner:
    source: str
    kind: str  # fail | warn
    text: str


@dataclass
class JobBanner:
    job: str  # compute | purge
    text: str


def source_state(run: RunInfo | None, every: int, now: datetime) -> str:
    """up, failing, stale (no success within STALE_AFTER_INTERVALS × every) or not_run."""
    if run is None or run.last_ok is None:
        return "not_run"
    if not run.last_ok:
        return "failing"
    if run.last_success is not None and \
            now.timestamp() - run.last_success > STALE_AFTER_INTERVALS * every:
        return "stale"
    return "up"


def _when(fmt: Formatter, ts: float | None, now: datetime) -> str:
    if ts is None:
        return fmt.t("page.never")
    return fmt.since(datetime.fromtimestamp(ts, UTC), now)


def job_banners(fmt: Formatter, health: JobHealth, now: datetime) -> list[JobBanner]:
    """A banner for the compute and for the retention purge when its last run failed: since
    when, how many failures in a row, and when it last succeeded."""
    out = []
    for job in ("compute", "purge"):
        if not health.failing(job):
            continue
        last: float | None = getattr(health, f"{job}_last_success")
        out.append(JobBanner(job, fmt.t(
            f"page.{job}_failing", since=_when(fmt, getattr(health, f"{job}_failing_since"), now),
            n=fmt.integer(getattr(health, f"{job}_failures_in_row")),
            last=fmt.t("page.job_no_success") if last is None else _when(fmt, last, now))))
    return out


def status_page(snap: Snapshot, now: datetime | None = None,
                firing_alerts: Sequence[Any] | None = None, refresh: bool = True) -> str:
    """The whole page. `firing_alerts` (or the snapshot's) is a list of objects or dicts with
    `name` and optionally `severity`, `summary` and `since` (text): rendered in the page's
    `firing_alerts` block when there are any."""
    now = now or datetime.now(UTC)
    config: Config | None = snap.config
    tz = config.tz if config is not None else next(
        (ev.period.tz for ev in snap.evaluations.values()), None)
    fmt = Formatter(config.language if config is not None else "sv", tz)
    every = {s.name: s.every for s in config.sources} if config is not None else {}
    sources: list[SourceRow] = []
    banners: list[Banner] = []
    bad: dict[str, str] = {}
    for name, run in snap.sources.items():
        state = source_state(run, every.get(name, 3600), now)
        role = fmt.t("role." + source_role(config, name)) if config is not None and \
            name in every else ""
        css = {"up": "achieved", "failing": "not_achieved", "stale": "partial"}.get(
            state, "no_value")
        error = (run.last_error or "") if state == "failing" else ""
        failed = snap.file_failures.get(name, [])
        if failed and not error:  # a file that failed earlier and is still to be mended
            error = failed[0].error if len(failed) == 1 else fmt.t(
                "page.file_failed_more", error=failed[0].error, n=len(failed) - 1)
        n, what = snap.stored.get(name, (0, ""))
        sources.append(SourceRow(
            name, role, state, css, fmt.t("page." + state), _when(fmt, run.last_success, now),
            fmt.integer(run.records_total),
            fmt.t("page.stored." + what, n=fmt.integer(n)) if what else "",
            fmt.integer(run.rejects_total),
            f"rejects?source={quote(name)}" if run.rejects_total else None, error))
        if state == "failing":
            bad[name] = state
            if run.failing_since is None and run.last_success is None:
                text = fmt.t("page.source_failing_never", source=name, role=role)
            else:
                since = run.failing_since or run.last_ended or run.last_started
                text = fmt.t("page.source_failing", source=name, role=role,
                             since=_when(fmt, since, now))
            banners.append(Banner(name, "fail", text))
        elif state == "stale":
            bad[name] = state
            banners.append(Banner(name, "warn", fmt.t(
                "page.source_stale", source=name, role=role,
                since=_when(fmt, run.last_success, now))))
    stale: dict[str, list[str]] = {}
    if config is not None:
        for ind in config.indicators:
            hit = [s for s in indicator_sources(config, ind) if s in bad]
            if hit:
                stale[ind.id] = hit
    periods = []
    for key in ("month", "year"):
        ev = snap.evaluations.get(key)
        if ev is not None:
            periods.append(period_view(fmt, key, ev, stale,
                                       snap.trends if key == "month" else None))
    open_view = None
    at_risk = []
    if snap.ready and config is not None:
        by_priority = {p: 0 for p in PRIORITIES}
        for (_kind, prio, _org), n in snap.open_tickets.items():
            by_priority[prio] = by_priority.get(prio, 0) + n
        open_view = {"total": fmt.integer(sum(by_priority.values())),
                     "by_priority": [(fmt.t("priority." + p), fmt.integer(n))
                                     for p, n in by_priority.items()]}
        names = {i.id: i.name for i in config.indicators}
        at_risk = [{"id": ident, "name": names.get(ident, ident), "count": fmt.integer(n)}
                   for ident, n in snap.at_risk.items()]
    computed = fmt.datetime_seconds(snap.computed_at) if snap.computed_at else None
    return render("page.html", fmt, computed=computed,
                  starting=not snap.ready or snap.computed_at is None,
                  reload_ok=snap.reload_ok, banners=banners,
                  job_banners=job_banners(fmt, snap.health, now),
                  firing_alerts=list(firing_alerts if firing_alerts is not None
                                     else snap.firing_alerts),
                  open=open_view, at_risk=at_risk, periods=periods, sources=sources,
                  refresh=refresh)
