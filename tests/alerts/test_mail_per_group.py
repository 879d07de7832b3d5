"""One mail per firing group: alerts of one rule (group_by = ["rule"]) go out together, another
rule's in a mail of its own, each to every address of the receiver; nothing more while nothing
changes."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.bench import at


def test_one_mail_per_firing_group(bench, smtp) -> None:  # type: ignore[no-untyped-def]
    b = bench()
    t0 = at("2026-11-10 10:00")
    b.record("calls", 0.5, t0)
    b.record("budget", -100, t0)
    b.record("hme", 50, t0)
    assert b.tick(t0) == 2
    mails = {m.message["Subject"]: m for m in smtp.wait_for(2)}
    assert set(mails) == {
        "[kpimon] 2 indikatorer under mål: Andel samtal besvarade inom 20 s, "
        "Budgetavvikelse, tkr",
        "[kpimon] 1 indikator under mål: Medarbetarengagemang",
    }
    two = mails["[kpimon] 2 indikatorer under mål: Andel samtal besvarade inom 20 s, "
                "Budgetavvikelse, tkr"]
    assert sorted(two.rcpt_tos) == ["chef@kommun.example", "desk@kommun.example"]
    assert two.mail_from == "kpimon@kommun.example"
    msg = two.message
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part, target in ((text, ">= 0.70"), (html, "&gt;= 0.70")):
        assert "50,0\u00a0%" in part and "-100" in part and target in part
        assert "https://kpimon.kommun.example/" in part
    assert msg["Message-ID"].endswith("@kommun.example>")
    assert msg["Auto-Submitted"] == "auto-generated"

    # Nothing changes: no mail, however often the job runs.
    for minutes in (1, 2, 30):
        assert b.tick(t0 + timedelta(minutes=minutes)) == 0
    assert len(smtp.messages) == 2
    sent = [n for n in b.notifications() if n.status == "sent"]
    assert len(sent) == 2 and all(n.result == "250 2.0.0 Ok: queued as TEST1" for n in sent)
