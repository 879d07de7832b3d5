"""Telia ACE queue-statistics report files: one CSV per day, a row per queue and 15 minutes.

Calls arrive by a Poisson draw per interval from an office-hours profile (phones are open when
the desk is: Mon-Thu 08-17, Fri 08-16, closed on holidays); each answered call gets a log-normal
wait, so the service levels and the average queue time are counted from the same simulated calls
and always agree (SL1 ≤ SL2 ≤ answered ≤ received). Busy days and busy intervals wait longer and
lose more callers. With the defaults a working day has about 150 calls, 67 % of them answered
within 20 s, 85 % within 60 s, and 6 % abandoned, a third of those within 5 s.

Each day draws from a random stream of its own (seed, day), so a day's file is the same whatever
`--days` or `--end` were, except that the end day stops at the end instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from bench.datagen.files import atomic_text
from bench.datagen.tickets import HOUR_WEIGHT, MONTH_WEIGHT, NEWLINE, WEEKDAY_WEIGHT
from bench.datagen.timebase import (
    OFFICE_HOURS,
    local_to_utc_minutes,
    swedish_holidays,
    utc_minutes_to_local,
)

ACE_HEADER = (
    "Kö", "Intervall", "Mottagna kontakter", "Etablerade kontakter", "Övergivna kontakter",
    "Övergivna kontakter 1", "Servicenivå 1 (20 s)", "Servicenivå 2 (60 s)", "Medel kötid (s)",
)
# Calls on an average working day per queue.
QUEUE_VOLUME = {"Servicedesk": 150.0, "Beställning": 15.0}
DEFAULT_QUEUES = ("Servicedesk",)
SERVICE_LEVELS = (20, 60)
SHORT_ABANDON = 5
# Answered waits: log-normal with median ≈ 8.7 s and sigma 1.48 gives ≈ 71 % of answered calls
# within 20 s and ≈ 90 % within 60 s, i.e. ≈ 67 % and ≈ 85 % of all received with 6 % abandoned.
WAIT_MU = 2.165
WAIT_SIGMA = 1.48
P_ABANDON = 0.055  # busy quarters lose more, so the realised share is about 6 %
P_SHORT_ABANDON = 1 / 3
INTERVAL = 15


def ace_file_name(day: dt.date) -> str:
    """File name of a day's report: ace_YYYY-MM-DD.csv."""
    return f"ace_{day.isoformat()}.csv"


def _interval_profile(day: dt.date, closed: bool) -> np.ndarray:
    """Expected share of a normal day's calls in each of the 96 local quarter hours."""
    weights = np.zeros(96)
    if closed:
        return weights
    opening, closing = OFFICE_HOURS[day.weekday()]
    for q in range(opening * 4, closing * 4):
        weights[q] = HOUR_WEIGHT[q // 4]
    return weights


_NORMAL_DAY = 4 * sum(HOUR_WEIGHT[8:17])  # quarters of an average Mon-Thu: volumes are per day


def ace_day_rows(day: dt.date, seed: int, queues: Sequence[str] = DEFAULT_QUEUES,
                 end: int | None = None) -> list[tuple[str, ...]]:
    """One day's rows (in `ACE_HEADER` order) for the queues; `end` (UTC minutes) cuts the day.

    Quarter hours that do not exist locally (the spring-forward hour) are left out; an interval
    is reported only once it has ended at or before `end`.
    """
    holidays = set(swedish_holidays(day.year))
    closed = day.weekday() >= 5 or day in holidays
    profile = _interval_profile(day, closed)
    christmas = (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 6)
    base = (WEEKDAY_WEIGHT[day.weekday()] * MONTH_WEIGHT[day.month - 1]
            * (0.5 if christmas else 1.0))
    rows: list[tuple[str, ...]] = []
    for q, queue in enumerate(queues):
        rng = np.random.default_rng(np.random.SeedSequence(
            [seed, 0xACE, day.toordinal(), q, sum(map(ord, queue))]))
        busy = float(np.exp(rng.normal(0.0, 0.12)))  # some days are simply busier
        congestion = float(np.exp(rng.normal(0.0, 0.25)))  # and some days are short-staffed
        lam = QUEUE_VOLUME.get(queue, 30.0) * base * busy * profile / _NORMAL_DAY
        received = rng.poisson(lam)
        # Busier quarters wait longer and lose more callers.
        load = np.sqrt(np.where(lam > 0, lam / max(lam[lam > 0].mean(), 1e-9), 1.0)) \
            if lam.any() else np.ones(96)
        scale = congestion * load
        abandoned = rng.binomial(received, np.clip(P_ABANDON * scale, 0.0, 0.5))
        short = rng.binomial(abandoned, P_SHORT_ABANDON)
        answered = received - abandoned
        waits = np.exp(WAIT_MU + np.log(np.repeat(scale, answered))
                       + WAIT_SIGMA * rng.standard_normal(int(answered.sum())))
        waits = np.rint(waits)
        owner = np.repeat(np.arange(96), answered)
        sl1 = np.bincount(owner, weights=waits <= SERVICE_LEVELS[0], minlength=96)
        sl2 = np.bincount(owner, weights=waits <= SERVICE_LEVELS[1], minlength=96)
        wait_sum = np.bincount(owner, weights=waits, minlength=96)
        for i in range(96):
            local = dt.datetime.combine(day, dt.time(i // 4, (i % 4) * INTERVAL))
            start = local_to_utc_minutes(local)
            if utc_minutes_to_local(start) != local:
                continue  # does not exist: the clocks jump from 02:00 to 03:00
            if end is not None and start + INTERVAL > end + 1:
                break
            avg = wait_sum[i] / answered[i] if answered[i] else 0.0
            rows.append((
                queue, local.strftime("%Y-%m-%d %H:%M"), str(received[i]), str(answered[i]),
                str(abandoned[i]), str(short[i]), str(int(sl1[i])), str(int(sl2[i])),
                f"{avg:.1f}".replace(".", ","),
            ))
    return rows


def ace_days(end_local: dt.datetime, days: int) -> list[dt.date]:
    """The `days` dates ending with the end instant's date."""
    last = end_local.date()
    return [last - dt.timedelta(days=i) for i in range(days - 1, -1, -1)]


def iter_ace_files(end_local: dt.datetime, days: int, seed: int,
                   queues: Sequence[str] = DEFAULT_QUEUES
                   ) -> Iterator[tuple[str, list[tuple[str, ...]]]]:
    """(file name, rows) for each day up to the end instant."""
    end = local_to_utc_minutes(end_local)
    for day in ace_days(end_local, days):
        cut = end if day == end_local.date() else None
        yield ace_file_name(day), ace_day_rows(day, seed, queues, cut)


def write_ace(out_dir: Path, end_local: dt.datetime, days: int, seed: int,
              queues: Sequence[str] = DEFAULT_QUEUES) -> list[Path]:
    """Write one report file per day into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in iter_ace_files(end_local, days, seed, queues):
        lines = [";".join(ACE_HEADER)] + [";".join(r) for r in rows]
        with atomic_text(out_dir / name) as f:
            f.write(NEWLINE.join(lines) + NEWLINE)
        written.append(out_dir / name)
    return written
