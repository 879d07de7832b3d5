"""Durations written `<n><unit>` (DESIGN §6): `30m`, `2h`, `20s`, `2d`, `1w`, `1mo`."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}
_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mo|s|m|h|d|w)\s*$")


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
    """Parse `<n><unit>`; raises ValueError with a readable message."""
    m = _RE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h, 2d, 1w or 1mo")
    return Duration(float(m.group(1)), m.group(2), str(text).strip())
