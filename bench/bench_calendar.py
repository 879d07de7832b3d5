"""Benchmark: business seconds for many random intervals with `Calendar.positions()`.

Run from the repository root: `PYTHONPATH=. python bench/bench_calendar.py [-n 1000000]`.
It draws N intervals [a, b) with a uniform in 2015-2025 and a length of up to 30 days, and times
`np.maximum(cal.positions(b) - cal.positions(a), 0)` for the office calendar.
Two baselines are measured in the same run on the same arrays: a plain `np.subtract(b, a)` (the
floor: what 24x7 would cost), and the scalar `seconds_between` over 10 000 intervals,
extrapolated to N. The target is at most 2 s for 1 000 000 intervals (`--check` exits 1 if not).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from kpimon.config import CalendarConfig
from kpimon.kpi.calendar import Calendar

# How bench/run_all.py runs this benchmark (quick: `make bench`, full: `make bench-full`).
SUITE = {"quick": [["-n", "1000000"]], "full": [["-n", "1000000"]]}

TARGET_SECONDS_PER_MILLION = 2.0
OFFICE = CalendarConfig(
    "office",
    tuple((d, "08:00", "17:00") for d in range(4)) + ((4, "08:00", "16:00"),),
    holidays="SE",
)


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="number of intervals")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--check", action="store_true", help="exit 1 if over the target")
    args = parser.parse_args(argv)

    lo = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    rng = np.random.default_rng(args.seed)
    a = rng.integers(lo, hi, args.n, dtype=np.int64)
    b = a + rng.integers(0, 30 * 86400, args.n, dtype=np.int64)

    t = time.perf_counter()
    cal = Calendar.from_config(OFFICE)
    cal.position(int(a[0]))
    build = time.perf_counter() - t

    def vectorised() -> np.ndarray:
        return np.maximum(cal.positions(b) - cal.positions(a), 0)

    result = vectorised()
    vec = best_of(args.repeat, vectorised)
    floor = best_of(args.repeat, lambda: np.subtract(b, a))

    k = min(10_000, args.n)
    a_list, b_list = a[:k].tolist(), b[:k].tolist()
    scalar_k = best_of(args.repeat, lambda: [cal.seconds_between(x, y)
                                             for x, y in zip(a_list, b_list, strict=True)])
    scalar = scalar_k * args.n / k
    # The figure is only worth printing if it is right.
    expected = [cal.seconds_between(x, y) for x, y in zip(a_list, b_list, strict=True)]
    assert result[:k].tolist() == expected

    per_million = vec * 1_000_000 / args.n
    print(f"calendar: {cal!r}; built and first position() in {build:.3f} s")
    print(f"intervals: {args.n:,} in 2015-2025, lengths up to 30 d; best of {args.repeat} runs")
    print(f"positions() x2 + subtract: {vec:.3f} s ({per_million:.3f} s per million)")
    print(f"baseline np.subtract(b, a): {floor:.4f} s -> positions() is {vec / floor:.0f}x that")
    print(f"baseline scalar seconds_between: {scalar_k:.3f} s for {k:,}, "
          f"{scalar:.2f} s extrapolated to {args.n:,} -> positions() is {scalar / vec:.0f}x faster")
    met = per_million <= TARGET_SECONDS_PER_MILLION
    print(f"target <= {TARGET_SECONDS_PER_MILLION:.1f} s per million: {'met' if met else 'MISSED'}")
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
