"""Errors a person can act on, from the command line: a bad `--log-level` is a usage error;
an unknown source or indicator is named with the valid ones; a port in use names the address
and `[http] listen`; output cut short by `| head` ends quietly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kpimon.cli import main
from tests.fixtures.board.kit import Board

REPO = Path(__file__).resolve().parents[2]
INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"

[[indicators]]
id = "hme"
kind = "manual"
"""


@pytest.fixture
def board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, f"sqlite:///{tmp_path}/kpimon.db", capsys)
    b.configure(INDICATORS)
    return b


def test_a_log_level_that_does_not_exist_is_a_usage_error(
        board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(board.cfg), "--log-level", "VERBOSE", "check-config"]) == 2
    err = capsys.readouterr().err
    assert "--log-level: 'VERBOSE' is not a log level: use one of DEBUG, INFO, WARNING, " \
           "ERROR" in err
    assert "Traceback" not in err
    assert main(["--config", str(board.cfg), "--log-level", "debug", "check-config"]) == 0


def test_unknown_ids_are_listed_with_the_valid_ones(board: Board) -> None:
    rc, _out, err = board.run("explain", "resp_30")
    assert rc == 2
    assert err.strip() == ("kpimon: no indicator named 'resp_30' (did you mean \"resp_30m\"?); "
                           "the indicators are: resp_30m, hme")
    rc, _out, err = board.run("collect", "exprot")
    assert rc == 2
    assert err.strip() == ("kpimon: no source named 'exprot' (did you mean \"export\"?); "
                           "the sources are: export")
    for args in (("import", "nope", str(board.cfg)), ("rejects", "nope")):
        rc, _out, err = board.run(*args)
        assert rc == 2 and "the sources are: export" in err, args
    rc, _out, err = board.run("record", "resp_30m", "2020", "1")
    assert rc == 2 and "resp_30m is a response_within indicator, not manual; the manual ones " \
        "are: hme" in err


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.timeout(60)
def test_a_port_in_use_names_the_address_and_the_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = tmp_path / "kpimon.toml"
        cfg.write_text(f'database = "sqlite:///{tmp_path}/k.db"\n[http]\n'
                       f'listen = "127.0.0.1:{port}"\n', encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(cfg), "run"],
                             capture_output=True, text=True, env=_env(), timeout=50)
    assert run.returncode == 1, run.stderr
    assert f"cannot listen on 127.0.0.1:{port}: address already in use; another program " \
           "(perhaps another kpimon) has that port; set another address in [http] listen " \
           f"({cfg})" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args", [["check-config"], ["kpis", "--format", "csv"],
                                  ["kpis", "--period", "2020"]])
def test_a_reader_that_stops_early_ends_quietly(board: Board, args: list[str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "kpimon", "--config", str(board.cfg), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=50) == 0, err
    assert err == ""
