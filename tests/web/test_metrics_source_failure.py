"""A failing source is down in `/metrics` and on the status page while the other source stays
up; its failure is data (a failed collection run), not a hole in the series."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.web.golden import broken_source, get, golden_daemon, parse_exposition, sample


@pytest.mark.parametrize("how", ["refused_url", "missing_folder"])
def test_failing_source_is_down_the_other_up(tmp_path: Path, golden_dir: Path, db_url: str,
                                             how: str) -> None:
    extra = broken_source(drop=tmp_path / "bad" if how == "missing_folder" else None)
    with golden_daemon(tmp_path, golden_dir, db_url, extra=extra) as d:
        d.wait_collected("export", "broken")
        series = parse_exposition(get(f"{d.url}/metrics").text)
        page = get(f"{d.url}/").text
        run = d.daemon.holder.current.sources["broken"]
    assert run.last_ok is False and run.last_error
    assert sample(series, "kpimon_source_up", source="export") == 1.0
    assert sample(series, "kpimon_source_up", source="broken") == 0.0
    # Never succeeded: no success time (NaN, not 1970), and its counts are still 0.
    assert math.isnan(sample(series, "kpimon_source_last_success_timestamp_seconds",
                             source="broken"))
    assert sample(series, "kpimon_source_records_total", source="broken") == 0.0
    assert sample(series, "kpimon_source_collect_duration_seconds", source="broken") >= 0.0
    # The export's figures are unaffected by the other source failing.
    assert sample(series, "kpimon_source_records_total", source="export") > 0
    assert 'data-source="broken" data-state="failing"' in page
    assert "Källan broken (ärenden) misslyckas" in page  # the banner
