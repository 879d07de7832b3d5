"""Secrets out of every text kpimon shows or keeps: the one redaction helper.

Log lines (`logs.Redact`), the HTTP helper's errors, a collection run's error (what the status
page, `kpimon collect` and `collection_runs.error` show) and the places a file or a row is named
in the store (`imported_files.path`, `file_failures.path`, `rejects.location`) all go through
`redact`, each with the configuration's secrets (`Config.secrets`, handed down from `main()`
through the collector to the adapters and the store):

* every known secret (a source's password, a token it obtained, the secrets `url_secrets`
  finds in a configured URL) becomes `***`, the longest first;
* whatever the text says, the password of a URL's userinfo (`https://user:***@host/`), the
  value of a query parameter with a secret's name (`?token=***`, `access_token`, `apikey`,
  `key`, `password`, `secret`, `sig`, `signature`, `auth`, …), an `Authorization` scheme's
  credentials (`Bearer ***`, `Basic ***`) and a JSON `"password"`/`"token"` value.

A URL's query may carry a token under any name (`?t=${EXPORT_TOKEN}`); `url_secrets` therefore
also counts every query value of 16 characters or more of a configured URL as a secret, and
the configuration loader counts every value it took from the environment or a secret file
(`kpimon.config.loader.taken_secrets`, at least MIN_SECRET_LENGTH characters) as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

REDACTED = "***"

_SECRET_KEYS = (r"(?:access_?token|refresh_?token|id_?token|token|api_?key|apikey|key|"
                r"client_?secret|secret|password|passwd|pwd|pass|sig|signature|auth|"
                r"authorization|credentials?|session|sessionid|jwt)")
_PATTERNS = (
    # userinfo: scheme://user:password@host (the user stays, it helps and is no secret)
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^@\s/]*@"), r"\1" + REDACTED + "@"),
    # a query or form parameter with a secret's name
    (re.compile(r"(?i)([?&;]" + _SECRET_KEYS + r"=)[^&#\s'\"]*"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b(password=)[^&\s'\"]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + REDACTED),
    (re.compile(r"(?i)(\"(?:password|token|access_token|jwt)\"\s*:\s*\")[^\"]*"),
     r"\1" + REDACTED),
)
LONG_QUERY_VALUE = 16
#: A secret known by value is masked from this length on: a shorter one would hide every such
#: letter or digit group in every text (the patterns above still mask it in a URL's userinfo,
#: under a secret's name and in an Authorization header).
MIN_SECRET_LENGTH = 4


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret in `secrets`, and every secret-looking part, as `***`."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        if s in text:
            text = text.replace(s, REDACTED)
    if "=" in text or "@" in text or "earer" in text or "asic" in text or "\"" in text:
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
    return text


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The secrets a configured URL carries: its userinfo password, and the values of its
    query parameters that have a secret's name or are 16 characters or longer — each as
    written and as it travels (percent-encoded), so either form is found in a message."""
    if not url:
        return ()
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL at all: nothing to find in it
        return ()
    found: list[str] = []
    if password:
        found += [password, unquote(password)]
    secret_key = re.compile(_SECRET_KEYS + "$", re.IGNORECASE)
    for pair in re.split(r"[&;]", parts.query):
        key, _, raw = pair.partition("=")
        value = unquote_plus(raw)
        if value and (secret_key.match(unquote_plus(key)) or len(value) >= LONG_QUERY_VALUE):
            # as written in the configuration, as decoded, and as requests sends it
            found += [raw, *encoded_forms(value)]
    return tuple(dict.fromkeys(s for s in found if len(s) >= 3))


def encoded_forms(value: str) -> tuple[str, ...]:
    """`value` as it is, and as it travels in a URL (percent-encoded, `+` for a space), so
    either form is found in a message."""
    return tuple(dict.fromkeys([value, quote(value, safe=""), quote(value, safe="/"),
                                quote_plus(value)]))


def url_label(url: str, secrets: Iterable[str] = ()) -> str:
    """How a fetched file is named where it is kept (imported files, rejects, logs): the URL
    without its userinfo and its query, which may carry a password or a token, and with
    every secret in `secrets` (the configuration's, `Config.secrets`) masked in what is left —
    a token taken from the environment may sit in the path (`/api/${TOKEN}/export.csv`)."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    return redact(re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", head), secrets)
