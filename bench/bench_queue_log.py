"""Benchmark: parse an Asterisk queue_log of 1,000,000 lines with the queue_log adapter.

Generates a realistic log (about 250 000 calls: answered with ring-no-answers and completions,
abandoned, timeouts, key exits, empty exits, transfers, interleaved with agent events) into a
temporary file, then times

* a bare pass that only reads the file and splits each line on `|` (the floor any parser pays),
* a full `QueueLogSource.collect()` pass consuming every batch and record,
* the whole collection as the daemon runs it: the collector reading the log and storing every
  call in a fresh SQLite database (batched upserts, one transaction per batch),

and prints lines/s for each and their ratio to the bare pass.

    PYTHONPATH=. python bench/bench_queue_log.py [--lines 1000000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kpimon.config import SourceConfig
from kpimon.records import Call, Reject
from kpimon.sources.base import CollectContext
from kpimon.sources.queue_log import QueueLogSource

# How bench/run_all.py runs this benchmark (quick: `make bench`, full: `make bench-full`).
SUITE = {"quick": [["--lines", "100000"]], "full": [["--lines", "1000000"]]}

QUEUES = ("servicedesk", "bestallning", "skola", "vard")
AGENTS = tuple(f"PJSIP/{n}" for n in range(1001, 1021))
START = 1_577_836_800  # 2020-01-01T00:00:00Z
CALLS_PER_DAY = 2000


def generate(path: Path, lines: int, seed: int) -> int:
    """Write about `lines` queue_log lines (exactly `lines`); returns the number of calls."""
    rng = random.Random(seed)
    events: list[tuple[int, int, str]] = []  # (epoch, sequence, line) — sorted by time below
    seq = 0
    calls = 0
    t = START

    def add(epoch: int, text: str) -> None:
        nonlocal seq
        events.append((epoch, seq, f"{epoch}|{text}\n"))
        seq += 1

    add(t, "NONE|NONE|NONE|QUEUESTART|")
    while len(events) < lines:
        t += max(1, int(rng.expovariate(CALLS_PER_DAY / 86400)))
        calls += 1
        callid = f"{t}.{calls}"
        queue = rng.choice(QUEUES)
        agent = rng.choice(AGENTS)
        caller = f"07{rng.randrange(10**8):08d}"
        add(t, f"{callid}|{queue}|NONE|ENTERQUEUE||{caller}|{rng.randint(1, 5)}")
        r = rng.random()
        wait = int(rng.expovariate(1 / 30))
        if r < 0.72:  # answered, sometimes after an agent did not pick up
            for _ in range(rng.choice((0, 1, 1, 2))):
                add(t + rng.randint(1, max(1, wait)),
                    f"{callid}|{queue}|{rng.choice(AGENTS)}|RINGNOANSWER|15000")
            ring = rng.randint(1, 9)
            add(t + wait, f"{callid}|{queue}|{agent}|CONNECT|{wait}|{t + wait}.9|{ring}")
            talk = int(rng.expovariate(1 / 240)) + 5
            event = rng.choice(("COMPLETECALLER", "COMPLETEAGENT"))
            add(t + wait + talk, f"{callid}|{queue}|{agent}|{event}|{wait}|{talk}|1")
        elif r < 0.88:
            add(t + wait, f"{callid}|{queue}|NONE|ABANDON|1|1|{wait}")
        elif r < 0.92:
            add(t + 300, f"{callid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|300")
        elif r < 0.95:
            add(t + wait, f"{callid}|{queue}|NONE|EXITWITHKEY|0|1|1|{wait}")
        elif r < 0.97:
            add(t, f"{callid}|{queue}|NONE|EXITEMPTY|1|1|0")
        else:  # answered, then transferred to another queue and answered there
            other = rng.choice([q for q in QUEUES if q != queue])
            add(t + wait, f"{callid}|{queue}|{agent}|CONNECT|{wait}|{t + wait}.9|3")
            add(t + wait + 60, f"{callid}|{queue}|{agent}|BLINDTRANSFER|600|from-queue|{wait}|60|1")
            add(t + wait + 61, f"{callid}|{other}|NONE|ENTERQUEUE||{caller}|1")
            add(t + wait + 80, f"{callid}|{other}|{rng.choice(AGENTS)}|CONNECT|19|{t}.8|4")
            add(t + wait + 300, f"{callid}|{other}|{agent}|COMPLETECALLER|19|220|1")
        if rng.random() < 0.1:  # agents pausing and coming back
            add(t, f"NONE|{queue}|{agent}|PAUSE|Lunch")
            add(t + 600, f"NONE|{queue}|{agent}|UNPAUSE|")
    events.sort()
    with path.open("w", encoding="utf-8") as f:
        f.writelines(line for _, _, line in events[:lines])
    return calls


def bare_pass(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        for line in f:
            line.split(b"|")
            n += 1
    return n


def adapter_pass(path: Path) -> tuple[int, int, int]:
    config = SourceConfig(name="bench", kind="queue_log", every=60, path=str(path))
    ctx = CollectContext(config=config, tz=ZoneInfo("Europe/Stockholm"),
                         now=datetime.now(UTC), log=logging.getLogger("bench"))
    calls = rejects = lines = 0
    for batch in QueueLogSource(config).collect(ctx):
        for item in batch.items:
            if isinstance(item, Call):
                calls += 1
            elif isinstance(item, Reject):
                rejects += 1
        lines = int(batch.state["line"])
    return lines, calls, rejects


def store_pass(path: Path, tmp: Path) -> tuple[float, int]:
    """Collect the log into a new SQLite store; returns (seconds, calls stored)."""
    from sqlalchemy import func, select

    from kpimon.collector import Collector
    from kpimon.store import Store
    from kpimon.store import tables as t

    db = tmp / f"bench-{time.monotonic_ns()}.db"
    store = Store.open(f"sqlite:///{db}")
    store.upgrade()
    config = SourceConfig(name="bench", kind="queue_log", every=60, path=str(path))
    t0 = time.perf_counter()
    outcome = Collector(store, ZoneInfo("Europe/Stockholm")).collect(config)
    seconds = time.perf_counter() - t0
    assert outcome.ok, outcome.error
    with store.engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(t.calls)).scalar_one())
    store.close()
    return seconds, stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "queue_log"
        t0 = time.perf_counter()
        generated = generate(path, args.lines, args.seed)
        print(f"generated {args.lines:,} lines ({generated:,} calls entered, "
              f"{path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        bare_best = full_best = float("inf")
        result = (0, 0, 0)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            n = bare_pass(path)
            bare_best = min(bare_best, time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = adapter_pass(path)
            full_best = min(full_best, time.perf_counter() - t0)
        lines, calls, rejects = result
        assert lines == n == args.lines, (lines, n)
        store_best, stored = min(store_pass(path, Path(tmp)) for _ in range(args.repeat))
        print(f"bare split:     {bare_best:6.2f} s  {n / bare_best:12,.0f} lines/s")
        print(f"queue_log parse: {full_best:6.2f} s  {lines / full_best:12,.0f} lines/s  "
              f"({calls:,} calls, {rejects} rejects)")
        print(f"parse + store:  {store_best:6.2f} s  {lines / store_best:12,.0f} lines/s  "
              f"({stored:,} calls in SQLite)")
        print(f"ratio parse / bare split: {full_best / bare_best:.2f}x, parse + store / bare "
              f"split: {store_best / bare_best:.2f}x (best of {args.repeat}; "
              f"target: parse + store <= 10 s per 1,000,000 lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
