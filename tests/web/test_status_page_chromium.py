"""The status page and an explain page in a real browser (headless Chromium driven by
playwright-core), on a test daemon whose second ticket source fails: the rows and statuses
agree with /api/kpis, the banner names the failing source and every ticket indicator is marked
stale, there are no console errors, axe-core finds no WCAG 2.1 A/AA violation, and a
screenshot is kept under the test's tmp dir."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpimon.config import TICKET_INDICATOR_KINDS
from kpimon.i18n import Formatter
from tests.conftest import need_tool
from tests.report.fixture import CONTROLS
from tests.web.browser import check_pages
from tests.web.golden import DaemonProcess, broken_source, get, golden_env, write_config


@pytest.fixture
def daemon(tmp_path: Path, golden_dir: Path) -> Iterator[DaemonProcess]:
    need_tool("chromium")
    env = golden_env(golden_dir, f"sqlite:///{tmp_path}/kpimon.db")
    cfg = write_config(tmp_path, golden_dir, extra=broken_source() + CONTROLS,
                       compute_every="1s")
    with DaemonProcess(cfg, env) as d:
        d.wait_collected("export", "broken")
        yield d


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_status_and_explain_pages_in_chromium(daemon: DaemonProcess, tmp_path: Path) -> None:
    api = get(f"{daemon.url}/api/kpis").json()  # the running month, as the page shows it
    page, explain = check_pages(tmp_path / "screenshots", f"{daemon.url}/",
                                f"{daemon.url}/indicators/resp_30m?period=2020-03")
    fmt = Formatter("sv")

    assert page["status"] == 200 and page["errors"] == []
    assert page["violations"] == [], page["violations"]
    assert page["passes"] > 10  # axe really ran its rules
    dom = page["dom"]
    assert dom["lang"] == "sv" and dom["title"] == "Servicedeskens nyckeltal"
    # It refreshes itself through the Refresh header, and the first link turns that off
    # (WCAG 2.2.1), reached with the keyboard's first Tab.
    assert dom["refresh"] is None
    assert get(f"{daemon.url}/").headers.get("Refresh") == "60"
    assert "Refresh" not in get(f"{daemon.url}/?refresh=off").headers
    assert page["focused"] == "A"
    month = [r for r in dom["indicators"] if r["table"] == "table-month"]
    # Goal by goal, as configured; the indicators in no goal last.
    grouped = [i for g in api["goals"] for i in g["indicators"]]
    assert [r["id"] for r in month] == grouped + [i["id"] for i in api["indicators"]
                                                  if i["id"] not in grouped]
    kinds = {i["id"]: i["kind"] for i in api["indicators"]}
    by_id = {i["id"]: i for i in api["indicators"]}
    for row in month:
        ind = by_id[row["id"]]
        assert row["status"] == ind["status"], (row, ind)
        assert fmt.status_word(ind["status"]) in row["cells"][5]  # the word, not only colour
        # Every ticket indicator is computed from the failing source, so it is marked stale;
        # nothing else is.
        assert row["stale"] == (kinds[ind["id"]] in TICKET_INDICATOR_KINDS), row
        if row["stale"]:
            assert "inaktuell: broken" in row["cells"][5]
    year = [r for r in dom["indicators"] if r["table"] == "table-year"]
    assert len(year) == len(api["indicators"])
    assert [b["source"] for b in dom["banners"]] == ["broken"]
    assert dom["banners"][0]["text"].startswith("Källan broken (ärenden) misslyckas sedan ")
    assert dom["banners"][0]["text"].endswith("– siffrorna kan vara inaktuella.")
    assert {s["name"]: s["state"] for s in dom["sources"]} == {"export": "up",
                                                              "broken": "failing"}
    assert dom["headings"][1].startswith("Öppna ärenden")
    width, height = _png_size(Path(page["screenshot"]))
    assert width == 1280 and height > 900  # the whole page, painted
    assert Path(page["screenshot"]).stat().st_size > 20_000

    assert explain["status"] == 200 and explain["errors"] == []
    assert explain["violations"] == [], explain["violations"]
    assert explain["dom"]["lang"] == "sv"
    rows = {r[0]: r for r in explain["dom"]["rows"]}
    assert set(rows) == {"G01", "G02", "G03", "G06", "G20"}
    assert rows["G02"][1:] == ["över gränsen", "Hallsberg", "45\u00a0min"]
    assert rows["G01"][1] == "inom gränsen"
    assert explain["dom"]["indicators"][0]["status"] == "achieved"  # 3 of 5 ≥ 60 %
    assert "60,0\u00a0%" in explain["dom"]["indicators"][0]["cells"][0]
    assert Path(explain["screenshot"]).is_file()
