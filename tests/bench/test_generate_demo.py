"""`generate.py demo`: writes the whole layout, ends on --end, and reruns cheaply."""

from __future__ import annotations

import csv
import glob
import time
from pathlib import Path

import pytest

from bench.generate import main

END = "2026-11-25"  # a Wednesday


def _demo(out: Path, *extra: str) -> None:
    assert main(["demo", "--out", str(out), "--end", END, *extra]) == 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    _demo(out)
    assert time.perf_counter() - started < 10
    return out


def test_layout(demo: Path) -> None:
    for rel in ("tickets/tickets.csv", "history/status_changes.csv", "inventory/cmdb.csv",
                "inventory/sccm.csv", ".generated.json"):
        assert (demo / rel).is_file(), rel
    ace = sorted(p.name for p in (demo / "ace").iterdir())
    assert len(ace) == 60 and ace[0] == "ace_2026-09-27.csv" and ace[-1] == "ace_2026-11-25.csv"
    # The demo config reads tickets/*.csv as tickets: the history must not match it.
    assert glob.glob(str(demo / "tickets" / "*.csv")) == [str(demo / "tickets" / "tickets.csv")]
    assert glob.glob(str(demo / "history" / "*.csv")) == [
        str(demo / "history" / "status_changes.csv")]


def test_tickets_span_two_years_and_end_on_the_end_date(demo: Path) -> None:
    with (demo / "tickets" / "tickets.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert 23_500 <= len(rows) <= 24_500  # ~12 000 a year
    created = sorted(r["Skapad"] for r in rows)
    assert created[0] >= "2024-11-25" and created[-1].startswith(END)
    assert max(r["Senast ändrad"] for r in rows) <= END + " 23:59"
    years = {c[:4] for c in created}
    assert {"2025", "2026"} <= years  # the running year and the previous one


def test_rerun_skips_and_force_rewrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    out = tmp_path / "demo"
    _demo(out)
    tickets = out / "tickets" / "tickets.csv"
    before = tickets.stat().st_mtime_ns
    (out / "kpimon.db").write_text("x")
    _demo(out)
    assert "already there" in capsys.readouterr().out
    assert tickets.stat().st_mtime_ns == before and (out / "kpimon.db").exists()

    _demo(out, "--force", "--keep-db")
    assert tickets.stat().st_mtime_ns != before and (out / "kpimon.db").exists()
    _demo(out, "--force")
    assert not (out / "kpimon.db").exists()  # the old database would mix two data sets


def test_a_later_end_regenerates_and_drops_old_ace_days(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    _demo(out)
    assert main(["demo", "--out", str(out), "--end", "2026-12-02"]) == 0
    ace = sorted(p.name for p in (out / "ace").iterdir())
    assert len(ace) == 60 and ace[-1] == "ace_2026-12-02.csv"
    assert "2026-12-02" in (out / ".generated.json").read_text()
