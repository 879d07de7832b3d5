"""Label matchers, as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`,
`name!~regex`. A regular expression must match the whole value (it is anchored)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

OPS = ("=~", "!~", "!=", "=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Matcher = tuple[str, str, str]  # (label, op, value)


def parse_matcher(text: str) -> Matcher:
    """`rule=calls_low`, `severity!=info`, `indicator=~calls_.*`; raises ValueError."""
    m = re.fullmatch(r"\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*", text)
    if not m:
        raise ValueError(f"{text!r} is not a matcher like name=value, name!=value, "
                         "name=~regex or name!~regex")
    name, op, value = m.groups()
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a label name (letters, digits and _)")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as e:
            raise ValueError(f"{text!r}: not a regular expression: {e}") from None
    return (name, op, value)


def format_matcher(m: Matcher) -> str:
    return f"{m[0]}{m[1]}{m[2]}"


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher holds for `labels` (a missing label is the empty string)."""
    for name, op, value in matchers:
        have = labels.get(name, "")
        if op == "=":
            ok = have == value
        elif op == "!=":
            ok = have != value
        else:
            ok = re.fullmatch(value, have) is not None
            if op == "!~":
                ok = not ok
        if not ok:
            return False
    return True
