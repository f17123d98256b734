"""The measured loops, run inside a runner process around one open client.

Each workload opens the client, warms it up, then runs its measured loop and returns
the raw figures of that loop only: request count, wall time (``perf_counter``), the
process's user and system CPU time (``getrusage(RUSAGE_SELF)`` deltas), and the
latency of every request. Nothing outside the measured loop (imports, warm-up,
closing) is counted.

- ``sync-sequential`` (here): one request after the other through a sync client;
- ``async-concurrent`` (``async_workloads``): N tasks sharing one async client.

Add a workload for a new kind of scenario (uploads, threads...) with a function of
the same shape and an entry in ``WORKLOADS``.
"""

from __future__ import annotations

import gc
import time
from array import array
from collections.abc import Callable

from .measure import (
    LoopFigures,
    MeasureParams,
    Profiler,
    Workload,
    figures_between,
    latency_array,
    snapshot,
)
from .sessions import AsyncOpener, BadResponse, ClientSpec, SyncOpener

__all__ = ["WORKLOADS", "LoopFigures", "Profiler", "Workload", "run_sync_sequential"]


def _warm_up(fetch: Callable[[], bytes], count: int, expected_size: int) -> None:
    """Requests that are not measured: connection set-up, caches, lazy imports."""
    for _ in range(count):
        body = fetch()
        if len(body) != expected_size:
            raise BadResponse(f"body of {len(body)} bytes, expected {expected_size}")


def _measured_loop(
    fetch: Callable[[], bytes], count: int, expected_size: int, latencies: array[float]
) -> None:
    """The measured requests, one after the other; each latency goes in ``latencies``."""
    clock = time.perf_counter
    for index in range(count):
        started = clock()
        body = fetch()
        latencies[index] = clock() - started
        if len(body) != expected_size:
            raise BadResponse(f"body of {len(body)} bytes, expected {expected_size}")


def run_sync_sequential(
    spec: ClientSpec[SyncOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """``params.requests`` sequential requests through one sync client, after the warm-up.

    The garbage collector stays enabled (it is part of a client's cost); it is run
    once before the measured loop so that warm-up garbage is not charged to it.
    """
    session = spec.open(params.url)
    try:
        _warm_up(session.fetch, params.warmup, params.expected_size)
        latencies = latency_array(params.requests)
        gc.collect()
        if profiler is not None:
            profiler.enable()
        before = snapshot()
        _measured_loop(session.fetch, params.requests, params.expected_size, latencies)
        after = snapshot()
        if profiler is not None:
            profiler.disable()
    finally:
        session.close()
    return figures_between(before, after, params.requests, latencies, params.warmup)


def run_async_concurrent(
    spec: ClientSpec[AsyncOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """``async_workloads.run_async_concurrent``, imported only when an async run needs it.

    So a sync runner does not load asyncio (its memory would count in peak RSS).
    """
    from .async_workloads import run_async_concurrent as run

    return run(spec, params, profiler)


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload("sync-sequential", "sync", run_sync_sequential),
        Workload("async-concurrent", "async", run_async_concurrent),
    )
}
