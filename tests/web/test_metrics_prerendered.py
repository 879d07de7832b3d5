"""The snapshot's metrics are rendered once per snapshot and format, and a swap renders the
new snapshot: a scrape never shows figures of a snapshot already replaced."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_om

from kpimon.web.snapshot import Snapshot, SnapshotHolder


def _snap(value: float) -> Snapshot:
    return Snapshot(metrics=(GaugeMetricFamily("kpimon_test", "a test gauge", value=value),))


def test_rendered_once_per_snapshot_and_again_after_a_swap() -> None:
    holder = SnapshotHolder(_snap(1.0))
    first = holder.exposition(generate_latest)
    assert b"kpimon_test 1.0\n" in first
    assert holder.exposition(generate_latest) is first  # not rendered again
    holder.swap(_snap(2.0))
    assert b"kpimon_test 2.0\n" in holder.exposition(generate_latest)
    om = holder.exposition(generate_om)
    assert b"kpimon_test 2.0\n" in om and b"# EOF" not in om  # the scrape's tail closes it
