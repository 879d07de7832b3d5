"""`/metrics` of a daemon that collected the golden export: every family of DESIGN §8 that
kpimon exports today, values that agree with the evaluation, NaN (never 0) where there is no
value, and no ticket id in any label. On SQLite and PostgreSQL."""

from __future__ import annotations

import math
from pathlib import Path

from kpimon.config import DURATION_UNITS
from tests.web.golden import TICKET_ID, get, golden_daemon, parse_exposition, sample

# DESIGN §8, as sample names (counters carry `_total`, info families `_info`).
FAMILIES = [
    "kpimon_indicator_value", "kpimon_indicator_numerator", "kpimon_indicator_denominator",
    "kpimon_indicator_target", "kpimon_indicator_status", "kpimon_goal_status",
    "kpimon_indicator_breakdown_value", "kpimon_period_info", "kpimon_open_tickets",
    "kpimon_tickets_at_risk", "kpimon_source_up", "kpimon_source_last_success_timestamp_seconds",
    "kpimon_source_collect_duration_seconds", "kpimon_source_records_total",
    "kpimon_source_rejected_records_total", "kpimon_source_requests_total",
    "kpimon_source_retries_total", "kpimon_config_last_reload_successful", "kpimon_build_info",
    "kpimon_indicator_info", "kpimon_goal_info", "kpimon_leader",
    # The client library's process and platform collectors.
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds",
    "python_info", "python_gc_objects_collected_total",
]
# Declared (HELP/TYPE) but with no series for the golden config: it has no call indicator, no
# incremental source and no inventory.
DECLARED_ONLY = ["kpimon_call_formula_info", "kpimon_source_watermark_timestamp_seconds",
                 "kpimon_devices", "kpimon_indicator_baseline"]


def test_every_family_and_value(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        r = get(f"{d.url}/metrics")
        snap = d.daemon.holder.current
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    series = parse_exposition(r.text)
    names = {name for name, _ in series}
    missing = [f for f in FAMILIES if f not in names]
    assert not missing, f"families without a series: {missing}"
    for family in DECLARED_ONLY:
        assert f"# TYPE {family} " in r.text, family

    assert sample(series, "kpimon_source_up", source="export") == 1.0
    assert sample(series, "kpimon_source_records_total", source="export") > 0
    assert sample(series, "kpimon_config_last_reload_successful") == 1.0
    assert sample(series, "kpimon_indicator_target", indicator="resp_30m") == 0.6
    # Only absolute targets become a target series.
    assert ("kpimon_indicator_target", (("indicator", "oldest_open"),)) not in series

    # Each indicator's figures as the daemon evaluated them; a missing one is NaN, never 0.
    checked_nan = 0
    for pname, ev in snap.evaluations.items():
        assert sample(series, "kpimon_period_info", period=pname, label=ev.period.label) == 1
        for o in ev.indicators:
            # Base units: hours are exported in seconds; a denominator is a count.
            scale = DURATION_UNITS.get(o.ind.unit, 1)
            for metric, fig, factor in (
                    ("kpimon_indicator_value", o.figures.value, scale),
                    ("kpimon_indicator_numerator", o.figures.numerator, scale),
                    ("kpimon_indicator_denominator", o.figures.denominator, 1)):
                got = sample(series, metric, indicator=o.ind.id, period=pname)
                if fig is None:
                    assert math.isnan(got), f"{metric}{{{o.ind.id},{pname}}} = {got}, not NaN"
                    checked_nan += 1
                else:
                    assert got == float(fig) * factor, (metric, o.ind.id, pname)
            states = {s: sample(series, "kpimon_indicator_status", indicator=o.ind.id,
                                period=pname, status=s)
                      for s in ("achieved", "partial", "not_achieved", "no_value", "no_target")}
            assert [s for s, v in states.items() if v == 1.0] == [o.status]
            assert sum(states.values()) == 1.0
        for g in ev.goals:
            assert sample(series, "kpimon_goal_status", goal=g.id, period=pname,
                          status=g.status) == 1.0
    assert checked_nan > 0, "the golden running periods should have indicators with no value"


def test_no_ticket_id_in_any_label(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        text = get(f"{d.url}/metrics").text
    for (name, labels) in parse_exposition(text):
        for key, value in labels:
            assert not TICKET_ID.search(value), f"{name}: label {key}={value!r} is a ticket id"
    assert not TICKET_ID.search(text)
