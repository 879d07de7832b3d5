"""Notification mail: subject, plain text and HTML from Jinja2 templates, as one MIME message.

The templates ship in `kpimon/alerts/templates/` as `subject.LANG.txt`, `body.LANG.txt` and
`body.LANG.html` (LANG `sv` or `en`, from the top-level `language`), plus `test.LANG.txt` for
`kpimon alerts test`. A folder given as `[alerts] templates` is searched first, so a file of
the same name there replaces the shipped one.

Nothing in a value can change the message's shape: HTML templates are autoescaped; every
printed value has its control characters (CR, LF, …) turned into spaces before it is escaped,
so a value cannot start a new line or header; and each header is cleaned once more when the
message is built. Ticket ids are shown, never names or free text (none are stored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from secrets import token_hex
from typing import Any, cast
from zoneinfo import ZoneInfo

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    select_autoescape,
)
from markupsafe import Markup

from kpimon.store.alerts import AlertRow

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
UNIT_SYMBOLS = {"seconds": "s", "minutes": "min", "hours": "h", "days": "d"}
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def one_line(value: Any) -> Any:
    """Control characters (CR, LF, NUL, …) become one space. Markup (what a macro or the
    template itself made, its values already cleaned) and non-strings pass unchanged."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _CONTROL.sub(" ", value)
    return value


def clean_header(value: str, limit: int = 900) -> str:
    """A header value: one line, no control characters, at most `limit` characters."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class MailAlert:
    """One alert as the templates see it."""

    rule: str
    kind: str
    state: str
    title: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    details: Mapping[str, Any]
    fired_at: int | None
    resolved_at: int | None
    mutes: list[str] = field(default_factory=list)  # titles of the alerts it mutes
    new: bool = False  # not in the group's previous notification


def alert_title(row: AlertRow, kind: str | None, language: str) -> str:
    """What an alert is about, in a few words: the indicator's name, the source, …"""
    d = row.details
    if d.get("name"):
        return str(d["name"])
    if "source" in row.labels:
        return row.labels["source"]
    if kind == "open_older":
        limit = d.get("limit", "")
        return (f"Öppna ärenden äldre än {limit}" if language == "sv"
                else f"Open tickets older than {limit}")
    if kind == "reload_failed":
        return "Konfigurationen" if language == "sv" else "The configuration"
    return row.labels.get("indicator") or row.rule


class MailRenderer:
    """Renders notifications and builds their MIME messages in one language."""

    def __init__(self, language: str, tz: ZoneInfo, template_dir: str | None = None,
                 external_url: str | None = None):
        self.language = language
        self.tz = tz
        self.external_url = external_url.rstrip("/") + "/" if external_url else None
        loaders: list[Any] = [PackageLoader("kpimon.alerts", "templates")]
        if template_dir:
            loaders.insert(0, FileSystemLoader(template_dir))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",),
                                         default_for_string=True, default=False),
            finalize=one_line, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True)
        self.env.filters.update(value=self.value, share=self.share, dur=self.duration,
                                when=self.when)

    # ------------------------------------------------------------------ formatting

    def _number(self, x: float, decimals: int) -> str:
        text = f"{x:,.{decimals}f}".replace(",", "\u00a0")
        return text.replace(".", ",") if self.language == "sv" else text

    def share(self, x: Any) -> str:
        if x is None:
            return "–"
        return f"{self._number(float(x) * 100, 1)}\u00a0%"

    def value(self, x: Any, unit: str) -> str:
        """A value in its display unit: percent for shares, whole counts, else the unit."""
        if x is None:
            return "–"
        if unit == "ratio":
            return self.share(x)
        if unit == "count":
            return self._number(float(x), 0 if float(x).is_integer() else 1)
        return f"{self._number(float(x), 1)}\u00a0{UNIT_SYMBOLS.get(unit, unit)}"

    def duration(self, seconds: Any) -> str:
        """Elapsed seconds for people: `45 min`, `3 h 20 min`, `12 d 4 h`."""
        if seconds is None:
            return "–"
        s = int(seconds)
        d, rem = divmod(s, 86400)
        h, rem = divmod(rem, 3600)
        m = rem // 60
        if d:
            return f"{d}\u00a0d {h}\u00a0h" if h else f"{d}\u00a0d"
        if h:
            return f"{h}\u00a0h {m}\u00a0min" if m else f"{h}\u00a0h"
        return f"{m}\u00a0min" if m else f"{s}\u00a0s"

    def when(self, ts: Any) -> str:
        if ts is None:
            return "–"
        return datetime.fromtimestamp(int(ts), UTC).astimezone(self.tz).strftime(
            "%Y-%m-%d %H:%M")

    # ------------------------------------------------------------------ rendering

    def render(self, firing: list[MailAlert], resolved: list[MailAlert], reason: str,
               now: int) -> tuple[str, str, str]:
        """Subject, plain text and HTML of one notification."""
        kinds = sorted({a.kind for a in firing} or {a.kind for a in resolved})
        context = {"firing": firing, "resolved": resolved, "reason": reason,
                   "kind": kinds[0] if len(kinds) == 1 else None, "now": now,
                   "external_url": self.external_url}
        lang = self.language
        subject = self.env.get_template(f"subject.{lang}.txt").render(context)
        text = self.env.get_template(f"body.{lang}.txt").render(context)
        html = self.env.get_template(f"body.{lang}.html").render(context)
        return clean_header(subject, 250), text, html

    def render_test(self, relay: str, now: int) -> tuple[str, str]:
        """Subject and text of `kpimon alerts test`'s mail."""
        text = self.env.get_template(f"test.{self.language}.txt").render(
            {"relay": relay, "now": now, "external_url": self.external_url})
        first, _, rest = text.partition("\n")
        return clean_header(first), rest.lstrip("\n")


def message_id(ident: int, from_addr: str) -> str:
    """A Message-ID for notification `ident`, made once and stored with it, so every attempt
    (and a duplicate after a crash inside a send) carries the same one. The random part keeps
    the ids of two stores sending from the same domain apart; it is short and of a fixed
    length (`build_message` writes the header unfolded, whatever its length)."""
    domain = parseaddr(from_addr)[1].rpartition("@")[2] or "kpimon.invalid"
    return f"<kpimon.{ident}.{token_hex(8)}@{clean_header(domain, 200)}>"


def build_message(*, from_addr: str, to: list[str], subject: str, text: str,
                  html: str | None, msgid: str, now: int) -> bytes:
    """multipart/alternative (text, HTML) or a single text part, as the bytes to send: ASCII,
    CRLF line ends, quoted-printable bodies, RFC 2047 words for non-ASCII headers.

    Built with the classic `email.mime` API: the newer folder of `email.policy` drops the
    space between two encoded words when it splits a long non-ASCII subject ("Lösta
    ärenden" came out "Löstaärenden"); `Header` keeps it inside the words.
    """
    body: Message = _text_part(text, "plain")
    if html is not None:
        alternative = MIMEMultipart("alternative")
        alternative.attach(body)
        alternative.attach(_text_part(html, "html"))
        body = alternative
    body["From"] = _address(from_addr)
    body["To"] = ", ".join(_address(a) for a in to)
    # A compat32 message takes a Header object here (the type stubs only know str).
    body["Subject"] = cast(str, _header("Subject", clean_header(subject)))
    body["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    body["Message-ID"] = cast(str, _OneLine(clean_header(msgid)))
    # RFC 3834: machine-made, so vacation responders keep quiet.
    body["Auto-Submitted"] = "auto-generated"
    return body.as_bytes(policy=compat32.clone(linesep="\r\n"))


class _OneLine:
    """A header value written as it is (compat32 takes any object with Header's `encode`): a
    msg-id is one token, which the folder would move onto a continuation line of its own when
    the line gets long — legal, but read back with a leading space by some parsers, and so no
    longer equal to the id stored with the notification. A msg-id of ours stays far below the
    998 characters a line may have."""

    def __init__(self, value: str):
        self.value = value

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None,
               splitchars: str = "") -> str:
        return self.value

    def __str__(self) -> str:
        return self.value


def _text_part(text: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype)
    cs = Charset("utf-8")
    cs.body_encoding = QP  # readable in the raw message, and 7-bit on the wire
    part.set_payload(text, cs)
    return part


def _header(name: str, value: str) -> Header | str:
    # The name, so that the first line's words leave room for "Subject: ".
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def _address(text: str) -> str:
    """`Name <a@b>` with the name encoded if it needs to be; one line, no control
    characters."""
    name, addr = parseaddr(clean_header(text))
    return formataddr((name, addr), charset="utf-8") if addr else clean_header(text)
