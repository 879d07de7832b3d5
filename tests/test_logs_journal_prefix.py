"""Journal mode: when stderr is the stream systemd connected to journald (JOURNAL_STREAM names
its device and inode), every line — also each line of a multi-line record — starts with the
sd-daemon priority `<N>` and carries no timestamp; otherwise lines read `level logger: msg`."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from kpimon.logs import JournalFormatter, journal_stream
from tests.deploy.harness import env_for_child, source_block, write_config

# Port 9 (discard) is closed: the collection fails at once with "connection refused".
FAILING_SOURCE = source_block("gone", 'url = "http://127.0.0.1:9/export.csv"',
                              "retries = 0\ntimeout = 2")


def _collect_with_stderr_file(tmp_path: Path, journal: str | None) -> str:
    config = write_config(tmp_path, sources=FAILING_SOURCE)
    err_path = tmp_path / "stderr"
    with err_path.open("w") as err:
        st = os.fstat(err.fileno())
        value = f"{st.st_dev}:{st.st_ino}" if journal == "match" else journal
        env = env_for_child(**({"JOURNAL_STREAM": value} if value else {}))
        subprocess.run([sys.executable, "-m", "kpimon", "--config", str(config), "collect"],
                       env=env, stdout=subprocess.DEVNULL, stderr=err, timeout=60,
                       stdin=subprocess.DEVNULL)
    return err_path.read_text(encoding="utf-8")


def test_journal_prefix_when_stderr_is_the_journal(tmp_path: Path) -> None:
    out = _collect_with_stderr_file(tmp_path, "match")
    lines = out.splitlines()
    assert lines and all(re.match(r"<[2-7]>", line) for line in lines), out
    assert any(re.fullmatch(r"<6>kpimon\.collect: source export: 3 records .*", line)
               for line in lines), out
    assert any(line.startswith("<3>kpimon.collect: source gone failed") for line in lines), out
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", out)  # journald stamps lines


def test_plain_lines_when_journal_stream_is_someone_elses(tmp_path: Path) -> None:
    out = _collect_with_stderr_file(tmp_path, "1:2")  # inherited, not our stderr
    assert re.search(r"^info kpimon\.collect: source export: 3 records", out, re.M), out
    assert re.search(r"^error kpimon\.collect: source gone failed", out, re.M), out
    assert "<6>" not in out and "<3>" not in out


def test_every_line_of_a_multiline_record_is_prefixed() -> None:
    fmt = JournalFormatter(journal=True)
    record = logging.LogRecord("kpimon.daemon", logging.ERROR, __file__, 1,
                               "reload: 2 errors:\n  a: required\n  b: unknown key", None, None)
    assert fmt.format(record).split("\n") == [
        "<3>kpimon.daemon: reload: 2 errors:", "<3>  a: required", "<3>  b: unknown key"]


def test_journal_stream_needs_a_matching_descriptor(tmp_path: Path) -> None:
    with (tmp_path / "f").open("w") as f:
        st = os.fstat(f.fileno())
        assert journal_stream(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        assert not journal_stream(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino + 1}"})
        assert not journal_stream(f, {"JOURNAL_STREAM": "garbage"})
        assert not journal_stream(f, {})
    assert not journal_stream(io.StringIO(), {"JOURNAL_STREAM": "1:2"})


def test_startup_config_errors_are_errors_in_the_journal(tmp_path: Path) -> None:
    config = tmp_path / "kpimon.toml"
    config.write_text('timezone = "Mars/Olympus"\nbogus = 1\n', encoding="utf-8")
    err_path = tmp_path / "stderr"
    with err_path.open("w") as err:
        st = os.fstat(err.fileno())
        env = env_for_child(JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        run = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(config), "run"],
                             env=env, stdout=subprocess.DEVNULL, stderr=err, timeout=60,
                             stdin=subprocess.DEVNULL)
    assert run.returncode == 2
    lines = err_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all(line.startswith("<3>") for line in lines), lines
