"""bench/mailsink.py, the demo's SMTP sink: a mail sent to it is saved whole as an .eml file,
and it stops on SIGTERM."""

from __future__ import annotations

import email
import email.policy
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from tests.alerts.smtp_server import free_port

SINK = Path(__file__).resolve().parents[2] / "bench" / "mailsink.py"


def test_saves_each_mail(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "mail"
    proc = subprocess.Popen([sys.executable, str(SINK), "--port", str(port), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        assert "saving mail sent to 127.0.0.1" in proc.stdout.readline()
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "k@demo.invalid", "s@demo.invalid", "Hej å"
        msg.set_content("brödtext")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.send_message(msg)
            s.send_message(msg)
        deadline = time.monotonic() + 10
        while len(list(out.glob("*.eml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        files = sorted(out.glob("*.eml"))
        assert [f.name[:5] for f in files] == ["0001-", "0002-"]
        saved = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert saved["Subject"] == "Hej å" and saved.get_content().strip() == "brödtext"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
