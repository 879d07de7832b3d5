"""An indicator's figures as people read them, in the configured language: the value with
the precision its status needs, the target in the value's unit (a rise/fall with its baseline
and that baseline's period), n and what it counts, and an adopted figure's drift. Shared by
the command line's table, the status page, the explain pages and the report."""

from __future__ import annotations

from kpimon.i18n import Formatter
from kpimon.kpi.engine import IndicatorOutcome
from kpimon.kpi.periods import Period
from kpimon.kpi.targets import EPSILON

N_TIPS = {"response_within": "n.created", "resolution_within": "n.created",
          "first_line_share": "n.resolved", "handling_time": "n.resolved",
          "call_service_level": "n.offered", "call_answer_rate": "n.offered",
          "call_abandon_rate": "n.offered", "call_average_wait": "n.answered"}


def reference(o: IndicatorOutcome) -> float | None:
    """What the value is compared with: the bound of an absolute target, the baseline of a
    relative one."""
    t = o.ind.target
    if t is None:
        return None
    if t.relative:
        return t.number if t.number is not None else o.baseline
    return t.number


def value_text(fmt: Formatter, o: IndicatorOutcome) -> str:
    return fmt.value(o.figures.value, o.ind.unit, reference(o))


def target_text(fmt: Formatter, o: IndicatorOutcome, period: Period) -> str:
    """`≥ 90 %`, `≤ 20 h`, `höjning från 71,13`, or for a bare rise/fall the baseline and its
    period: `höjning från 84,2 % (november)`."""
    t = o.ind.target
    if t is None:
        return ""
    unit = o.ind.unit
    if t.relative and t.number is None:
        what = fmt.t("target." + t.op)
        when = fmt.baseline_period(period.previous())
        base = o.baseline if o.baseline is not None else (
            o.current.baseline if o.current is not None else None)
        if base is None:
            return fmt.t("baseline.none", what=what, when=when)
        value = o.figures.value
        d = fmt.decimals_for(base, unit, value)
        if value is not None:
            d = max(d, fmt.decimals_for(value, unit, base))
        return fmt.t("baseline.from", what=what, base=fmt.value(base, unit, decimals=d),
                     when=when)
    text = fmt.target(t.op, t.number, unit)
    partial = o.ind.partial
    if partial is not None and partial.number is not None:
        text += " (" + fmt.t("target.partial", bound=fmt.target(partial.op, partial.number,
                                                                  unit)) + ")"
    return text


def n_text(fmt: Formatter, o: IndicatorOutcome) -> tuple[str, str]:
    """n (the population counted) and what it counts; empty for counts and ages."""
    den = o.figures.denominator
    if den is None:
        return "", ""
    key = N_TIPS.get(o.ind.kind, "n.other")
    if o.ind.kind == "call_service_level" and o.ind.formula == "answered_only":
        key = "n.answered"
    return fmt.integer(den), fmt.t(key)


def drift_text(fmt: Formatter, o: IndicatorOutcome) -> str:
    """For an adopted figure: the value computed now when it differs from the adopted one."""
    cur = o.current
    if cur is None:
        return ""
    a, b = o.figures.value, cur.figures.value
    if a is None and b is None:
        return ""
    if a is not None and b is not None and abs(a - b) <= EPSILON:
        return ""
    d = fmt.decimals_for(b, o.ind.unit, a) if b is not None else None
    return fmt.t("report.drift", value=fmt.value(b, o.ind.unit, decimals=d))
