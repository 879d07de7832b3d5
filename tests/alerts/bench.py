"""A small kpimon for the alert tests: a config with manual indicators (whose values a test
sets), optional ticket sources, and `[alerts]` pointing at a local SMTP server; and `Bench`,
which runs compute → alert job → sender at a moment the test chooses (the clock seam).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from kpimon.alerts.alerter import Alerter
from kpimon.alerts.outbox import Sender
from kpimon.alerts.rules import RuleInputs
from kpimon.alerts.view import AlertsView, build_view
from kpimon.app import App
from kpimon.config import Config, load_config
from kpimon.periods import containing
from kpimon.store import alerts as db
from kpimon.store import tables as t
from kpimon.store.alerts import Notification
from kpimon.timeutil import epoch

INDICATORS = """
[[indicators]]
id = "calls"
name = "Andel samtal besvarade inom 20 s"
kind = "manual"
unit = "ratio"
target = ">= 0.70"

[[indicators]]
id = "budget"
name = "Budgetavvikelse, tkr"
kind = "manual"
target = ">= 0"

[[indicators]]
id = "hme"
name = "Medarbetarengagemang"
kind = "manual"
unit = "index"
target = ">= 70"
"""

RULES = """
[[alerts.rules]]
id = "below_target"
kind = "indicator_status"
indicator = ["calls", "budget"]
status = ["not_achieved"]
labels = { severity = "warning", team = "servicedesk" }

[[alerts.rules]]
id = "engagement"
kind = "indicator_status"
indicator = "hme"
labels = { severity = "info", team = "servicedesk" }
"""


def write_config(tmp: Path, db_url: str, smtp_port: int, *, rules: str = RULES,
                 alerts: str = "", route: str = "", indicators: str = INDICATORS,
                 top: str = "", sources: str = "", smtp: str = "") -> Path:
    """A config in `tmp`: the manual indicators, `rules`, one e-mail receiver `desk` on the
    local relay (group_by rule, group_wait 0) unless `route` replaces the routing keys."""
    smtp = smtp or f'{{ host = "127.0.0.1", port = {smtp_port}, starttls = false, ' \
                   f'timeout = "5s" }}'
    route = route or ('receiver = "desk"\ngroup_by = ["rule"]\ngroup_wait = "0s"\n'
                      'group_interval = "1m"\nrepeat_interval = "4h"')
    text = f"""
timezone = "Europe/Stockholm"
database = "{db_url}"
{top}
[http]
listen = "127.0.0.1:0"

{sources}
{indicators}

[alerts]
smtp = {smtp}
from = "kpimon <kpimon@kommun.example>"
external_url = "https://kpimon.kommun.example/"
{route}
{alerts}

[alerts.receivers.desk]
email = ["desk@kommun.example", "chef@kommun.example"]

{rules}
"""
    path = tmp / "kpimon.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Bench:
    """App, alert job and sender of one configuration, run at chosen moments."""

    def __init__(self, config: Config | Path):
        self.config = config if isinstance(config, Config) else load_config(config)
        self.app = App.build(self.config)
        self.app.store.upgrade()
        self.now = datetime.now(UTC)
        self.alerter = Alerter(self.config, self.app.store, self.app.engine,
                               self.app.calendars)
        self.sender = Sender(self.config, self.app.store, self.app.calendars,
                             clock=lambda: self.now)
        self.reload_ok = True

    def close(self) -> None:
        self.app.store.close()

    def record(self, indicator: str, value: float, at: datetime | None = None) -> None:
        """A manual value for the month of `at` (default now), entered at `at`."""
        at = at or self.now
        period = containing("month", at, self.config.tz).label
        with self.app.store.engine.begin() as conn:
            conn.execute(insert(t.manual_values).values(
                indicator=indicator, period=period, value=value, entered_at=epoch(at),
                author="test"))

    def evaluate(self, at: datetime | None = None) -> None:
        """Compute and run the alert job as of `at` (default the bench's clock)."""
        if at is not None:
            self.now = at
        evaluations = self.app.compute(self.now)
        runs = self.app.store.runs([s.name for s in self.config.sources])
        self.alerter.run(RuleInputs(now=self.now, evaluations=evaluations, runs=runs,
                                    reload_ok=self.reload_ok,
                                    reload_error=None if self.reload_ok else "broken"))

    def send(self, at: datetime | None = None) -> int:
        if at is not None:
            self.now = at
        return self.sender.deliver_due()

    def tick(self, at: datetime) -> int:
        """Evaluate, then send, at `at`."""
        self.evaluate(at)
        return self.send()

    def notifications(self) -> list[Notification]:
        with self.app.store.engine.connect() as conn:
            return list(reversed(db.notifications(conn, 1000)))

    def view(self) -> AlertsView:
        return build_view(self.config, self.app.store, self.app.calendars, epoch(self.now))

    def states(self) -> dict[str, str]:
        """rule/indicator-or-source → state."""
        with self.app.store.engine.connect() as conn:
            return {f"{r.rule}/{r.labels.get('indicator') or r.labels.get('source') or ''}":
                    r.state for r in db.alerts(conn)}


def at(text: str, tz: Any = None) -> datetime:
    """A local Stockholm time as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=tz or ZoneInfo("Europe/Stockholm")
                                                ).astimezone(UTC)
