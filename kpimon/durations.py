"""Durations written `<n><unit>` (docs/configuration.md): `30m`, `2h`, `20s`, `2d`, `1w`, `1mo`."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}
#: The longest duration anything accepts (ten years): every schedule, timer and clock built
#: from a duration stays far inside what datetime, the scheduler and the database can hold.
MAX_SECONDS = 3650 * 86400
# Digits are bounded so that a long run of them is "not a duration" rather than an infinite
# float or a conversion error.
_RE = re.compile(r"^\s*(\d{1,20}(?:\.\d{1,9})?)\s*(mo|s|m|h|d|w)\s*$")


@dataclass(frozen=True)
class Duration:
    """A parsed duration; `seconds()` resolves it for a calendar's day length."""

    n: float
    unit: str
    text: str

    def seconds(self, day_length: int | None = None) -> int:
        """Whole seconds; with a business `day_length`, `d` means that many business seconds."""
        if day_length is not None:
            if self.unit in ("w", "mo"):
                raise ValueError(
                    f"{self.text!r}: '{self.unit}' has no meaning in a business calendar")
            if self.unit == "d":
                return round(self.n * day_length)
        return round(self.n * UNIT_SECONDS[self.unit])


def parse_duration(text: str) -> Duration:
    """Parse `<n><unit>`, at most 3650 days; raises ValueError with a readable message."""
    text = str(text)
    m = _RE.match(text)
    if not m:
        raise ValueError(f"{_shown(text)} is not a duration like 30s, 5m, 2h, 2d, 1w or 1mo")
    n, unit = float(m.group(1)), m.group(2)
    if n * UNIT_SECONDS[unit] > MAX_SECONDS:
        raise ValueError("at most 3650d")
    return Duration(n, unit, text.strip())


def _shown(text: str) -> str:
    """The text for a message, cut short: a message must stay readable whatever was typed."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
