"""The threaded workload: N threads sharing one sync client.

The sync counterpart of ``async_workloads``: ``concurrency`` threads share one
client (its pool holding that many keep-alive connections) and one counter of
request numbers (``measure.Tickets``, taken under a lock); each thread takes the
next number, makes one request, records its latency, until every number is taken.
So N requests are in flight at once, as far as the GIL lets the threads run.

The warm-up is the same loop with at least N requests (so the pool fills before the
measurement), and is not measured. A thread that fails stops the handing out of
numbers; the others finish their request and the error is raised once every thread
has ended. ``getrusage(RUSAGE_SELF)`` counts the CPU time of every thread.

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


def _worker(
    fetch: Callable[[], Body],
    counter: _Counter,
    expected_size: int,
    latencies: array[float] | None,
) -> None:
    """One thread: requests until no number is left, each latency recorded if asked."""
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


def _run_threads(
    fetch: Callable[[], Body],
    threads: int,
    tickets: Tickets,
    expected_size: int,
    latencies: array[float] | None = None,
) -> int:
    """Run ``threads`` workers over ``tickets`` to the end; return the requests made.

    Raises the first error a worker raised.
    """
    counter = _Counter(tickets)
    workers = [
        threading.Thread(
            target=_worker,
            args=(fetch, counter, expected_size, latencies),
            name=f"benchmark-worker-{number}",
        )
        for number in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if counter.error is not None:
        raise counter.error
    return tickets.count


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
    session = spec.open(params.url)
    try:
        _run_threads(session.fetch, params.concurrency, Tickets(warmup), params.expected_size)
        latencies = latency_array(params.requests)
        gc.collect()
        if profiler is not None:
            profiler.enable()
        before = snapshot()
        done = _run_threads(
            session.fetch,
            params.concurrency,
            Tickets.measured(params),
            params.expected_size,
            latencies,
        )
        after = snapshot()
        if profiler is not None:
            profiler.disable()
    finally:
        session.close()
    return figures_between(before, after, done, latencies[:done], warmup)
