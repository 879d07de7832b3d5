"""An evaluation as the JSON object of `kpis --format json`, a table or CSV (the `kpis`
command and `/api/kpis`)."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from kpimon.i18n import SYMBOLS, Formatter
from kpimon.kpi.display import target_text, value_text
from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.indicators.base import Figures


def _num(value: float | None, integral: bool = False) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if integral and float(value).is_integer():
        return int(value)
    return float(value)


def figures_json(outcome: IndicatorOutcome, fig: Figures) -> dict[str, Any]:
    """value / numerator / denominator with integers where the quantity is a count."""
    ind = outcome.ind
    counts = ind.unit == "count"
    ratio = ind.unit == "ratio"
    return {
        "value": _num(fig.value, counts),
        "numerator": _num(fig.numerator, ratio),
        "denominator": _num(fig.denominator, True),
    }


def indicator_json(o: IndicatorOutcome) -> dict[str, Any]:
    ind = o.ind
    out: dict[str, Any] = {"id": ind.id, "name": ind.name, "kind": ind.kind, "unit": ind.unit}
    out.update(figures_json(o, o.figures))
    out["unknown"] = o.figures.unknown if ind.kind == "status_flow" else None
    out["target"] = ind.target.text if ind.target else None
    out["status"] = o.status
    out["previous"] = _num(o.previous, ind.unit == "count")
    out["forecast"] = o.extra.get("forecast")
    out["breakdown"] = {
        dim: {key: {**figures_json(o, k.figures), "status": k.status} for key, k in keys.items()}
        for dim, keys in o.breakdown.items()}
    if ind.kind == "call_service_level":
        out["formula"] = ind.formula
    if o.current is not None:
        cur = o.current
        out["current"] = {**figures_json(cur, cur.figures), "status": cur.status}
    return out


def evaluation_json(ev: Evaluation) -> dict[str, Any]:
    """The JSON object for one evaluation."""
    out: dict[str, Any] = {
        "period": ev.period.json(),
        # Whole seconds: the engine evaluates as of whole epoch seconds (timeutil.epoch), so
        # this is the moment the figures are as of, and `--at` with it reproduces the object.
        "evaluated_at": ev.at.astimezone(ev.period.tz).replace(microsecond=0).isoformat(),
        "indicators": [indicator_json(o) for o in ev.indicators],
        "goals": [{"id": g.id, "name": g.name, "status": g.status,
                   "indicators": list(g.indicators)} for g in ev.goals],
    }
    if ev.adopted:
        out["adopted"] = True
    return out


def _num_den(fmt: Formatter, f: Figures, unit: str) -> str:
    """`numerator/denominator`, `/n` where only n exists, empty for counts and ages. A count
    prints as one; a mean's numerator is a sum in the unit (119,33 hours), read to two
    decimals like the value beside it."""
    if f.denominator is None:
        return ""

    def part(x: float) -> str:
        return fmt.integer(x) if float(x).is_integer() else fmt.number(x, 2)

    num = "" if f.numerator is None else part(f.numerator)
    return f"{num}/{part(f.denominator)}"


def evaluation_table(ev: Evaluation, fmt: Formatter | None = None) -> str:
    """A plain-text table for people, in the formatter's language (Swedish by default):
    indicator, value, num/den, last year, target (in the value's unit), status (symbol and
    word). Numbers are formatted exactly as on the status page and in the report."""
    fmt = fmt or Formatter("sv", ev.period.tz)
    head = [fmt.t("cli.indicator"), fmt.t("cli.value"), fmt.t("cli.num_den"),
            fmt.t("cli.previous"), fmt.t("cli.target"), fmt.t("cli.status")]
    rows = [head]
    for o in ev.indicators:
        f = o.figures
        nd = _num_den(fmt, f, o.ind.unit)
        if o.figures.unknown:
            nd = fmt.t("cli.unknown", n=fmt.integer(o.figures.unknown))
        rows.append([o.ind.id, value_text(fmt, o), nd, fmt.value(o.previous, o.ind.unit),
                     target_text(fmt, o, ev.period), fmt.status(o.status)])
        for dim, keys in o.breakdown.items():
            for key, k in keys.items():
                rows.append([f"  {dim}={key}", fmt.value(k.figures.value, o.ind.unit,
                                                          _bound(o)),
                             _num_den(fmt, k.figures, o.ind.unit), "", "",
                             fmt.status(k.status)])
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    lines = [fmt.t("cli.period", period=ev.period.label,
                   when=f"{ev.at.astimezone(ev.period.tz):%Y-%m-%d %H:%M}")
             + (fmt.t("cli.adopted") if ev.adopted else "")]
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    lines.append("")
    for g in ev.goals:
        lines.append(fmt.t("cli.goal", id=g.id, symbol=SYMBOLS[g.status],
                           word=fmt.status_word(g.status, goal=True), name=g.name))
    return "\n".join(lines) + "\n"


def _bound(o: IndicatorOutcome) -> float | None:
    t = o.ind.target
    return t.number if t is not None and not t.relative else None


CSV_HEADER = ["period", "indicator", "name", "unit", "dimension", "key", "value", "numerator",
              "denominator", "unknown", "target", "status", "previous"]


def evaluation_csv(ev: Evaluation, decimal: str = ".") -> str:
    """One row per indicator and breakdown key, `;`-separated, for spreadsheets: the name and
    unit beside the id, numbers unformatted in the indicator's unit (a whole number as one,
    `decimal` as the separator of the others), empty where there is none."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(CSV_HEADER)

    def num(value: float | int | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value)).replace(".", decimal)

    for o in ev.indicators:
        f = o.figures
        ind = o.ind
        target = ind.target.text if ind.target else ""
        w.writerow([ev.period.label, ind.id, ind.name, ind.unit, "", "", num(f.value),
                    num(f.numerator), num(f.denominator), num(f.unknown), target, o.status,
                    num(o.previous)])
        for dim, keys in o.breakdown.items():
            for key, k in keys.items():
                w.writerow([ev.period.label, ind.id, ind.name, ind.unit, dim, key,
                            num(k.figures.value), num(k.figures.numerator),
                            num(k.figures.denominator), "", target, k.status, ""])
    return buf.getvalue()
