"""`kpimon import SOURCE FILE` as a user runs it: a closing summary (rows, inserted, updated,
unchanged, rejected, seconds) and the first rejects; a progress bar on stderr only when stderr
is a terminal; a history file is recognised by its header."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from kpimon.progress import ProgressLine, progress_text
from tests.sources.ticket_csv_files import csv_text, row, write

REPO = Path(__file__).resolve().parents[2]
CONFIG = """
timezone = "Europe/Stockholm"
database = "{db}"

[[sources]]
name = "export"
kind = "ticket_csv"
path = "{folder}/drop/*.csv"
status_changes = "{folder}/history/*.csv"
every = "1h"

[sources.values.priority]
"1. Akut" = "acute"
"2. Hög" = "high"
"3. Normal" = "normal"

[sources.values.status]
"01 - Ny" = "new"
"05 - Avklarad" = "resolved"
"07 - Stängd" = "closed"

[sources.values.kind]
"Incident" = "incident"

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def setup(tmp_path: Path, db_url: str) -> tuple[Path, Path]:
    cfg = tmp_path / "kpimon.toml"
    cfg.write_text(CONFIG.format(db=db_url, folder=tmp_path), encoding="utf-8")
    export = write(tmp_path / "elsewhere" / "backfill.csv", csv_text(
        [row(f"A{n}") for n in range(3000)] + [row("B1", priority="Hög!")]), age=0)
    return cfg, export


def test_summary_without_a_terminal(setup: tuple[Path, Path]) -> None:
    cfg, export = setup
    proc = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(cfg), "import",
                           "export", str(export)], capture_output=True, text=True, env=_env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{export}: 3,001 rows: inserted 3,000, updated 0, "
                               "unchanged 0, rejected 1 in ")
    assert lines[0].endswith(" s")
    assert lines[1] == "  row 3002 priority: value 'Hög!' is not in values.priority"
    assert "\r" not in proc.stderr and "rows/s" not in proc.stderr

    history = write(export.parent / "status.csv", csv_text(
        [["A1", "2020-03-02 08:00", "", "01 - Ny"]], header=["Ärende-ID", "Ändrad", "Från",
                                                             "Till"]))
    proc = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(cfg), "import",
                           "export", str(history)], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{history}: 1 rows: inserted 1, updated 0")


def test_progress_bar_on_a_terminal(setup: tuple[Path, Path]) -> None:
    cfg, export = setup
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.environ["PYTHONPATH"] = str(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "kpimon", "--config", str(cfg),
                                  "--log-level", "WARNING", "import", "export", str(export)])
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "rows/s" in text and "backfill.csv" in text
    # The bar's last state stays on a line of its own; the summary comes below it and does
    # not overwrite it.
    lines = [ln.split("\r")[-1].replace("\x1b[K", "")
             for ln in text.replace("\r\n", "\n").split("\n")]
    summary = next(i for i, ln in enumerate(lines) if "inserted 3,000" in ln)
    assert "rows/s" not in lines[summary]
    assert lines[summary - 1].startswith("backfill.csv  100% [") and "3,001 rows" in \
        lines[summary - 1]


def test_progress_line() -> None:
    line = progress_text("/drop/tickets.csv", 412_000, 42, 100, 10.0, width=10)
    assert line == ("tickets.csv   42% [####      ]  412,000 rows  41,200 rows/s  ETA 0:13")
    assert "ETA --:--" in progress_text("x.csv", 0, 0, 0, 0.0)
    assert progress_text("facts", 500, 500, 500, 61.0, unit="tickets").endswith(
        "500 tickets  8 tickets/s  in 1:01")


class _Tty:
    def __init__(self, tty: bool):
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_progress_drawn_only_on_a_terminal() -> None:
    clock = iter(float(n) for n in range(100))
    for tty in (True, False):
        stream = _Tty(tty)
        bar = ProgressLine(stream, clock=lambda: next(clock)).task()  # type: ignore[arg-type]
        bar.update("x.csv", 1024, 50, 100)
        bar.done()
        assert ("rows/s" in stream.text) == tty
        if tty:  # the final state, at 100 %, on a line of its own
            assert stream.text.endswith("\n") and "100%" in stream.text.splitlines()[-1]


def test_a_log_line_goes_above_the_bar() -> None:
    stream = _Tty(True)
    line = ProgressLine(stream, clock=lambda: 10.0)  # type: ignore[arg-type]
    task = line.task()
    task.update("x.csv", 10, 1, 2)
    line.write("warning kpimon: something\n")
    # The bar is cleared, the log line printed, and the bar drawn again below it.
    assert stream.text.endswith("\r\x1b[Kwarning kpimon: something\n\r" + task.text()
                                + "\x1b[K")
