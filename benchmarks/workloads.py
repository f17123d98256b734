"""The measured loops, run inside a runner process around one open client.

Each workload opens the client, warms it up, then runs its measured loop and returns
the raw figures of that loop only: request count, wall time (``perf_counter``), the
process's user and system CPU time (``getrusage(RUSAGE_SELF)`` deltas), and the
latency of every request. Nothing outside the measured loop (imports, warm-up,
closing) is counted.

- ``sync-sequential`` (here): one request after the other through a sync client;
- ``sync-connect`` (here): the same, each request on a new connection (the client
  says ``Connection: close``), over plain HTTP or TLS;
- ``sync-threads`` (``thread_workloads``): N threads sharing one sync client;
- ``async-concurrent`` (``async_workloads``): N tasks sharing one async client;
- ``sync-download``, ``sync-upload``, ``async-download``, ``async-upload``: the
  same loops (one task for async) over the transfer adapters (``transfer_clients``),
  whose fetch streams a large body in or sends one, and returns the byte count;
- ``async-http2``: the async loop over the HTTP/2 adapters (``http2_clients``), N
  tasks sharing one client and its one HTTP/2 connection over TLS.

Add a workload for a new kind of scenario with a function of the same shape and an
entry in ``WORKLOADS``.
"""

from __future__ import annotations

import gc
import time
from array import array
from collections.abc import Awaitable, Callable
from typing import Any

from .measure import (
    LoopFigures,
    MeasureParams,
    Profiler,
    Workload,
    figures_between,
    latency_array,
    snapshot,
)
from .sessions import (
    AsyncOpener,
    AsyncSession,
    AsyncTransferOpener,
    BadResponse,
    Body,
    ClientSpec,
    ConfiguredSyncOpener,
    Http2Opener,
    SyncOpener,
    SyncOptions,
    SyncTransferOpener,
    body_size,
)

__all__ = ["WORKLOADS", "LoopFigures", "Profiler", "Workload", "run_sync_sequential"]


def _warm_up(fetch: Callable[[], Body], count: int, expected_size: int) -> None:
    """Requests that are not measured: connection set-up, caches, lazy imports."""
    for _ in range(count):
        size = body_size(fetch())
        if size != expected_size:
            raise BadResponse(f"body of {size} bytes, expected {expected_size}")


def _measured_loop(
    fetch: Callable[[], Body], count: int, expected_size: int, latencies: array[float]
) -> None:
    """The measured requests, one after the other; each latency goes in ``latencies``."""
    clock = time.perf_counter
    for index in range(count):
        started = clock()
        body = fetch()
        latencies[index] = clock() - started
        size = body_size(body)
        if size != expected_size:
            raise BadResponse(f"body of {size} bytes, expected {expected_size}")


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


def configured(
    spec: ClientSpec[ConfiguredSyncOpener], options: SyncOptions
) -> ClientSpec[SyncOpener]:
    """``spec`` with its ``SyncOptions`` bound: an adapter the sync loops can open."""
    open_with = spec.open
    return spec.with_opener(lambda url: open_with(url, options))


def run_sync_connect(
    spec: ClientSpec[ConfiguredSyncOpener],
    params: MeasureParams,
    profiler: Profiler | None = None,
) -> LoopFigures:
    """The sequential loop with every request on a connection of its own.

    The client says ``Connection: close`` on every request (set once, in its
    default headers): nginx closes each connection after its response, so the next
    request connects again, and over https makes a new TLS handshake (resumed, if
    the client offers the session of an earlier one). The same for every library.
    """
    options = SyncOptions(close_connections=True, ca_file=params.ca_file)
    return run_sync_sequential(configured(spec, options), params, profiler)


def run_sync_threads(
    spec: ClientSpec[ConfiguredSyncOpener],
    params: MeasureParams,
    profiler: Profiler | None = None,
) -> LoopFigures:
    """``thread_workloads.run_sync_threads`` with a pool of ``params.concurrency``.

    Every client's pool keeps that many connections alive, one per thread.
    """
    from .thread_workloads import run_sync_threads as run

    options = SyncOptions(pool_size=params.concurrency, ca_file=params.ca_file)
    return run(configured(spec, options), params, profiler)


def run_async_concurrent(
    spec: ClientSpec[AsyncOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """``async_workloads.run_async_concurrent``, imported only when an async run needs it.

    So a sync runner does not load asyncio (its memory would count in peak RSS).
    """
    from .async_workloads import run_async_concurrent as run

    return run(spec, params, profiler)


def run_sync_transfer(
    spec: ClientSpec[SyncTransferOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """The sequential loop over a transfer adapter, opened with the body size to move.

    Each request moves ``params.expected_size`` bytes; its fetch returns the count.
    """
    size = params.expected_size
    open_sized = spec.open
    sized = spec.with_opener(lambda url: open_sized(url, size))
    return run_sync_sequential(sized, params, profiler)


def _with_argument(
    spec: ClientSpec[AsyncTransferOpener] | ClientSpec[Http2Opener], argument: Any
) -> ClientSpec[AsyncOpener]:
    """``spec`` with the third argument of its opener (body size, CA file) bound."""
    open_with = spec.open

    def opener(url: str, pool_size: int) -> Awaitable[AsyncSession]:
        return open_with(url, pool_size, argument)

    return spec.with_opener(opener)


def run_async_transfer(
    spec: ClientSpec[AsyncTransferOpener],
    params: MeasureParams,
    profiler: Profiler | None = None,
) -> LoopFigures:
    """The async loop (one task) over a transfer adapter, opened with the body size."""
    return run_async_concurrent(_with_argument(spec, params.expected_size), params, profiler)


def run_async_http2(
    spec: ClientSpec[Http2Opener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """The async loop over an HTTP/2 adapter, opened with the CA file to trust."""
    if params.ca_file is None:
        raise ValueError("the HTTP/2 workload needs the CA file of the TLS server")
    return run_async_concurrent(_with_argument(spec, params.ca_file), params, profiler)


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload("sync-sequential", "sync", run_sync_sequential),
        Workload("sync-connect", "sync-connect", run_sync_connect),
        Workload("sync-threads", "sync-threads", run_sync_threads),
        Workload("async-concurrent", "async", run_async_concurrent),
        Workload("sync-download", "sync-download", run_sync_transfer),
        Workload("async-download", "async-download", run_async_transfer),
        Workload("sync-upload", "sync-upload", run_sync_transfer),
        Workload("async-upload", "async-upload", run_async_transfer),
        Workload("async-http2", "async-http2", run_async_http2),
    )
}
