"""Every expected label set is exported from the first snapshot on, so series do not flicker:
counts start at 0 and values that do not exist yet are NaN (DESIGN §8). The one series that
appears later is a source's `kpimon_source_up`, after its first collection: a source that has
never run is not down."""

from __future__ import annotations

import math
from pathlib import Path

from tests.web.golden import (
    DaemonThread,
    Series,
    exposition_of,
    get,
    golden_env,
    parse_exposition,
    sample,
    write_config,
)

# Families whose samples are counts: they start at 0, never NaN.
COUNTS = ("kpimon_source_records_total", "kpimon_source_rejected_records_total",
          "kpimon_source_requests_total", "kpimon_source_retries_total",
          "kpimon_open_tickets", "kpimon_tickets_at_risk")


def test_same_series_before_and_after_the_first_collection(tmp_path: Path, golden_dir: Path,
                                                            db_url: str) -> None:
    d = DaemonThread(write_config(tmp_path, golden_dir), golden_env(golden_dir, db_url))
    first = parse_exposition(exposition_of(d.daemon.holder.current, d.daemon.alerts,
                                           d.daemon.leader))
    assert d.daemon.holder.current.ready is False
    with d:
        d.wait_collected("export")
        after = _kpimon(parse_exposition(get(f"{d.url}/metrics").text))
    assert set(after) - set(first) == {("kpimon_source_up", (("source", "export"),))}
    assert set(first) <= set(after)
    per_family: dict[str, int] = {}
    for name, _ in first:
        per_family[name] = per_family.get(name, 0) + 1
    # The golden config: 10 indicators (1 with an org breakdown, 8 with an absolute target, 3
    # clock indicators), 2 goals, 4 orgs (+ other), 1 source; running month and year.
    n_ind, n_periods = 10, 2
    for family in ("kpimon_indicator_value", "kpimon_indicator_numerator",
                   "kpimon_indicator_denominator"):
        assert per_family[family] == n_ind * n_periods
    assert per_family["kpimon_indicator_status"] == n_ind * n_periods * 5
    assert per_family["kpimon_goal_status"] == 2 * n_periods * 4
    assert per_family["kpimon_indicator_breakdown_value"] == 1 * n_periods * 5
    assert per_family["kpimon_indicator_target"] == 8
    assert per_family["kpimon_period_info"] == n_periods
    assert per_family["kpimon_open_tickets"] == 4 * 4 * 5  # kind x priority x org
    assert per_family["kpimon_tickets_at_risk"] == 3
    assert per_family["kpimon_source_records_total"] == 1
    assert "kpimon_source_up" not in per_family  # never run: neither up nor down
    assert per_family["kpimon_indicator_info"] == n_ind
    assert per_family["kpimon_goal_info"] == 2
    assert "kpimon_indicator_baseline" not in per_family  # no rise/fall target in the golden

    for (name, labels), value in first.items():
        if name in COUNTS:
            assert value == 0.0, (name, labels)
        elif name in ("kpimon_indicator_value", "kpimon_indicator_numerator",
                      "kpimon_indicator_denominator", "kpimon_indicator_breakdown_value",
                      "kpimon_source_last_success_timestamp_seconds",
                      "kpimon_source_collect_duration_seconds"):
            assert math.isnan(value), (name, labels, value)
    # State sets exist with every state at 0 until there is a status.
    assert sample(first, "kpimon_indicator_status", indicator="resp_30m", period="month",
                  status="achieved") == 0.0
    assert sample(first, "kpimon_goal_status", goal="service", period="year",
                  status="no_value") == 0.0
    # The golden export changes counts, not series.
    assert sample(after, "kpimon_source_records_total", source="export") > 0


def test_an_empty_drop_folder(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    """A source whose folder is still empty collects nothing, successfully: it is up, every
    series is there, counts are 0 and ratios over nobody have no value (NaN, not 0)."""
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = write_config(tmp_path, golden_dir, tickets=f"{drop}/*.csv",
                       status_changes=f"{drop}/status/*.csv")
    golden = DaemonThread(write_config(tmp_path, golden_dir, name="golden.toml"),
                          golden_env(golden_dir, db_url))
    expected = set(parse_exposition(exposition_of(golden.daemon.holder.current,
                                                  golden.daemon.alerts, golden.daemon.leader)))
    golden.daemon.app.store.close()

    with DaemonThread(cfg, golden_env(golden_dir, db_url)) as d:
        d.wait_collected("export")
        series = _kpimon(parse_exposition(get(f"{d.url}/metrics").text))
    assert set(series) == expected | {("kpimon_source_up", (("source", "export"),))}
    assert sample(series, "kpimon_source_up", source="export") == 1.0
    assert sample(series, "kpimon_source_last_success_timestamp_seconds", source="export") > 0
    for (name, labels), value in series.items():
        if name in COUNTS:
            assert value == 0.0, (name, labels)
    for period in ("month", "year"):
        # No ticket at all: a ratio has no value, and its numerator and denominator are 0.
        assert math.isnan(sample(series, "kpimon_indicator_value", indicator="resp_30m",
                                 period=period))
        assert sample(series, "kpimon_indicator_denominator", indicator="resp_30m",
                      period=period) == 0.0
        assert sample(series, "kpimon_indicator_status", indicator="resp_30m", period=period,
                      status="no_value") == 1.0
        assert math.isnan(sample(series, "kpimon_indicator_breakdown_value",
                                 indicator="resp_30m", period=period, dimension="org",
                                 key="Askersund"))
        # The oldest open ticket of none has no value either.
        assert math.isnan(sample(series, "kpimon_indicator_value", indicator="oldest_open",
                                 period=period))


def _kpimon(series: dict[Series, float]) -> dict[Series, float]:
    """kpimon's own series (the process_* and python_* collectors left out)."""
    return {k: v for k, v in series.items() if k[0].startswith("kpimon_")}
