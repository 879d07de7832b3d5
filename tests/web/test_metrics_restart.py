"""A restart never makes a metric lie (DESIGN §8): scraping `/metrics` every 100 ms across a
`kpimon run` restart on the same store finds no value turned NaN, no source down, no counter
gone back and no series missing; the restarted daemon is ready and serves the stored figures
from its very first answer. On SQLite and PostgreSQL."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pytest

from tests.web.golden import (
    DaemonProcess,
    Series,
    closed_port,
    get,
    golden_env,
    parse_exposition,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(180)

Scrape = tuple[int, int, dict[Series, float]]  # (daemon 1 or 2, /readyz status, kpimon series)


class Scraper(threading.Thread):
    """GET /readyz and /metrics every 100 ms; connection errors (the restart gap) skipped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.generation = 1
        self.scrapes: list[Scrape] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            gen = self.generation
            try:
                ready = get(f"{self.url}/readyz", timeout=2).status
                text = get(f"{self.url}/metrics", timeout=2).text
            except OSError:
                continue
            series = {k: v for k, v in parse_exposition(text).items()
                      if k[0].startswith("kpimon_")}
            self.scrapes.append((gen, ready, series))


def test_no_metric_lies_across_a_restart(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    port = closed_port()
    cfg = write_config(tmp_path, golden_dir)
    cfg.write_text(cfg.read_text("utf-8").replace('listen = "127.0.0.1:0"',
                                                  f'listen = "127.0.0.1:{port}"'), "utf-8")
    env = golden_env(golden_dir, db_url)
    first = DaemonProcess(cfg, env).start()
    try:
        first.wait_collected("export")
        scraper = Scraper(f"http://127.0.0.1:{port}")
        scraper.start()
        wait_for(lambda: len(scraper.scrapes) >= 5, 10, what="scrapes of the first daemon")
        scraper.generation = 2
    finally:
        assert first.stop() == 0, "".join(first.log)
    second = DaemonProcess(cfg, env).start()
    try:
        wait_for(lambda: sum(1 for g, _, _ in scraper.scrapes if g == 2) >= 30, 20,
                 what="scrapes of the restarted daemon")
        assert any("serving the stored figures" in line for line in second.log), second.log
    finally:
        scraper.stop.set()
        scraper.join(5)
        assert second.stop() == 0, "".join(second.log)

    # A scrape that began before the stop may have been answered by the first daemon.
    scrapes = [(g, r, s) for g, r, s in scraper.scrapes]
    before = [s for g, _, s in scrapes if g == 1]
    after = [(r, s) for g, r, s in scrapes if g == 2]
    assert before and len(after) >= 30
    assert all(r == 200 for r, _ in after), "the restarted daemon was not ready at once"

    known: set[Series] = set()
    valued: set[Series] = set()
    previous: dict[Series, float] = {}
    for i, (_, _, series) in enumerate(scrapes):
        missing = known - set(series)
        assert not missing, f"scrape {i}: series gone: {sorted(missing)[:5]}"
        known |= set(series)
        for key, value in series.items():
            name, labels = key
            if math.isnan(value):
                assert key not in valued, f"scrape {i}: {name}{dict(labels)} turned NaN"
            else:
                valued.add(key)
            if name == "kpimon_source_up":
                assert value == 1.0, f"scrape {i}: {name}{dict(labels)} = {value}"
            if name.endswith("_total"):
                assert value >= previous.get(key, 0.0), \
                    f"scrape {i}: counter {name}{dict(labels)} went back to {value}"
            previous[key] = value
    assert ("kpimon_source_up", (("source", "export"),)) in known
    # The restarted daemon's first answer is the stored snapshot: the same statuses.
    statuses = [{k: v for k, v in s.items() if k[0].endswith("_status")} for s in before]
    first_after = {k: v for k, v in after[0][1].items() if k[0].endswith("_status")}
    assert first_after == statuses[-1]
    assert sum(first_after.values()) > 0
