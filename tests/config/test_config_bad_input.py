"""Bad bytes, bad numbers and configurations that used to fail only once running: each is a
list of errors and exit 2 from `run` and from `check-config`, with no traceback, before any
port is bound or any database file is made."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kpimon.cli import main

SOURCE = """
[[sources]]
name = "export"
kind = "ticket_csv"
path = "{dir}/*.csv"
every = "{every}"
{extra}
"""
REST = """
[[sources]]
name = "efecte"
kind = "efecte_rest"
url = "https://efecte.example/rest-api/itsm/v1"
templates = ["incident"]
every = "5m"
username = "kpimon"
password_file = "{secret}"
fields = {{ id = "id", created = "c", status = "s", priority = "p", updated = "u" }}
values.priority = {{ a = "acute" }}
values.status = {{ b = "new" }}
"""


def _source(every: str = "5m", extra: str = "") -> str:
    return SOURCE.format(dir="{dir}", every=every, extra=extra)


# name → (file bytes or text, a fragment the error list must hold)
CASES: dict[str, tuple[str | bytes, str]] = {
    "latin1": ('orgs = ["Lax\xe5"]\n'.encode("latin-1"), "not UTF-8 text: byte 0xe5 on line"),
    "one_byte": (b"\x89", "not UTF-8 text: byte 0x89 on line 1"),
    "nesting": ("x = " + "[" * 1200 + "]" * 1200 + "\n", "nested too deeply"),
    "nesting_40": ("x = " + "[" * 40 + "]" * 40 + "\n", "[0][0]: nested more than 32 levels deep"),
    "listen": ('[http]\nlisten = "127.0.0.1:\u00b2"\n', "http.listen: '127.0.0.1:²' is not"),
    "duration_400_digits": (_source(every="1" * 400 + "s"), "sources[0].every: '1111"),
    "integer_5000_digits": ("retention_years = " + "5" * 5000 + "\n",
                            "not valid TOML: a number with too many digits"),
    "integer_huge": ("retention_years = " + "5" * 4000 + "\n",
                     "retention_years: the number is too large"),
    "timeout_nan": (_source(extra="timeout = nan"), "sources[0].timeout: nan is not a finite"),
    "timeout_negative": (_source(extra="timeout = -1"),
                         "sources[0].timeout: must be more than 0"),
    "every_huge": (_source(every="1000000000d"), "sources[0].every: at most 3650d"),
    "compute_every_huge": ('compute_every = "99999999999999s"\n', "compute_every: at most 3650d"),
    "nul_in_path": (_source(extra='archive = "/tmp/a\\u0000b"\nafter = "archive"'),
                    "sources[0].archive: holds a NUL character"),
    "secret_not_utf8": (REST, "password_file: secret file {secret} is not UTF-8 text"),
    "secret_with_nul": (REST, "password_file: secret file {secret} holds a control character"),
    # Valid as a file, but what `run` builds from it cannot be built (before: the database was
    # migrated, then the web config failed).
    "web_config_missing": ('[http]\nlisten = "127.0.0.1:{port}"\n'
                           'web_config = "{dir}/no-such-web.yml"\n',
                           "http.web_config: {dir}/no-such-web.yml"),
}
SECRETS = {"secret_not_utf8": b"\xff\xfepass\xe5", "secret_with_nul": b"pa\x00ss\n"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write(tmp_path: Path, case: str) -> tuple[Path, str, Path, int]:
    content, expected = CASES[case]
    secret = tmp_path / "secret"
    secret.write_bytes(SECRETS.get(case, b"pass"))
    db = tmp_path / "db" / "kpimon.db"
    port = _free_port()
    head = f'database = "sqlite:///{db}"\n'
    if isinstance(content, bytes) or not content.startswith("[http]"):
        head += f'[http]\nlisten = "127.0.0.1:{port}"\n'
    if isinstance(content, bytes):
        data = content + b"\n" + head.encode()
    else:
        text = content.format(dir=tmp_path, secret=secret, port=port)
        data = (text + "\n" + head if not content.startswith("[http]") else head + text
                ).encode()
    cfg = tmp_path / "kpimon.toml"
    cfg.write_bytes(data)
    return cfg, expected.format(secret=secret, dir=tmp_path), db, port


@pytest.mark.timeout(30)
@pytest.mark.parametrize("command", ["run", "check-config"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_listed_error_and_exit_2(tmp_path: Path, case: str, command: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    cfg, expected, db, port = _write(tmp_path, case)
    assert main(["--config", str(cfg), command]) == 2
    err = capsys.readouterr().err
    assert "configuration error" in err and expected in err, err
    assert "Traceback" not in err
    assert not db.parent.exists()  # no database made
    with socket.socket() as s:  # and the port was never taken
        s.bind(("127.0.0.1", port))


@pytest.mark.timeout(60)
def test_run_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    cfg, expected, db, _port = _write(tmp_path, "one_byte")
    proc = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(cfg), "run"],
                          capture_output=True, text=True, timeout=50)
    assert proc.returncode == 2
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not db.parent.exists()
