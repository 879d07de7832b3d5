"""The explain pages (`/indicators/ID?period=…`) of a running daemon: paged verdicts with
ticket ids, org and elapsed time; 404 for an unknown indicator, 400 for a bad period; the
pages and the status page parse cleanly (html5lib, strict) and their numbers follow sv_SE."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpimon.web.explain
from tests.report.test_report_goal_tables import NS, parse_strict, sv_numbers_ok, visible_text
from tests.web.golden import get, golden_daemon


def _rows(html: str) -> list[list[str]]:
    doc = parse_strict(html)
    table = next((t for t in doc.iter(f"{NS}table") if t.get("id") == "rows"), None)  # type: ignore[attr-defined]
    if table is None:
        return []
    body = next(table.iter(f"{NS}tbody"))
    return [[" ".join("".join(c.itertext()).split()) for c in tr] for tr in body]


def test_paged_verdicts(tmp_path: Path, golden_dir: Path, monkeypatch: pytest.MonkeyPatch
                        ) -> None:
    monkeypatch.setattr(kpimon.web.explain, "PAGE_SIZE", 2)
    with golden_daemon(tmp_path, golden_dir, f"sqlite:///{tmp_path}/k.db") as d:
        d.wait_collected("export")
        base = f"{d.url}/indicators/resp_30m?period=2020-03&at=2021-03-01T00:00"
        pages = [get(f"{base}&page={n}") for n in (1, 2, 3)]
        assert [p.status for p in pages] == [200, 200, 200]
        rows = [r for p in pages for r in _rows(p.text)]
        assert [r[0] for r in rows] == ["G01", "G02", "G03", "G06", "G20"]
        assert rows[1] == ["G02", "över gränsen", "Hallsberg", "45 min"]
        assert 'rel="next"' in pages[0].text and 'rel="prev"' not in pages[0].text
        assert 'rel="prev"' in pages[2].text and 'rel="next"' not in pages[2].text
        assert "Rader 3–4 av 5" in pages[1].text
        for p in pages:
            assert sv_numbers_ok(visible_text(p.text)) == []
        assert get(f"{d.url}/indicators/nosuch").status == 404
        bad = get(f"{d.url}/indicators/resp_30m?period=2020-13")
        assert bad.status == 400 and "Ogiltig period" in bad.text
        page = get(f"{d.url}/")
        text = visible_text(page.text)  # strict: raises on any parse error
        assert sv_numbers_ok(text) == []
        assert "Månad:" in text and "År:" in text


def test_status_page_with_alerts_and_failed_reload() -> None:
    from datetime import UTC, datetime

    from kpimon.web.page import status_page
    from kpimon.web.snapshot import Snapshot

    snap = Snapshot(metrics=(), ready=True, computed_at=datetime(2026, 12, 4, 18, 0, tzinfo=UTC),
                    reload_ok=False,
                    firing_alerts=[{"name": "calls_below_target", "severity": "warning",
                                    "summary": "<b>Samtal</b> under mål", "since": "19:10"}])
    html = status_page(snap)
    parse_strict(html)
    assert 'id="reload-failed"' in html
    assert 'data-alert="calls_below_target"' in html
    assert "&lt;b&gt;Samtal&lt;/b&gt; under mål" in html  # autoescaped
    assert "Aktiva larm" in html
