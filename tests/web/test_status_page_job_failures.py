"""The status page says plainly when the compute or the retention purge fails: since when, how
many failures in a row and when it last succeeded, in the configured language; the banner goes
once the job succeeds again. Rendered from a snapshot, and served by a daemon whose SQLite store
another program has locked (the compute and the purge cannot write); that page, banners and
all, passes axe-core's WCAG 2.1 A/AA rules in headless Chromium."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpimon.config import parse_config
from kpimon.web.page import status_page
from kpimon.web.snapshot import JobHealth, Snapshot
from tests.conftest import need_tool
from tests.web.browser import check_pages
from tests.web.golden import DaemonThread, get, golden_env, write_config

NOW = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)  # 15:30 in Stockholm


def _ts(hour: int, minute: int, day: int = 3) -> float:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC).timestamp()


def _banners(page: str) -> dict[str, str]:
    """The job banners: job → text."""
    return {job: html.unescape(text) for job, text in re.findall(
        r'<div class="banner" role="alert" data-job="([^"]+)">(.*?)</div>', page, re.S)}


def _page(health: JobHealth, language: str) -> str:
    config = parse_config({"database": "sqlite://", "language": language})
    return status_page(Snapshot(metrics=(), ready=True, config=config, health=health), now=NOW)


def test_failing_compute_and_purge_in_english_and_swedish() -> None:
    health = JobHealth(compute_last_success=_ts(13, 58))
    for minute in (0, 1, 2):  # three computes in a row fail after the last success
        health.failed("compute", at=_ts(14, minute))
    health.failed("purge", at=_ts(9, 15, day=2))  # yesterday; none since the start
    assert _banners(_page(health, "en")) == {
        "compute": "Computing the indicators has failed since 15:00 (failures in a row: 3); "
                   "last success: 14:58 – the figures are from that computation. See the log.",
        "purge": "The retention purge of old records (retention_years) has failed since "
                 "2 December 2026 10:15 (failures in a row: 1); last success: none since "
                 "kpimon started – records older than the retention period stay until it "
                 "succeeds. See the log."}
    sv = _banners(_page(health, "sv"))
    assert sv["compute"] == ("Beräkningen av nyckeltalen misslyckas sedan 15:00 (misslyckade "
                             "i rad: 3); senast lyckad: 14:58 – siffrorna är från den "
                             "beräkningen. Se loggen.")
    assert sv["purge"].startswith("Gallringen av gamla poster (retention_years) misslyckas "
                                  "sedan 2 december 2026 10:15 (misslyckade i rad: 1); "
                                  "senast lyckad: ingen sedan kpimon startade")


def test_a_success_ends_the_banner_and_a_new_failure_starts_anew() -> None:
    health = JobHealth(compute_last_success=_ts(13, 0), purge_last_success=_ts(3, 0))
    assert _banners(_page(health, "en")) == {}
    health.failed("compute", at=_ts(13, 10))
    health.failed("compute", at=_ts(13, 20))
    health.compute_last_success = _ts(13, 30)  # the next compute succeeded
    assert _banners(_page(health, "en")) == {}
    health.failed("compute", at=_ts(14, 0))
    text = _banners(_page(health, "en"))["compute"]
    assert "failed since 15:00 (failures in a row: 1); last success: 14:30" in text
    assert health.compute_failures == 3  # the metric counts every failure since the start


@contextmanager
def _daemon(tmp_path: Path, golden_dir: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DaemonThread, Path]]:
    """A daemon on the golden export with a retention, collected and computed once; SQLite
    statements wait half a second for another program's lock."""
    monkeypatch.setenv("KPIMON_SQLITE_BUSY_TIMEOUT", "0.5")
    db = tmp_path / "kpimon.db"
    cfg = write_config(tmp_path, golden_dir, compute_every="1h")
    cfg.write_text("retention_years = 5\n" + cfg.read_text("utf-8"), "utf-8")
    with DaemonThread(cfg, golden_env(golden_dir, f"sqlite:///{db}")) as d:
        d.wait_collected("export")
        yield d, db


@contextmanager
def _locked(db: Path) -> Iterator[None]:
    """Another program writing the store, for longer than the busy timeout."""
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.rollback()
        locker.close()


@pytest.mark.timeout(90)
def test_a_locked_store_shows_on_the_served_page(tmp_path: Path, golden_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with _daemon(tmp_path, golden_dir, monkeypatch) as (d, db):
        assert _banners(get(f"{d.url}/").text) == {}
        computed = d.daemon.health.compute_last_success
        with _locked(db):
            d.daemon.compute()
            d.daemon.compute()
            d.daemon.purge()
            banners = _banners(get(f"{d.url}/").text)
        assert set(banners) == {"compute", "purge"}, banners
        assert banners["compute"].startswith("Beräkningen av nyckeltalen misslyckas sedan ")
        # Two computes of the test's own, and maybe the daemon's compute after its collection.
        in_row = re.search(r"\(misslyckade i rad: (\d+)\); senast lyckad: ", banners["compute"])
        assert in_row is not None and int(in_row[1]) >= 2, banners["compute"]
        assert computed is not None and "ingen sedan" not in banners["compute"]
        assert "(misslyckade i rad: 1); senast lyckad: ingen sedan kpimon startade" in \
            banners["purge"]

        # The store takes writes again: the purge succeeds, and the next compute (whose
        # snapshot the page shows, as /metrics does) too.
        d.daemon.purge()
        d.daemon.compute()
        assert _banners(get(f"{d.url}/").text) == {}


@pytest.mark.timeout(180)
def test_job_banners_pass_axe_in_chromium(tmp_path: Path, golden_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    need_tool("chromium")
    with _daemon(tmp_path, golden_dir, monkeypatch) as (d, db):
        with _locked(db):  # the page is loaded before a compute can succeed again
            d.daemon.compute()
            d.daemon.purge()
            (page,) = check_pages(tmp_path / "screenshots", f"{d.url}/?refresh=off")
    assert page["status"] == 200 and page["errors"] == []
    assert page["violations"] == [], page["violations"]
    assert page["passes"] > 10  # axe really ran its rules
    texts = [b["text"] for b in page["dom"]["banners"]]
    assert any(t.startswith("Beräkningen av nyckeltalen misslyckas") for t in texts), texts
    assert any(t.startswith("Gallringen av gamla poster") for t in texts), texts
