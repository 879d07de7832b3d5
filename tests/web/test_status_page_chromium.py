"""The status page in a real browser (headless Chromium, DESIGN §11): the goals, the
indicators and the sources render, statuses as words; and it paints (a screenshot)."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.web.golden import DaemonProcess, broken_source, get, golden_env, write_config

WORDS = {"achieved": "achieved", "partial": "partially achieved",
         "not_achieved": "not achieved", "no_value": "no value", "no_target": "no target"}


class Tables(HTMLParser):
    """The page's tables as rows of cell texts, each under the heading (h2) before it."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self._heading: str | None = None
        self._in_h2 = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._in_h2, self._heading = True, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
            self.sections[self._heading or ""] = []
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.sections.setdefault(self._heading or "", []).append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self._heading = (self._heading or "") + data
        elif self._cell is not None:
            self._cell.append(data)


def _chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    binary = need_tool("chromium")
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={user_data}", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def daemon(tmp_path: Path, golden_dir: Path) -> Iterator[DaemonProcess]:
    need_tool("chromium")
    env = golden_env(golden_dir, f"sqlite:///{tmp_path}/kpimon.db")
    # A periodic compute every second: the daemon skips the compute after a collection that
    # ends while another compute runs, and the page must show both sources' runs.
    cfg = write_config(tmp_path, golden_dir, extra=broken_source(), compute_every="1s")
    with DaemonProcess(cfg, env) as d:
        d.wait_collected("export", "broken")
        yield d


def test_page_renders_goals_indicators_and_sources(daemon: DaemonProcess, tmp_path: Path
                                                   ) -> None:
    api = get(f"{daemon.url}/api/kpis").json()  # the running month, as the page shows it
    done = _chromium("--dump-dom", f"{daemon.url}/", user_data=tmp_path / "chromium")
    assert done.returncode == 0, done.stderr[-2000:]
    tables = Tables()
    tables.feed(done.stdout)
    month = f"Month: {api['period']['label']}"
    assert month in tables.sections, list(tables.sections)
    rows = tables.sections[month]

    goals = {r[0]: r[1] for r in rows if len(r) == 2 and r[0] != "Goal"}
    for g in api["goals"]:
        assert goals[g["name"]].endswith(WORDS[g["status"]]), (g, goals)
    indicators = {r[0].split(" ")[0]: r for r in rows if len(r) == 5 and r[0] != "Indicator"}
    for ind in api["indicators"]:
        row = indicators[ind["name"]]
        assert row[4].endswith(WORDS[ind["status"]]), (ind["id"], row)
        if ind["target"]:
            assert row[3] == ind["target"]
    assert any(h.startswith("Year: ") for h in tables.sections)

    sources = {r[0]: r for r in tables.sections["Sources"] if r[0] != "Source"}
    assert set(sources) == {"export", "broken"}, sources
    assert sources["export"][1] == "up"
    assert int(sources["export"][3]) > 0  # records taken
    assert sources["export"][4].endswith(" tickets")  # what the store holds now
    assert sources["broken"][1] == "failing", sources["broken"]
    assert sources["broken"][2] == "never"
    assert sources["broken"][6]  # the error text, for the desk to act on


def test_page_paints(daemon: DaemonProcess, tmp_path: Path) -> None:
    png = tmp_path / "page.png"
    done = _chromium(f"--screenshot={png}", "--window-size=1200,900", "--hide-scrollbars",
                     f"{daemon.url}/", user_data=tmp_path / "chromium")
    assert done.returncode == 0, done.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert (width, height) == (1200, 900)
    # A blank page compresses to a few hundred bytes; tables of text do not.
    assert len(data) > 10_000
