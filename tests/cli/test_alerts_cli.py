"""`kpimon alerts list | silence MATCHER… (--duration D | --until T) --comment TEXT
[--author NAME] | unsilence ID | test [--to ADDRESS]` (DESIGN §9, §11a)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kpimon.cli import main
from tests.alerts.bench import Bench, write_config
from tests.alerts.smtp_server import SmtpServer, free_port


def test_silence_list_unsilence(tmp_path: Path, db_url: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, db_url, free_port())
    b = Bench(path)
    try:
        b.record("calls", 0.5)
        b.evaluate(datetime.now(UTC))
    finally:
        b.close()
    args = ["--config", str(path), "alerts"]
    assert main([*args, "silence", "rule=below_target", "indicator=~call.*", "--duration",
                 "2h", "--comment", "Växeln byts", "--author", "anna"]) == 0
    out = capsys.readouterr().out
    m = re.fullmatch(r"silence #(\d+): rule=below_target indicator=~call\.\* until "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d\n", out)
    assert m, out
    sid = int(m.group(1))
    assert main([*args, "list"]) == 0
    out = capsys.readouterr().out
    assert "below_target" in out and "indicator_status" in out
    assert re.search(r"firing\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+below_target\s+Andel samtal "
                     rf"besvarade inom 20 s  \[silenced by #{sid}\]", out), out
    assert re.search(rf"#{sid}\s+.* rule=below_target indicator=~call\.\*  by anna: "
                     "Växeln byts", out), out
    assert main([*args, "unsilence", str(sid)]) == 0
    assert capsys.readouterr().out == f"silence #{sid} ended\n"
    assert main([*args, "unsilence", str(sid)]) == 1
    assert f"no active silence #{sid}" in capsys.readouterr().err
    assert main([*args, "list"]) == 0
    assert "silenced" not in capsys.readouterr().out

    until = (datetime.now(UTC) + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M%z")
    assert main([*args, "silence", "team=servicedesk", "--until", until, "--comment",
                 "x"]) == 0


@pytest.mark.parametrize("extra", [
    ["rule", "--duration", "1h", "--comment", "x"],                   # not a matcher
    ["rule=x", "--duration", "1h"],                                   # no comment
    ["rule=x", "--duration", "1h", "--until", "2099-01-01", "--comment", "x"],  # both
    ["rule=x", "--comment", "x"],                                     # neither
    ["rule=x", "--duration", "soon", "--comment", "x"],
    ["rule=x", "--until", "2001-01-01 10:00", "--comment", "x"],      # in the past
    ["rule=x", "--until", "0001-01-01", "--comment", "x"],            # no such moment
    ["rule=x", "--until", "2099-01-01T10:00+99:99", "--comment", "x"],  # no such offset
    ["rule=x", "--duration", "1h", "--comment", "   "],
])
def test_bad_silences_exit_2(tmp_path: Path, extra: list[str]) -> None:
    path = write_config(tmp_path, f"sqlite:///{tmp_path}/k.db", free_port())
    assert main(["--config", str(path), "alerts", "silence", *extra]) == 2


def test_test_mail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SmtpServer() as smtp:
        path = write_config(tmp_path, f"sqlite:///{tmp_path}/k.db", smtp.port)
        assert main(["--config", str(path), "alerts", "test", "--to",
                     "ops@kommun.example"]) == 0
        out = capsys.readouterr().out
        assert out == (f"test mail to ops@kommun.example via 127.0.0.1:{smtp.port}: "
                       "250 2.0.0 Ok: queued as TEST1\n")
        [mail] = smtp.messages
        assert mail.rcpt_tos == ["ops@kommun.example"]
        assert mail.message["Subject"] == "[kpimon] Testmeddelande"
        assert "testmeddelande från kpimon" in mail.message.get_content()
        # Without --to: every address of the e-mail receivers.
        assert main(["--config", str(path), "alerts", "test"]) == 0
        assert sorted(smtp.wait_for(2)[1].rcpt_tos) == ["chef@kommun.example",
                                                        "desk@kommun.example"]
        assert main(["--config", str(path), "alerts", "test", "--to", "no address"]) == 2


def test_test_mail_relay_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, f"sqlite:///{tmp_path}/k.db", free_port())
    assert main(["--config", str(path), "alerts", "test"]) == 1
    assert "test mail to chef@kommun.example, desk@kommun.example failed: 127.0.0.1:" in \
        capsys.readouterr().err


def test_test_mail_without_relay(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text(f'database = "sqlite:///{tmp_path}/k.db"\n', encoding="utf-8")
    assert main(["--config", str(path), "alerts", "test"]) == 2
