"""`/metrics` answers in the format the scraper asks for: the classic text format 0.0.4 by
default, OpenMetrics when the Accept header asks for it (as Prometheus does)."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om

from tests.web.golden import get, golden_daemon, parse_exposition

# What Prometheus 2.x sends when scraping.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def test_text_by_default_and_openmetrics_on_request(tmp_path: Path, golden_dir: Path,
                                                     db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        plain = get(f"{d.url}/metrics")
        om = get(f"{d.url}/metrics", headers={"Accept": PROMETHEUS_ACCEPT})
    assert plain.status == om.status == 200
    assert plain.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert om.headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert om.text.endswith("# EOF\n")
    # The strict OpenMetrics parser accepts it, and both carry the same series and values
    # (NaN compared as text, since NaN != NaN); the process's own (CPU time, memory) move
    # between the two scrapes, so only their names are compared.
    om_series = {(s.name, tuple(sorted(s.labels.items()))): repr(s.value)
                 for f in parse_om(om.text) for s in f.samples}
    text_series = {k: repr(v) for k, v in parse_exposition(plain.text).items()}
    assert set(om_series) == set(text_series)
    assert {k: v for k, v in om_series.items() if k[0].startswith("kpimon_")} == \
        {k: v for k, v in text_series.items() if k[0].startswith("kpimon_")}
