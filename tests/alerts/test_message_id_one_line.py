"""A notification's Message-ID stays on one header line, whatever its random part, so the
mail parsed back carries exactly the id stored with the notification (the id email.utils
made was at times folded onto a second line, and read back with a leading space)."""

from __future__ import annotations

import email
import email.policy

from kpimon.alerts.mail import build_message, message_id


def test_message_id_is_one_line_and_reads_back_exactly() -> None:
    for sender in ("kpimon@kommun.example", "kpimon <kpimon@servicedesk.kommun-exempel.se>"):
        for ident in (1, 987_654_321_012):
            seen = set()
            for _ in range(200):
                msgid = message_id(ident, sender)
                seen.add(msgid)
                raw = build_message(from_addr=sender, to=["a@kommun.example"], subject="s",
                                    text="t", html=None, msgid=msgid, now=1_700_000_000)
                line = next(ln for ln in raw.split(b"\r\n") if ln.startswith(b"Message-ID:"))
                assert line == b"Message-ID: " + msgid.encode("ascii")
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                assert parsed["Message-ID"] == msgid
            assert len(seen) == 200  # a new random part each time
            assert all(m.startswith(f"<kpimon.{ident}.") for m in seen)
