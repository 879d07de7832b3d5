"""CR/LF and HTML in what reaches a mail — an indicator's name, an annotation, a source's
error text (a file name) and a ticket id — inject nothing: no extra header, a one-line
subject, no line of their own in the text part, and escaped in the HTML part."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.alerts.bench import at
from tests.sources.ticket_csv_files import csv_text, row

EVIL = "\r\nBcc: evil@example.com\r\n\r\n<script>alert(1)</script><b>x</b>"
EVIL_TOML = EVIL.replace("\r", "\\r").replace("\n", "\\n")

INDICATORS = f"""
[[indicators]]
id = "calls"
name = "Samtal{EVIL_TOML}"
kind = "manual"
unit = "ratio"
target = ">= 0.70"
"""

RULES = f"""
[[alerts.rules]]
id = "below"
kind = "indicator_status"
indicator = "calls"
annotations = {{ summary = "Se{EVIL_TOML}" }}

[[alerts.rules]]
id = "old"
kind = "open_older"
limit = "30d"

[[alerts.rules]]
id = "down"
kind = "source_failing"
source = "broken"
"""

SOURCES = """
[[sources]]
name = "broken"
kind = "ticket_csv"
every = "5m"
path = "{folder}/tickets.csv/x{evil}/*.csv"
values.priority = {{ "3. Normal" = "normal" }}
values.status = {{ "02 - Pågår" = "in_progress" }}

[[sources]]
name = "export"
kind = "ticket_csv"
every = "5m"
path = "{folder}/*.csv"
settle = "0s"
values.priority = {{ "3. Normal" = "normal" }}
values.status = {{ "02 - Pågår" = "in_progress", "07 - Stängd" = "closed" }}
values.kind = {{ "Incident" = "incident" }}
"""


def _check(msg: EmailMessage) -> None:
    assert msg.get("Bcc") is None
    assert sorted(k.lower() for k in msg.keys()) == sorted(
        ["from", "to", "subject", "date", "message-id", "auto-submitted", "mime-version",
         "content-type"])
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert not any(line.lstrip().startswith(("Bcc:", "<script>")) for line in
                   text.splitlines())
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>x</b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


def test_nothing_injects(bench, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "drop"
    folder.mkdir()
    ticket_id = "T1\r\nBcc: evil@example.com <script>x</script>"
    (folder / "tickets.csv").write_text(csv_text([row(
        ticket_id, status="02 - Pågår", created="2020-01-02 08:00", first_response="",
        resolved="", closed="", line="", solution="", updated="2020-01-02 08:00")]),
        encoding="utf-8")
    b = bench(indicators=INDICATORS, rules=RULES,
              sources=SOURCES.format(folder=folder, evil=EVIL_TOML))
    [ok] = b.app.collect(["export"])
    assert ok.ok and ok.counts.inserted == 1
    t0 = at("2020-03-10 12:00")
    b.record("calls", 0.5, t0)
    assert b.tick(t0) == 2
    # `broken` reads a folder that does not exist and cannot be created (it would be under a
    # file), whose name carries the payload: the
    # source's error text (shown in its mail) has it, CR/LF and all.
    [failed] = b.app.collect(["broken"])
    assert not failed.ok and "\r\nBcc: evil@example.com" in (failed.error or "")
    assert b.tick(t0 + timedelta(minutes=1)) == 1
    mails = smtp.wait_for(3)
    subjects = [m.message["Subject"] for m in mails]
    assert any(s.startswith("[kpimon] 1 indikator under mål: Samtal") for s in subjects)
    assert "[kpimon] 1 öppet ärende äldre än 30d" in subjects
    assert "[kpimon] 1 källa fungerar inte: broken" in subjects
    for m in mails:
        _check(m.message)
    ids = [m.message for m in mails if "äldre" in m.message["Subject"]][0]
    assert "T1 Bcc: evil@example.com &lt;script&gt;x&lt;/script&gt;" in \
        ids.get_body(("html",)).get_content()
