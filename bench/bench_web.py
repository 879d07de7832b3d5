"""Benchmark: scrapes per second through the web server's bounded worker pool, against a
thread per connection (the standard library's ThreadingHTTPServer) in the same run.

Run from the repository root: `PYTHONPATH=. python bench/bench_web.py [--clients 10]`.
Both servers serve the same registry (the demo configuration's metric families, the process
and platform collectors) through the same request handler; `--clients` threads each GET
`/metrics` over fresh connections for `--seconds`. Rounds alternate between the two servers and
the best round of each is kept. The target (the bounds must not cost the scrapes) is a
ratio of at least 0.9 at 10 connections (`--check` exits 1 if not). `--auth` adds basic auth
with a bcrypt cost-10 hash and the right password (served from the cache after the first).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import bcrypt

from kpimon.config import load_config
from kpimon.periods import containing
from kpimon.web.server import WebServer
from kpimon.web.snapshot import Snapshot, SnapshotHolder, SourceExtras, build_metrics

DEMO = Path(__file__).resolve().parents[1] / "config" / "demo" / "kpimon.toml"


def _server(auth: dict[str, str]) -> WebServer:
    config = load_config(DEMO, env={**os.environ, "KPIMON_DEMO_DIR": "/nonexistent"})
    now = datetime.now(UTC)
    periods = {"month": containing("month", now, config.tz),
               "year": containing("year", now, config.tz)}
    metrics = build_metrics(config, {}, periods, {}, {}, {}, SourceExtras())
    return WebServer("127.0.0.1", 0, SnapshotHolder(Snapshot(metrics=metrics)),
                     lambda *a: {}, config.tz, lambda: True, basic_auth=auth)


def _round(port: int, clients: int, seconds: float, headers: dict[str, str]) -> float:
    """Scrapes per second by `clients` threads for `seconds`."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
        while time.perf_counter() < stop:
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()
            done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (best kept)")
    parser.add_argument("--auth", action="store_true", help="basic auth, cost-10 bcrypt")
    parser.add_argument("--check", action="store_true", help="exit 1 below a ratio of 0.9")
    args = parser.parse_args(argv)

    auth: dict[str, str] = {}
    headers: dict[str, str] = {}
    if args.auth:
        auth = {"prometheus": bcrypt.hashpw(b"right", bcrypt.gensalt(rounds=10)).decode()}
        headers = {"Authorization": "Basic " + base64.b64encode(b"prometheus:right").decode()}
    pooled = _server(auth)
    bare = _server(auth)
    # The baseline: the same handler (so the same auth, routes and registry), one thread per
    # connection, no pool.
    bare.httpd.server_close()
    bare.httpd = ThreadingHTTPServer(("127.0.0.1", 0), bare._handler_class())  # type: ignore
    bare.httpd.daemon_threads = True
    bare.port = bare.httpd.server_address[1]
    best: dict[str, float] = {"pool": 0.0, "thread per connection": 0.0}
    servers: dict[str, Any] = {"pool": pooled, "thread per connection": bare}
    for s in servers.values():
        s.start()
    try:
        for _ in range(args.rounds):
            for name, s in servers.items():
                best[name] = max(best[name], _round(s.port, args.clients, args.seconds, headers))
    finally:
        for s in servers.values():
            s.stop()
    ratio = best["pool"] / best["thread per connection"]
    print(f"{args.clients} clients, {args.rounds} rounds of {args.seconds:g} s, "
          f"auth: {'bcrypt cost 10, cached' if args.auth else 'none'}")
    for name, rate in best.items():
        print(f"  {name:<22} {rate:8.0f} scrapes/s")
    print(f"  pool / thread per connection: {ratio:.2f} (target >= 0.90)")
    return 1 if args.check and ratio < 0.9 else 0


if __name__ == "__main__":
    sys.exit(main())
