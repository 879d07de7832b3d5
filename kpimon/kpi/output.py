"""An evaluation as the §9 JSON object, a table or CSV (the `kpis` command and `/api/kpis`)."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from kpimon.kpi.engine import Evaluation, IndicatorOutcome
from kpimon.kpi.indicators.base import Figures
from kpimon.kpi.targets import SYMBOLS, WORDS

RATIO_KINDS = ("ratio",)


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
    """The §9 object for one evaluation."""
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


def format_value(value: float | None, unit: str, decimals: int = 2) -> str:
    """A value for people: a percent for shares, a plain number for counts, else the unit."""
    if value is None:
        return "–"
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "count":
        return f"{value:g}"
    return f"{value:.{decimals}f} {unit}"




def _count_or_sum(x: float) -> str:
    # A count prints as one; a mean's numerator is a sum in the unit (119.333… hours), which
    # people read to two decimals like the value beside it.
    return f"{int(x)}" if float(x).is_integer() else f"{x:.2f}"


def _num_den(f: Figures) -> str:
    """`numerator/denominator`, `/n` where only n exists, empty for counts and ages."""
    if f.denominator is None:
        return ""
    num = "" if f.numerator is None else _count_or_sum(f.numerator)
    return f"{num}/{_count_or_sum(f.denominator)}"


def evaluation_table(ev: Evaluation) -> str:
    """A plain-text table for people: indicator, value, n, target, status (word and symbol)."""
    head = ["indicator", "value", "num/den", "previous", "target", "status"]
    rows = [head]
    for o in ev.indicators:
        f = o.figures
        nd = _num_den(f)
        if o.figures.unknown:
            nd = f"unknown {o.figures.unknown}"
        rows.append([o.ind.id, format_value(f.value, o.ind.unit), nd,
                     format_value(o.previous, o.ind.unit),
                     o.ind.target.text if o.ind.target else "",
                     f"{SYMBOLS[o.status]} {WORDS[o.status]}"])
        for dim, keys in o.breakdown.items():
            for key, k in keys.items():
                rows.append([f"  {dim}={key}", format_value(k.figures.value, o.ind.unit),
                             _num_den(k.figures), "", "",
                             f"{SYMBOLS[k.status]} {WORDS[k.status]}"])
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    lines = [f"Period {ev.period.label} as of {ev.at.astimezone(ev.period.tz):%Y-%m-%d %H:%M}"
             + (" (adopted)" if ev.adopted else "")]
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    lines.append("")
    for g in ev.goals:
        lines.append(f"goal {g.id}: {SYMBOLS[g.status]} {WORDS[g.status]}  ({g.name})")
    return "\n".join(lines) + "\n"


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
