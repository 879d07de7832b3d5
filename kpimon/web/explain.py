"""The explain pages (`/indicators/ID?period=P[&at=T][&page=N]`): an indicator's figures for a
period and, page by page, what they count (docs/indicators.md's verdicts with ticket ids, org and
elapsed time; for call indicators the days with offered, answered within the level and
abandoned). Evaluated on demand, read-only, through the engine and the store's APIs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from kpimon.i18n import formatter_for
from kpimon.periods import containing, parse_at, parse_period
from kpimon.present import render
from kpimon.present.explain import PAGE_SIZE, explain_table
from kpimon.present.view import indicator_row
from kpimon.store.controls import exclusions


def explain_page(app: Any, ident: str, query: Mapping[str, str],
                 now: datetime | None = None) -> tuple[int, str]:
    """Status and HTML of one explain page. `app` gives `config`, `engine`, `store` and
    `evaluate(period, at)` (the daemon's App)."""
    config = app.config
    fmt = formatter_for(config)
    now = now or datetime.now(UTC)

    def error(status: int, message: str) -> tuple[int, str]:
        return status, render("explain.html", fmt, title=ident, as_of=fmt.datetime(now),
                              error=message, row=None, table=None, rows=[], excluded=[])

    try:
        ind = config.indicator(ident)
    except KeyError:
        return error(404, fmt.t("explain.no_indicator", id=ident))
    try:
        at = parse_at(query["at"], config.tz) if query.get("at") else now
        period = parse_period(query["period"], config.tz) if query.get("period") \
            else containing("month", at, config.tz)
        page = int(query.get("page", "1"))
        if page < 1:
            raise ValueError("page must be 1 or more")
    except ValueError as e:
        return error(400, fmt.t("explain.bad_period", error=str(e)))
    ev = app.evaluate(period, at)
    outcome = next((o for o in ev.indicators if o.ind.id == ind.id), None)
    table = explain_table(fmt, ind, app.engine.explain(ind, period, at))
    total = len(table.rows)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    first = (page - 1) * PAGE_SIZE
    shown = table.rows[first:first + PAGE_SIZE]
    base = {"period": period.label, **({"at": query["at"]} if query.get("at") else {})}

    def href(p: int) -> str:
        return f"/indicators/{quote(ind.id)}?{urlencode({**base, 'page': str(p)})}"

    excluded = [fmt.t("report.excluded_row", ticket=e.ticket, reason=e.reason, author=e.author,
                      when=fmt.date(datetime.fromtimestamp(e.created_at, UTC)))
                for e in exclusions(app.store.engine)] if ind.kind not in (
        "manual", "asset_reconciliation") and not ind.kind.startswith("call_") else []
    return 200, render(
        "explain.html", fmt,
        title=fmt.t("explain.title", name=ind.name, period=fmt.period_of(period)),
        as_of=fmt.datetime(at), error=None,
        row=indicator_row(fmt, outcome, period) if outcome else None, table=table,
        rows=shown, first=first + 1 if total else 0, last=first + len(shown), total=total,
        page=page, pages=pages, href=href, excluded=excluded)
