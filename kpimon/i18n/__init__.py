"""Words, numbers, percents, dates and month names for people, in one language.

Every output people read (the status page, the explain pages, the board report and the
command line's table) formats through one `Formatter`, built from the configured `language`
(`sv`, the default, or `en`). Numbers, percents and dates come from Babel's CLDR data for
`sv_SE` (`71,4 %`, `108 539`, `4 december 2026`) or `en_GB`; words come from the one catalog
in `kpimon.i18n.messages`.

Shown precision never contradicts a status: a value is printed with as many decimals as it
takes for it to compare with its target bound or baseline the way the unrounded value does
(20.003 h against `<= 20` prints `20,003 h`, never `20,0 h`).
"""

from __future__ import annotations

import math
from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

from kpimon.i18n.messages import MESSAGES

# The formatter has methods named `date` and `datetime`: these names keep the types apart.
_Date = date
_DateTime = datetime

LANGUAGES = ("sv", "en")
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
#: Symbols beside every status word: the status is never told by colour alone.
SYMBOLS = {"achieved": "●", "partial": "◐", "not_achieved": "○", "no_value": "–",
           "no_target": "·", "none": "●", "minor": "◐", "major": "○", "not_started": "–"}
#: Decimals shown by default, per display unit (percent points for ratios).
DEFAULT_DECIMALS = {"ratio": 1, "count": 0, "seconds": 0, "minutes": 1, "hours": 1, "days": 1}
MAX_EXTRA_DECIMALS = 6
EPSILON = 1e-12  # as kpi/targets.py: equal within this counts as equal
_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def message(key: str, language: str) -> str:
    """The catalog's text for `key` in `language`; KeyError for an unknown key."""
    entry = MESSAGES[key]
    return entry.get(language) or entry["sv"]


class Formatter:
    """Formats for one language and time zone; cheap to build, safe to share."""

    def __init__(self, language: str = "sv", tz: tzinfo | None = None):
        if language not in LANGUAGES:
            raise ValueError(f"{language!r} is not one of {', '.join(LANGUAGES)}")
        self.language = language
        self.locale = Locale.parse(LOCALES[language])
        self.tz = tz
        pattern = self.locale.percent_formats[None].pattern  # '#,##0 %' (sv), '#,##0%' (en)
        self._percent_pattern = pattern

    # ---------------------------------------------------------------- words

    def t(self, key: str, **fields: Any) -> str:
        """The catalog text for `key`, with `{name}` fields filled in."""
        text = message(key, self.language)
        return text.format(**fields) if fields else text

    def status_word(self, status: str, goal: bool = False) -> str:
        return self.t(("goal." if goal else "status.") + status)

    def status(self, status: str, goal: bool = False) -> str:
        """Symbol and word: `● uppnådd`."""
        return f"{SYMBOLS.get(status, '')} {self.status_word(status, goal)}".strip()

    def control_status(self, status: str) -> str:
        return f"{SYMBOLS[status]} {self.t('control.' + status)}"

    def verdict(self, verdict: str) -> str:
        if verdict.startswith("only in "):
            return self.t("verdict.only_in", source=verdict[len("only in "):])
        key = "verdict." + verdict
        return self.t(key) if key in MESSAGES else verdict

    # ---------------------------------------------------------------- numbers

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with the locale's grouping and decimal sign: `108 539`, `71,13`."""
        fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return format_decimal(value, format=fmt, locale=self.locale)

    def integer(self, value: float | int) -> str:
        return self.number(round(value), 0)

    def plain(self, value: float) -> str:
        """A number with only the decimals it has (up to six): `71,13`, `90`, `0,5`."""
        return format_decimal(value, format="#,##0.######", locale=self.locale)

    def percent(self, ratio: float, decimals: int = 1) -> str:
        """A share as a percent: `71,4 %` (sv), `71.4%` (en)."""
        frac = "." + "0" * decimals if decimals > 0 else ""
        fmt = self._percent_pattern.replace("#,##0", "#,##0" + frac, 1)
        # A pattern with % multiplies by 100 itself.
        return format_decimal(ratio, format=fmt, locale=self.locale)

    def unit_suffix(self, unit: str) -> str:
        key = "unit." + unit
        return self.t(key) if key in MESSAGES else unit

    def decimals_for(self, value: float, unit: str, reference: float | None = None,
                     default: int | None = None) -> int:
        """The fewest decimals (at least the unit's default) at which `value` compares with
        `reference` as the unrounded numbers do: shown precision never contradicts a status."""
        scale = 100.0 if unit == "ratio" else 1.0
        if default is None:
            default = DEFAULT_DECIMALS.get(unit, 2)
            if unit not in DEFAULT_DECIMALS and float(value).is_integer():
                default = 0
            if unit == "count" and not float(value).is_integer():
                default = 2  # a count entered by hand (an index such as 71,13)
        if reference is None or not math.isfinite(reference):
            return default
        v, r = value * scale, reference * scale
        truth = 0 if abs(value - reference) <= EPSILON else (1 if v > r else -1)
        for d in range(default, default + MAX_EXTRA_DECIMALS + 1):
            rv, rr = round(v, d), round(r, d)
            shown = 0 if rv == rr else (1 if rv > rr else -1)
            if shown == truth:
                return d
        return default + MAX_EXTRA_DECIMALS

    def value(self, value: float | None, unit: str, reference: float | None = None,
              decimals: int | None = None) -> str:
        """A value in its unit for people: `63,2 %`, `7,5 h`, `12`, `−823 tkr`; `–` for none.

        `reference` (a target bound or a baseline, in the same unit) raises the decimals until
        the shown value compares with it as the real one does.
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        d = decimals if decimals is not None else self.decimals_for(value, unit, reference)
        if unit == "ratio":
            return self.percent(value, d)
        text = self.number(value, d)
        if unit in ("count",):
            return text
        return f"{text}\u00a0{self.unit_suffix(unit)}"

    def bound(self, number: float, unit: str) -> str:
        """A target bound or fixed baseline in the value's unit, with the decimals it has."""
        if unit == "ratio":
            d = _decimals_of(number * 100)
            return self.percent(number, d)
        text = self.plain(number)
        if unit == "count":
            return text
        return f"{text}\u00a0{self.unit_suffix(unit)}"

    def target(self, op: str, number: float | None, unit: str) -> str:
        """A target in the value's unit: `≥ 90 %`, `≤ 20 h`, `höjning från 71,13`, `sänkning`."""
        if op in ("rise", "fall"):
            if number is None:
                return self.t("target." + op)
            return self.t(f"target.{op}_from", base=self.bound(number, unit))
        return f"{_OPS[op]}\u00a0{self.bound(number or 0.0, unit)}"

    def duration(self, seconds: float | int) -> str:
        """An elapsed time: `45 min`, `2 h 05 min`, `3 d 4 h`."""
        s = int(seconds)
        days, rem = divmod(s, 86400)
        hours, rem = divmod(rem, 3600)
        minutes = rem // 60
        if days:
            return f"{self.integer(days)}\u00a0d {hours}\u00a0h"
        if hours:
            return f"{hours}\u00a0h {minutes:02d}\u00a0min"
        return f"{minutes}\u00a0min"

    # ---------------------------------------------------------------- dates

    def _local(self, when: _DateTime) -> _DateTime:
        return when.astimezone(self.tz) if self.tz is not None else when

    def date(self, d: _Date | _DateTime) -> str:
        """`4 december 2026` (sv), `4 December 2026` (en)."""
        if isinstance(d, _DateTime):
            d = self._local(d).date()
        return format_date(d, "d MMMM y", locale=self.locale)

    def short_date(self, d: _Date | _DateTime) -> str:
        """ISO dates, as Swedish documents write them (2020-04-30)."""
        if isinstance(d, _DateTime):
            d = self._local(d).date()
        return d.isoformat()

    def datetime(self, when: _DateTime) -> str:
        """`4 december 2026 19:10`."""
        local = self._local(when)
        return f"{self.date(local.date())} {format_time(local, 'HH:mm', locale=self.locale)}"

    def datetime_seconds(self, when: _DateTime) -> str:
        local = self._local(when)
        return format_datetime(local, "d MMMM y HH:mm:ss zzz", locale=self.locale)

    def time(self, when: _DateTime) -> str:
        return format_time(self._local(when), "HH:mm", locale=self.locale)

    def since(self, when: _DateTime, now: _DateTime) -> str:
        """`19:10` today, else a date with the time."""
        if self._local(when).date() == self._local(now).date():
            return self.time(when)
        return self.datetime(when)

    def month_name(self, d: _Date) -> str:
        """`november` (sv), `November` (en): the stand-alone month name."""
        return format_date(d, "LLLL", locale=self.locale)

    def month_short(self, d: _Date) -> str:
        return format_date(d, "LLL", locale=self.locale).rstrip(".")

    def period(self, label: str, kind: str, first: _Date, last: _Date) -> str:
        """A period for people: `november 2026`, `2026`, `kvartal 4 2026`, `vecka 5 2020`."""
        if kind == "month":
            return format_date(first, "LLLL y", locale=self.locale)
        if kind == "year":
            return str(first.year)
        if kind == "quarter":
            return self.t("period.quarter", q=(first.month - 1) // 3 + 1, year=first.year)
        if kind == "week":
            iso = first.isocalendar()
            return self.t("period.week", week=iso.week, year=iso.year)
        return self.t("period.range", first=self.date(first), last=self.date(last))

    def period_of(self, period: Any) -> str:
        """`period` is a kpimon.periods.Period (duck-typed: no import needed)."""
        return self.period(period.label, period.kind, period.first, period.last)

    def baseline_period(self, period: Any) -> str:
        """The baseline's period as a rise/fall note names it: `november`, `2025`."""
        if period.kind == "month":
            return self.month_name(period.first)
        return self.period_of(period)


def _decimals_of(x: float) -> int:
    """The decimals a configured number has (0.7113 × 100 → 2), up to six."""
    for d in range(0, 7):
        if abs(round(x, d) - x) < 1e-9:
            return d
    return 6


def formatter_for(config: Any) -> Formatter:
    """The formatter of a configuration (its `language` and time zone)."""
    return Formatter(getattr(config, "language", "sv"), getattr(config, "tz", None))


__all__ = ["LANGUAGES", "LOCALES", "MESSAGES", "SYMBOLS", "Formatter", "formatter_for",
           "message"]


