"""The mail itself: English with `language = "en"`, a template folder in the config replacing
a shipped template, and a long non-ASCII subject that survives encoding word for word."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from kpimon.alerts.mail import build_message
from tests.alerts.bench import at


def test_english(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench(top='language = "en"')
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    b.tick(t0)
    msg = smtp.wait_for(1)[0].message
    assert msg["Subject"] == "[kpimon] 1 indicator below target: Andel samtal besvarade inom 20 s"
    text = msg.get_body(("plain",)).get_content()
    assert "New alert from kpimon:" in text and "Value:        50.0\u00a0% for 2026-11" in text
    assert "Target:       >= 0.70: not achieved" in text
    assert '<html lang="en">' in msg.get_body(("html",)).get_content()


def test_template_folder_overrides(bench, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "subject.sv.txt").write_text(
        "LARM {{ firing|length }}: {{ firing|map(attribute='title')|join(' / ') }}\n",
        encoding="utf-8")
    b = bench(alerts=f'templates = "{folder}"')
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    b.record("budget", -1, t0)
    b.tick(t0)
    msg = smtp.wait_for(1)[0].message
    assert msg["Subject"] == "LARM 2: Andel samtal besvarade inom 20 s / Budgetavvikelse, tkr"
    assert "Nya larm från kpimon" in msg.get_body(("plain",)).get_content()  # shipped body


def test_long_subject_keeps_every_space() -> None:
    subject = ("[kpimon] 3 mål går inte längre att nå: Andel samtal besvarade inom 20 s "
               "(servicenivå 1), Lösta ärenden utan lösningstext, Ärenden som inte gått Ny → "
               "Pågår → Avklarad")
    raw = build_message(from_addr="kpimon – Servicedesk <kpimon@kommun.example>",
                        to=["a@kommun.example", "Åsa <b@kommun.example>"], subject=subject,
                        text="Värde: 66,6 %\n" + "lång rad " * 30, html="<p>å</p>",
                        msgid="<1.kpimon@kommun.example>", now=1_700_000_000)
    raw.decode("ascii")  # 7-bit on the wire
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == subject
    assert msg["From"] == "kpimon – Servicedesk <kpimon@kommun.example>"
    assert msg["To"] == "a@kommun.example, Åsa <b@kommun.example>"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Värde: 66,6 %\nlång rad")
