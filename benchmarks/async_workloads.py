"""The concurrent async workload: N tasks sharing one async client.

Every client is driven the same way: ``concurrency`` worker tasks share one client
and one counter of request numbers; each worker takes the next number, awaits one
request, records its latency, and goes on until every number is taken. So exactly
``concurrency`` requests are in flight at any time (fewer only at the very end),
whatever the library. The workers run under ``asyncio.gather`` on an asyncio or
uvloop loop, or in a trio nursery.

With a time limit, no request is handed out once the measured loop has run that
long: the requests in flight complete and count, and the figures are those of the
requests actually made (a slow client makes fewer than ``requests``).

The warm-up is the same loop with at least ``concurrency`` requests (so that every
worker's first request opens its connection and the pool is full before the
measurement), and it is not measured. The garbage collector stays enabled; it is
run once before the measured loop.

For profiling: on asyncio and uvloop, everything the loop does during the
measurement (the workers, the transports' callbacks, the loop itself) runs below
the ``_measured_loop`` frame. trio's scheduler does not run below any frame of this
module, so there only the workers' own stacks (``_measured_worker``) are found.
"""

from __future__ import annotations

import asyncio
import gc
import time
from array import array
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .measure import (
    LoopFigures,
    MeasureParams,
    Profiler,
    Snapshot,
    Tickets,
    figures_between,
    latency_array,
    snapshot,
    warmup_count,
)
from .sessions import AsyncOpener, AsyncSession, BadResponse, Body, ClientSpec, body_size

Fetch = Callable[[], Awaitable[Body]]


def _check_body(body: Body, expected_size: int) -> None:
    size = body_size(body)
    if size != expected_size:
        raise BadResponse(f"body of {size} bytes, expected {expected_size}")


async def _warm_up_worker(fetch: Fetch, tickets: Tickets, expected_size: int) -> None:
    """One warm-up task: requests until no number is left, nothing recorded."""
    while tickets.take(0.0) >= 0:
        _check_body(await fetch(), expected_size)


async def _measured_worker(
    fetch: Fetch, tickets: Tickets, expected_size: int, latencies: array[float]
) -> None:
    """One measured task: requests until no number is left, each latency recorded."""
    clock = time.perf_counter
    while True:
        started = clock()
        index = tickets.take(started)
        if index < 0:
            return
        body = await fetch()
        latencies[index] = clock() - started
        _check_body(body, expected_size)


# ---------------------------------------------------------------------------
# asyncio and uvloop


def new_event_loop(loop: str) -> asyncio.AbstractEventLoop:
    """A fresh event loop of the kind ``loop`` names: ``asyncio`` or ``uvloop``."""
    if loop == "uvloop":
        import uvloop

        new: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return new
    if loop == "asyncio":
        return asyncio.new_event_loop()
    raise ValueError(f"not an asyncio event loop: {loop!r}")


async def _gather(
    worker: Callable[..., Coroutine[Any, Any, None]], concurrency: int, *args: Any
) -> None:
    await asyncio.gather(*(worker(*args) for _ in range(concurrency)))


def _measured_loop(
    loop: asyncio.AbstractEventLoop,
    session: AsyncSession,
    params: MeasureParams,
    latencies: array[float],
) -> int:
    """Run the measured workers to completion on ``loop`` (the profilers' focus).

    Returns the number of requests made.
    """
    tickets = Tickets.measured(params)
    loop.run_until_complete(
        _gather(
            _measured_worker,
            params.concurrency,
            session.fetch,
            tickets,
            params.expected_size,
            latencies,
        )
    )
    return tickets.count


def _run_on_asyncio(
    spec: ClientSpec[AsyncOpener], params: MeasureParams, profiler: Profiler | None
) -> LoopFigures:
    loop = new_event_loop(spec.loop)
    asyncio.set_event_loop(loop)
    warmup = warmup_count(params)
    try:
        session = loop.run_until_complete(spec.open(params.url, params.concurrency))
        try:
            loop.run_until_complete(
                _gather(
                    _warm_up_worker,
                    params.concurrency,
                    session.fetch,
                    Tickets(warmup),
                    params.expected_size,
                )
            )
            latencies = latency_array(params.requests)
            gc.collect()
            if profiler is not None:
                profiler.enable()
            before = snapshot()
            done = _measured_loop(loop, session, params, latencies)
            after = snapshot()
            if profiler is not None:
                profiler.disable()
        finally:
            loop.run_until_complete(session.close())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()
    return figures_between(before, after, done, latencies[:done], warmup)


# ---------------------------------------------------------------------------
# trio


async def _trio_workers(
    worker: Callable[..., Coroutine[Any, Any, None]], concurrency: int, *args: Any
) -> None:
    import trio

    async with trio.open_nursery() as nursery:
        for _ in range(concurrency):
            nursery.start_soon(worker, *args)


async def _trio_main(
    spec: ClientSpec[AsyncOpener], params: MeasureParams, profiler: Profiler | None
) -> LoopFigures:
    warmup = warmup_count(params)
    session = await spec.open(params.url, params.concurrency)
    try:
        await _trio_workers(
            _warm_up_worker,
            params.concurrency,
            session.fetch,
            Tickets(warmup),
            params.expected_size,
        )
        latencies = latency_array(params.requests)
        gc.collect()
        if profiler is not None:
            profiler.enable()
        before: Snapshot = snapshot()
        tickets = Tickets.measured(params)
        await _trio_workers(
            _measured_worker,
            params.concurrency,
            session.fetch,
            tickets,
            params.expected_size,
            latencies,
        )
        after = snapshot()
        if profiler is not None:
            profiler.disable()
    finally:
        await session.close()
    done = tickets.count
    return figures_between(before, after, done, latencies[:done], warmup)


def run_async_concurrent(
    spec: ClientSpec[AsyncOpener], params: MeasureParams, profiler: Profiler | None = None
) -> LoopFigures:
    """``params.requests`` requests by ``params.concurrency`` tasks sharing one client.

    The client runs on the event loop its spec names (``asyncio``, ``uvloop`` or
    ``trio``), opened with a pool of ``params.concurrency`` connections.
    """
    if params.concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if spec.loop == "trio":
        import trio

        figures: LoopFigures = trio.run(_trio_main, spec, params, profiler)
        return figures
    return _run_on_asyncio(spec, params, profiler)
