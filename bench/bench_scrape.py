"""Benchmark: `/metrics` against a bare prometheus-client server exporting the same series.

    python bench/bench_scrape.py [--counts 100000] [--seconds 3] [--cycles 60] [--json FILE]

For each store size in `--counts` (the stores bench_compute.py builds and keeps in
`--cache`), a child process runs kpimon's web server over a computed snapshot, and a second
child serves the very same series (parsed from kpimon's own exposition) with
`prometheus_client.start_http_server` and the client library's process, platform and GC
collectors — the baseline. Each is scraped for `--seconds` from 1 and from 10 connections
(a new connection per scrape, as both servers close after each answer), alternately, twice;
the figures are scrapes per second and the 99th percentile latency. Goals (issue 18): ≥ 0.9x
the baseline's rate at 1 and 10 connections, p99 ≤ 1.5x, flat from the smallest to the
largest store. Then the kpimon child recomputes its snapshot every second for `--cycles`
cycles while being scraped (goal: the slope of its resident memory ≈ 0). Reported: the slope
over the last half of the cycles, the cycle from which the RSS stays within 1 MiB of its
maximum (the plateau) with its level and the slope from there, the ratio of the last to the
first RSS, and what the child's native heap (glibc's `mallinfo2`: bytes in use and free) and
SQLite's allocator held at the first and last cycle — RSS that grows while those do not is
the allocator's, not a leak. The JSON keeps every sample.
"""

from __future__ import annotations

import argparse
import http.client
import statistics as stats
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402

# --------------------------------------------------------------------------- the two servers


# How bench/run_all.py runs this benchmark (quick: `make bench`, full: `make bench-full`).
SUITE = {"quick": [["--counts", "100000", "--seconds", "2", "--cycles", "60"]],
         "full": [["--counts", "100000,1000000", "--seconds", "3", "--cycles", "500"]]}

def serve_kpimon(work: Path, db: str, count: int, cycles: int) -> None:
    """Child: kpimon's web server over a computed snapshot; prints its port; with `cycles`,
    recomputes every second that many times, printing `cycle N` after each."""
    from bench.bench_compute import _config
    from kpimon.daemon import Daemon
    from kpimon.web.server import WebServer

    config = _config(work, db, count)
    daemon = Daemon(config, env={})
    daemon.app.store.upgrade()
    daemon.compute()
    web = WebServer("127.0.0.1", 0, daemon.holder, daemon._api_evaluate, config.tz,
                    daemon.app.store.ping, alerts=daemon.alerts)
    web.start()
    print(web.port, flush=True)
    native = _native_probe()
    pool = daemon.app.store.engine.pool
    for n in range(cycles):
        started = time.monotonic()
        daemon.compute()
        held = " ".join(f"{k}={v}" for k, v in native().items())
        print(f"cycle {n} {held} pooled={pool.checkedin() + pool.checkedout()}", flush=True)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    sys.stdin.read()  # until the parent closes our stdin


def _native_probe() -> Callable[[], dict[str, int]]:
    """In the kpimon child: a function returning what its native allocators hold, in KiB —
    glibc's heap in use and free inside it over every arena (`mallinfo2`), the mmapped
    blocks, and SQLite's own count (`sqlite3_memory_used`: its page caches, statements and
    schemas over every connection). Empty where the libraries are not there (no glibc)."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        sqlite = ctypes.CDLL("libsqlite3.so.0")  # the one the sqlite3 module has loaded
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    except (OSError, AttributeError):
        return dict

    def held() -> dict[str, int]:
        m = libc.mallinfo2()
        return {"heap_used": m.uordblks // 1024, "heap_free": m.fordblks // 1024,
                "mmapped": m.hblkhd // 1024, "sqlite": sqlite.sqlite3_memory_used() // 1024}

    return held


def serve_bare(exposition: Path) -> None:
    """Child: the same series from prometheus-client's own server (the baseline)."""
    from prometheus_client import (
        CollectorRegistry,
        GCCollector,
        PlatformCollector,
        ProcessCollector,
        start_http_server,
    )
    from prometheus_client.parser import text_string_to_metric_families
    from prometheus_client.registry import Collector

    own = ("process_", "python_")
    families = [f for f in text_string_to_metric_families(exposition.read_text())
                if not f.name.startswith(own)]

    class Same(Collector):
        def collect(self):  # type: ignore[no-untyped-def]
            return iter(families)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Same())
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    server, _thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    print(server.server_port, flush=True)
    sys.stdin.read()


def _child(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def _stop(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --------------------------------------------------------------------------- the load


def scrape(port: int) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, resp.status
        return body
    finally:
        conn.close()


def load(port: int, connections: int, seconds: float) -> dict[str, float]:
    """Scrapes per second and latency percentiles from `connections` looping clients."""
    latencies: list[float] = []
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        while (t0 := time.perf_counter()) < end:
            scrape(port)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.perf_counter() - started
    latencies.sort()
    return {"rate": len(latencies) / took,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


def compare(kpimon: int, bare: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for conns in (1, 10):
        runs: dict[str, list[dict[str, float]]] = {"kpimon": [], "bare": []}
        for _ in range(2):  # alternately, so drift in the machine's load hits both
            runs["kpimon"].append(load(kpimon, conns, seconds))
            runs["bare"].append(load(bare, conns, seconds))
        k = {m: stats.median(r[m] for r in runs["kpimon"]) for m in runs["kpimon"][0]}
        b = {m: stats.median(r[m] for r in runs["bare"]) for m in runs["bare"][0]}
        out[f"c{conns}"] = {"kpimon": k, "bare": b, "rate_ratio": k["rate"] / b["rate"],
                            "p99_ratio": k["p99_ms"] / b["p99_ms"]}
    return out


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


#: The plateau: from the first cycle at which the RSS comes within this of its maximum.
PLATEAU_KIB = 1024


def _slope(ys: list[int], start: int = 0) -> float | None:
    """Least-squares slope of `ys` per index (None under two points)."""
    if len(ys) < 2:
        return None
    xs = range(start, start + len(ys))
    mx, my = stats.fmean(xs), stats.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / \
        sum((x - mx) ** 2 for x in xs)


def rss_summary(rss: list[int]) -> dict[str, Any]:
    """The goal's figures from one RSS sample (KiB) per cycle: the slope over the last half
    (KiB/cycle), the plateau (the first cycle within PLATEAU_KIB of the maximum, the median
    RSS from there and the slope from there), the last over the first, and the slope after a
    warm-up tenth (the figure reported before)."""
    n = len(rss)
    half = n // 2
    top = max(rss)
    plateau = next(i for i, y in enumerate(rss) if y >= top - PLATEAU_KIB)
    warm = n // 10
    return {"cycles": n,
            "rss_first_mib": rss[0] / 1024, "rss_last_mib": rss[-1] / 1024,
            "rss_max_mib": top / 1024, "last_over_first": rss[-1] / rss[0],
            "slope_last_half_kib_per_cycle": _slope(rss[half:], half),
            "plateau_from_cycle": plateau,
            "plateau_mib": stats.median(rss[plateau:]) / 1024,
            "slope_plateau_kib_per_cycle": _slope(rss[plateau:], plateau),
            "slope_kib_per_cycle": _slope(rss[warm:], warm)}


def rss_slope(work: Path, db: str, count: int, cycles: int) -> dict[str, Any]:
    """The kpimon child's RSS over its compute cycles (`rss_summary`), every sample kept with
    what its native allocators held at that cycle."""
    proc, port = _child(["serve-kpimon", str(work), db, str(count), str(cycles)])
    assert proc.stdout is not None
    samples: list[dict[str, int]] = []
    stop = threading.Event()

    def scraper() -> None:
        while not stop.is_set():
            scrape(port)
            time.sleep(0.05)

    th = threading.Thread(target=scraper, daemon=True)
    th.start()
    for _ in range(cycles):
        line = proc.stdout.readline()
        if not line.startswith("cycle"):
            break
        fields = line.split()
        sample = {"cycle": int(fields[1]), "rss": rss_kib(proc.pid)}
        sample.update((k, int(v)) for k, v in (f.split("=") for f in fields[2:]))
        samples.append(sample)
    stop.set()
    th.join()
    _stop(proc)
    out = rss_summary([s["rss"] for s in samples])
    for key in ("heap_used", "heap_free", "sqlite"):
        if key in samples[0]:
            out[f"{key}_first_mib"] = samples[0][key] / 1024
            out[f"{key}_last_mib"] = samples[-1][key] / 1024
    out["samples_kib"] = [s["rss"] for s in samples]
    out["samples"] = samples
    return out


def _kib(slope: float | None) -> str:
    return "n/a" if slope is None else f"{slope:.2f} KiB/cycle"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100000")
    parser.add_argument("--years", default=None,
                        help="years per count, comma-separated (default: 1 up to 100,000, "
                             "else 10)")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--cycles", type=int, default=60)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from bench.bench_compute import build

    counts = [int(c) for c in args.counts.split(",")]
    years = [int(y) for y in args.years.split(",")] if args.years else \
        [1 if c <= 100_000 else 10 for c in counts]
    out: dict[str, Any] = {"db": args.db, "stores": {}}
    work = Path()
    for count, y in zip(counts, years, strict=True):
        work, _data, _ = build(count, y, args.db, args.cache)
        kp, kport = _child(["serve-kpimon", str(work), args.db, str(count), "0"])
        expo = work / "exposition.txt"
        expo.write_bytes(scrape(kport))
        bare, bport = _child(["serve-bare", str(expo)])
        try:
            fig = compare(kport, bport, args.seconds)
        finally:
            _stop(kp)
            _stop(bare)
        fig["series"] = sum(1 for line in expo.read_text().splitlines()
                            if line and not line.startswith("#"))
        out["stores"][str(count)] = fig
        for c in ("c1", "c10"):
            f = fig[c]
            print(f"{count:,} tickets, {c[1:]} connection(s), {fig['series']} series: "
                  f"kpimon {f['kpimon']['rate']:.0f}/s p99 {f['kpimon']['p99_ms']:.1f} ms; "
                  f"bare {f['bare']['rate']:.0f}/s p99 {f['bare']['p99_ms']:.1f} ms; "
                  f"rate {f['rate_ratio']:.2f}x (goal >= 0.9x), "
                  f"p99 {f['p99_ratio']:.2f}x (goal <= 1.5x)")
    if len(counts) > 1:
        lo, hi = out["stores"][str(counts[0])], out["stores"][str(counts[-1])]
        flat = {c: hi[c]["kpimon"]["rate"] / lo[c]["kpimon"]["rate"] for c in ("c1", "c10")}
        out["flat"] = flat
        print(f"flat in stored tickets: rate at {counts[-1]:,} / at {counts[0]:,}: "
              f"{flat['c1']:.2f}x (1 connection), {flat['c10']:.2f}x (10)")
    if args.cycles:
        count = counts[-1]
        rss = rss_slope(work, args.db, count, args.cycles)
        out["rss"] = rss
        print(f"RSS over {rss['cycles']} one-second compute cycles ({count:,} tickets): "
              f"{rss['rss_first_mib']:.1f} → {rss['rss_last_mib']:.1f} MiB "
              f"({rss['last_over_first']:.3f}x), max {rss['rss_max_mib']:.1f} MiB; slope over "
              f"the last half {_kib(rss['slope_last_half_kib_per_cycle'])} (goal ≈ 0); "
              f"plateau from cycle {rss['plateau_from_cycle']} at "
              f"{rss['plateau_mib']:.1f} MiB, slope there "
              f"{_kib(rss['slope_plateau_kib_per_cycle'])}")
        if "heap_used_first_mib" in rss:
            print(f"native memory, first → last cycle: glibc heap in use "
                  f"{rss['heap_used_first_mib']:.1f} → {rss['heap_used_last_mib']:.1f} MiB, "
                  f"free in it {rss['heap_free_first_mib']:.1f} → "
                  f"{rss['heap_free_last_mib']:.1f} MiB; SQLite "
                  f"{rss['sqlite_first_mib']:.1f} → {rss['sqlite_last_mib']:.1f} MiB")
    print(f"wrote {results.write('scrape', out, args.json)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve-kpimon":
        serve_kpimon(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "serve-bare":
        serve_bare(Path(sys.argv[2]))
    else:
        sys.exit(main())
