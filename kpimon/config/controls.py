"""`[[controls]]`: the internal-control plan as data (the board's internkontrollplan).

Each control point has a risk (category = `area`, `probability` and `consequence` 1–4, risk
value = their product), a control moment, a method, who is responsible, and the dates of its
follow-up occasions. A control with `indicators = [...]` and `thresholds = { minor = N,
major = M }` gets its status at each occasion from those indicators (the worst of them: a
value ≥ major → major deviations, ≥ minor → minor, else none); the others are recorded with
`kpimon control record` or a CSV drop of the manual source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kpimon.config.parsing import Errors, Section

#: The four areas of an internal-control plan, in the order the report follows.
AREAS = ("Administration", "Ekonomi", "Personal", "Verksamhetsspecifik")
_KEYS = {"id", "area", "risk", "probability", "consequence", "moment", "method", "responsible",
         "occasions", "indicators", "thresholds"}


@dataclass(frozen=True)
class ControlConfig:
    """One control point of the plan."""

    id: str
    area: str
    risk: str
    probability: int
    consequence: int
    moment: str = ""
    method: str = ""
    responsible: str = ""
    occasions: tuple[date, ...] = ()
    indicators: tuple[str, ...] = ()
    minor: float | None = None
    major: float | None = None

    @property
    def risk_value(self) -> int:
        return self.probability * self.consequence

    def occasion(self, text: str) -> date:
        """An occasion by its date (`2020-06-30`) or its number (`2`, from 1); ValueError."""
        s = text.strip()
        if s.isdigit():
            n = int(s)
            if not 1 <= n <= len(self.occasions):
                raise ValueError(f"control {self.id} has occasions 1–{len(self.occasions)}, "
                                 f"not {n}")
            return self.occasions[n - 1]
        try:
            d = date.fromisoformat(s)
        except ValueError:
            raise ValueError(f"{text!r} is neither an occasion date YYYY-MM-DD nor its "
                             "number") from None
        if d not in self.occasions:
            raise ValueError(f"{d} is not an occasion of control {self.id} ("
                             f"{', '.join(o.isoformat() for o in self.occasions)})")
        return d


def _level(sec: Section, key: str) -> int:
    value = sec.get(key, int, 1, required=True)
    if not isinstance(value, int) or not 1 <= value <= 4:
        sec.errors.add(sec.p(key), "must be 1, 2, 3 or 4")
        return 1
    return value


def parse_control(item: Any, path: str, indicator_ids: set[str], errors: Errors
                  ) -> ControlConfig | None:
    """One `[[controls]]` entry; its indicators must be configured."""
    if not isinstance(item, dict):
        errors.add(path, "expected a table")
        return None
    sec = Section(item, path, errors)
    sec.unknown(_KEYS, "a control")
    cid = sec.get("id", str, required=True)
    area = sec.get("area", str, required=True)
    if area is not None and area not in AREAS:
        errors.add(sec.p("area"), f"{area!r} is not one of {', '.join(AREAS)}")
    risk = sec.get("risk", str, required=True)
    probability = _level(sec, "probability")
    consequence = _level(sec, "consequence")
    occasions: list[date] = []
    for i, text in enumerate(sec.str_list("occasions")):
        try:
            occasions.append(date.fromisoformat(text))
        except ValueError:
            errors.add(f"{sec.p('occasions')}[{i}]", f"{text!r} is not a date YYYY-MM-DD")
    if len(set(occasions)) != len(occasions):
        errors.add(sec.p("occasions"), "a date is given twice")
    indicators = sec.str_list("indicators")
    for j, ident in enumerate(indicators):
        if ident not in indicator_ids:
            errors.add(f"{sec.p('indicators')}[{j}]", f"no indicator named {ident!r}")
    thresholds = sec.table("thresholds")
    thresholds.unknown({"minor", "major"}, "thresholds")
    minor = thresholds.get("minor", (int, float))
    major = thresholds.get("major", (int, float))
    if indicators and (minor is None or major is None):
        errors.add(sec.p("thresholds"), "a control with indicators needs thresholds "
                   "= { minor = N, major = M }")
    if not indicators and "thresholds" in item:
        errors.add(sec.p("thresholds"), "thresholds need `indicators`")
    if minor is not None and major is not None and minor > major:
        errors.add(sec.p("thresholds"), "minor must not be above major")
    if cid is None or area is None or risk is None:
        return None
    return ControlConfig(
        id=cid, area=area, risk=risk, probability=probability, consequence=consequence,
        moment=sec.get("moment", str, ""), method=sec.get("method", str, ""),
        responsible=sec.get("responsible", str, ""), occasions=tuple(sorted(occasions)),
        indicators=indicators,
        minor=float(minor) if minor is not None else None,
        major=float(major) if major is not None else None)
