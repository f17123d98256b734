"""The threaded workload: N threads sharing one sync client.

The sync counterpart of ``async_workloads``: ``concurrency`` threads share one
client (its pool holding that many keep-alive connections) and one counter of
request numbers (``measure.Tickets``, taken under a lock); each thread takes the
next number, makes one request, records its latency, until every number is taken.
So N requests are in flight at once, as far as the GIL lets the threads run.

The warm-up is the same loop with at least N requests (so the pool fills before the
measurement), made by the same N threads, and is not measured. A thread that fails
stops the handing out of numbers; the others finish their request and the error is
raised once every thread has ended. ``getrusage(RUSAGE_SELF)`` counts the CPU time of every thread.

cProfile, when asked for, follows the main thread only, which just waits here; use
py-spy to see where the threads spend their time.
"""

from __future__ import annotations

import gc
import threading
import time
from array import array
from collections.abc import Callable

from .measure import (
    LoopFigures,
    MeasureParams,
    Profiler,
    Tickets,
    figures_between,
    latency_array,
    snapshot,
    warmup_count,
)
from .sessions import BadResponse, Body, ClientSpec, SyncOpener, body_size


class _Counter:
    """``Tickets`` behind a lock, with the first error any thread raised."""

    def __init__(self, tickets: Tickets) -> None:
        self.tickets = tickets
        self.lock = threading.Lock()
        self.error: BaseException | None = None

    def take(self, now: float) -> int:
        """The next request number, or -1 when none is left (or a thread failed)."""
        with self.lock:
            return self.tickets.take(now)

    def fail(self, error: BaseException) -> None:
        """Keep the first error and hand out no more numbers."""
        with self.lock:
            if self.error is None:
                self.error = error
            self.tickets.count = self.tickets.next


def _serve(
    fetch: Callable[[], Body],
    counter: _Counter,
    expected_size: int,
    latencies: array[float] | None,
) -> None:
    """Requests until ``counter`` has no number left, each latency recorded if asked.

    An error is kept in ``counter`` (which then hands out no more numbers).
    """
    clock = time.perf_counter
    try:
        while True:
            started = clock()
            index = counter.take(started)
            if index < 0:
                return
            body = fetch()
            if latencies is not None:
                latencies[index] = clock() - started
            size = body_size(body)
            if size != expected_size:
                raise BadResponse(f"body of {size} bytes, expected {expected_size}")
    except BaseException as exc:
        counter.fail(exc)


class _Pool:
    """N threads that make the warm-up, wait, then make the measured requests.

    The same threads do both (as a thread pool would), so that a client keeping
    state per thread (curl_cffi gives each thread a libcurl handle of its own, with
    its connection) keeps it from the warm-up into the measurement. Between the two
    phases every thread waits at ``gate`` twice: once the warm-up is over, and again
    until the caller has taken its measurement's starting point and ``start`` hands
    out the measured numbers. A thread that fails breaks the gate, so nobody waits
    for it.
    """

    def __init__(
        self,
        fetch: Callable[[], Body],
        threads: int,
        warmup: Tickets,
        expected_size: int,
        latencies: array[float],
    ) -> None:
        self.warmup = _Counter(warmup)
        self.measured: _Counter | None = None
        self.gate = threading.Barrier(threads + 1)
        self.workers = [
            threading.Thread(
                target=self._work,
                args=(fetch, expected_size, latencies),
                name=f"benchmark-worker-{number}",
            )
            for number in range(threads)
        ]
        for worker in self.workers:
            worker.start()

    def _work(
        self, fetch: Callable[[], Body], expected_size: int, latencies: array[float]
    ) -> None:
        _serve(fetch, self.warmup, expected_size, None)
        if self.warmup.error is not None:
            self.gate.abort()
            return
        try:
            self.gate.wait()
            self.gate.wait()
        except threading.BrokenBarrierError:
            return
        assert self.measured is not None
        _serve(fetch, self.measured, expected_size, latencies)

    def warmed_up(self) -> None:
        """Wait until every thread has finished the warm-up; raise its first error."""
        try:
            self.gate.wait()
        except threading.BrokenBarrierError:
            self.finish()
            raise

    def start(self, tickets: Tickets) -> None:
        """Let the threads make the measured requests, numbered by ``tickets``."""
        self.measured = _Counter(tickets)
        self.gate.wait()

    def finish(self) -> int:
        """Wait for every thread; raise the first error, else return the requests made."""
        for worker in self.workers:
            worker.join()
        for counter in (self.warmup, self.measured):
            if counter is not None and counter.error is not None:
                raise counter.error
        return self.measured.tickets.count if self.measured is not None else 0


def run_sync_threads(
    spec: ClientSpec[SyncOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """``params.requests`` requests by ``params.concurrency`` threads sharing one client.

    The client is opened by ``spec`` (its pool sized by the caller); the garbage
    collector stays enabled and is run once before the measured loop.
    """
    if params.concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    warmup = warmup_count(params)
    latencies = latency_array(params.requests)
    session = spec.open(params.url)
    try:
        pool = _Pool(
            session.fetch, params.concurrency, Tickets(warmup), params.expected_size, latencies
        )
        pool.warmed_up()
        gc.collect()
        if profiler is not None:
            profiler.enable()
        before = snapshot()
        pool.start(Tickets.measured(params))
        done = pool.finish()
        after = snapshot()
        if profiler is not None:
            profiler.disable()
    finally:
        session.close()
    return figures_between(before, after, done, latencies[:done], warmup)
