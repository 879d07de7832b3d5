"""The leadership role: whether this `kpimon run` is the leader of the instances on its
database.

Only the leader collects, computes facts and results, purges, evaluates alerts and sends
notifications; every instance serves the outputs from the stored results. `Leadership` keeps
the leader lock (kpimon.store.leader) in a thread of its own: a follower tries to take it
every `every` seconds, the leader proves each time that it still holds it.

`is_leader()` is what gated work asks before it starts; it answers from memory and turns False
at once when a check fails — or when no check has succeeded for `HOLD_FOR` seconds (a check
hanging on a cut network), which is before the database can have given the lock to another.
An instance that takes the lock over from another (or after any failed try) leads only
`settle` seconds later: an old leader whose session the database ended has by then had its
next check, found the lock gone and stopped.
`confirm()` proves the lock anew, for the moment just before a side effect (a send, a purge).
The role is also a Prometheus collector: `kpimon_leader` is 1 on the leader, 0 elsewhere.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kpimon.store.leader import HOLD_FOR, LeaderLock, SoleLock

log = logging.getLogger("kpimon.leader")

#: How often a follower tries to take the lock and the leader proves it holds it (seconds).
TICK = 1.0


class Leadership(Collector):
    """This instance's role, kept up to date by a thread (`start`/`stop`)."""

    def __init__(self, lock: LeaderLock, every: float = TICK, hold_for: float = HOLD_FOR,
                 settle: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.lock = lock
        self.every = every
        self.hold_for = hold_for
        self.settle = 2 * every if settle is None else settle
        self.clock = clock
        self._proven: float | None = None  # when the last successful check started
        self._leads_from = 0.0  # when the lock was taken (+ settle after a takeover)
        self._contended = False  # a try has failed: another may have led
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._was_leader = False

    @classmethod
    def sole(cls) -> Leadership:
        """The role of a process that is alone on its database: the leader from the start,
        for good."""
        role = cls(SoleLock(), hold_for=math.inf)
        role.step()
        return role

    # ------------------------------------------------------------------ the role

    def is_leader(self) -> bool:
        proven, now = self._proven, self.clock()
        return proven is not None and now - proven < self.hold_for and now >= self._leads_from

    def confirm(self) -> bool:
        """Prove the lock now (a round trip to the database on PostgreSQL)."""
        return self.step() and self.is_leader()

    def step(self) -> bool:
        """One round: take the lock (a follower) or prove it (the leader); logs changes.
        A round that cannot start because another hangs (a cut network) answers False."""
        if not self._mutex.acquire(timeout=self.hold_for if math.isfinite(self.hold_for)
                                   else -1):
            return False
        try:
            started = self.clock()
            try:
                held = self.lock.check() if self._proven is not None else \
                    self.lock.try_acquire()
            except Exception:
                log.exception("the leader lock failed")
                held = False
            if held and self._proven is None:
                self._leads_from = started + (self.settle if self._contended else 0.0)
            self._contended = self._contended or not held
            self._proven = started if held else None
            if held != self._was_leader:
                self._was_leader = held
                if held:
                    log.info("this instance is now the leader (lock on %s): it collects, "
                             "computes and sends", self.lock.where)
                else:
                    log.warning("this instance is no longer the leader: it stops collecting, "
                                "computing and sending, and serves the stored results")
            return held
        finally:
            self._mutex.release()

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        """Take the lock if it is free, then keep at it in the background."""
        self.step()
        if not self.is_leader():
            log.info("another instance leads (lock on %s); this one serves the stored "
                     "results and takes over if the leader goes", self.lock.where)
        self._thread = threading.Thread(target=self._loop, name="kpimon-leader", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.step()

    def stop(self) -> None:
        """Stop the thread and give the lock up, so another instance takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.every + 10)
        with self._mutex:
            self._proven = None
            self._was_leader = False
            try:
                self.lock.release()
            except Exception:
                log.debug("releasing the leader lock failed", exc_info=True)

    # ------------------------------------------------------------------ metrics

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("kpimon_leader", "1 on the instance that collects, "
                                  "computes and sends notifications (the leader), 0 on the "
                                  "others")
        gauge.add_metric([], 1.0 if self.is_leader() else 0.0)
        yield gauge
