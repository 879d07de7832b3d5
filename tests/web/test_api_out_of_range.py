"""`/api/kpis` and the explain pages refuse periods and moments outside the years 1970–9998
and impossible UTC offsets with 400 and a message saying so, never a 500."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web.golden import get, golden_daemon

REFUSED = {
    "period=9999": "1970–9998",
    "period=1969-12": "1970–9998",
    "period=9999-W52": "is not a period",
    "from=0001-01-01&to=2020-01-31": "1970–9998",
    "from=2020-01-01&to=9999-12-31": "1970–9998",
    "at=0001-01-01": "1970–9998",
    "at=9999-12-31T23:59-01:00": "1970–9998",
    "at=9999-06-01": "1970–9998",
    f"at={quote('2020-03-01T12:00+99:99')}": "offset",
    f"period=2020&at={quote('2020-03-01T12:00+24:00')}": "offset",
}


@pytest.mark.timeout(90)
def test_out_of_range_is_400_with_a_reason(tmp_path: Path, golden_dir: Path,
                                           db_url: str) -> None:
    with golden_daemon(tmp_path, golden_dir, db_url) as d:
        d.wait_collected("export")
        for query, reason in REFUSED.items():
            r = get(f"{d.url}/api/kpis?{query}")
            assert r.status == 400, (query, r.status, r.text)
            assert reason in r.json()["error"], (query, r.json())
        ident = d.daemon.config.indicators[0].id
        for query in ("at=0001-01-01", "period=9999", f"at={quote('2020-03-01T12:00+99:99')}"):
            r = get(f"{d.url}/indicators/{ident}?{query}")
            assert r.status == 400, (query, r.status)
        # The edges themselves are fine.
        for query in ("period=1970", "period=9998&at=9998-12-31T23:00:00",
                      f"period=2020&at={quote('2021-01-01T00:00+14:00')}"):
            assert get(f"{d.url}/api/kpis?{query}").status == 200, query
