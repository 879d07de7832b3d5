"""What counts for one indicator in one period, as a table for people: the explain page
(`/indicators/ID?period=…`) and `kpimon explain` for call indicators.

Ticket kinds: ticket id, verdict, org and elapsed time. Call kinds: per day and queue, offered,
answered, answered within the level, abandoned (and short abandons) and the share, with a
total row. Manual values: each entry. Reconciliations: the computers found on one side only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kpimon.config import CALL_INDICATOR_KINDS, IndicatorConfig
from kpimon.i18n import Formatter

PAGE_SIZE = 50


@dataclass
class Column:
    title: str
    numeric: bool = False


@dataclass
class ExplainTable:
    columns: list[Column]
    rows: list[list[str]]
    summary: list[tuple[str, str]] = field(default_factory=list)  # (verdict word, count)
    notes: list[str] = field(default_factory=list)
    total: list[str] | None = None


def _call_table(fmt: Formatter, ind: IndicatorConfig, rows: Sequence[dict[str, Any]]
                ) -> ExplainTable:
    short = any(r.get("short") for r in rows) or bool(ind.short_abandon)
    cols = [Column(fmt.t("explain.day")), Column(fmt.t("explain.queue")),
            Column(fmt.t("explain.offered"), True), Column(fmt.t("explain.answered"), True),
            Column(fmt.t("explain.within", s=fmt.integer(ind.threshold or 0)), True),
            Column(fmt.t("explain.abandoned"), True)]
    if short:
        cols.append(Column(fmt.t("explain.short"), True))
    cols.append(Column(fmt.t("explain.share"), True))
    sums = {k: 0 for k in ("offered", "answered", "within", "abandoned", "short")}
    out = []
    for r in rows:
        for k in sums:
            sums[k] += int(r.get(k) or 0)
        cells = [fmt.date(date.fromisoformat(r["day"])), str(r["queue"]),
                 fmt.integer(r["offered"]), fmt.integer(r["answered"]),
                 fmt.integer(r["within"]), fmt.integer(r["abandoned"])]
        if short:
            cells.append(fmt.integer(r["short"]))
        cells.append(fmt.value(r["value"], ind.unit))
        out.append(cells)
    total = [fmt.t("explain.total"), "", fmt.integer(sums["offered"]),
             fmt.integer(sums["answered"]), fmt.integer(sums["within"]),
             fmt.integer(sums["abandoned"])]
    if short:
        total.append(fmt.integer(sums["short"]))
    total.append("")
    return ExplainTable(cols, out, total=total if rows else None)


def explain_table(fmt: Formatter, ind: IndicatorConfig, rows: Sequence[dict[str, Any]]
                  ) -> ExplainTable:
    """The engine's explain rows of `ind` as a table with localized words and numbers."""
    if ind.kind in CALL_INDICATOR_KINDS:
        return _call_table(fmt, ind, rows)
    counts: dict[str, int] = {}
    for r in rows:
        if "verdict" in r:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    summary = [(fmt.verdict(v), fmt.integer(n)) for v, n in counts.items()]
    notes = [str(r["summary"]) for r in rows if "summary" in r]
    if ind.kind == "manual":
        cols = [Column(fmt.t("explain.entered")), Column(fmt.t("col.value"), True),
                Column(fmt.t("explain.verdict")), Column(fmt.t("explain.by")),
                Column(fmt.t("explain.note"))]
        body = [[fmt.datetime(datetime.fromisoformat(r["entered_at"])),
                 fmt.value(r["value"], ind.unit), fmt.verdict(r["verdict"]),
                 r.get("author") or "", r.get("note") or ""] for r in rows]
        return ExplainTable(cols, body, summary, notes)
    if ind.kind == "asset_reconciliation":
        cols = [Column(fmt.t("explain.device")), Column(fmt.t("explain.verdict"))]
        body = [[str(r["device"]), fmt.verdict(r["verdict"])] for r in rows if "device" in r]
        return ExplainTable(cols, body, summary, notes)
    cols = [Column(fmt.t("explain.ticket")), Column(fmt.t("explain.verdict")),
            Column(fmt.t("explain.org")), Column(fmt.t("explain.elapsed"), True)]
    body = [[str(r["ticket"]), fmt.verdict(r.get("verdict", "")), r.get("org") or "–",
             "" if r.get("elapsed_seconds") is None else fmt.duration(r["elapsed_seconds"])]
            for r in rows if "ticket" in r]
    return ExplainTable(cols, body, summary, notes)


def text_table(table: ExplainTable) -> str:
    """The table as aligned plain text (the command line)."""
    head = [c.title for c in table.columns]
    body = table.rows + ([table.total] if table.total else [])
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if col.numeric else c.ljust(w)
                         for c, w, col in zip(cells, widths, table.columns, strict=True)
                         ).rstrip()

    return "\n".join(["  " + line(head)] + ["  " + line(r) for r in body]) + "\n"
