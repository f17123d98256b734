"""The measured loops, run inside a runner process around one open client.

Each workload warms the client up, then runs its measured loop and returns the raw
figures of that loop only: request count, wall time (``perf_counter``), the process's
user and system CPU time (``getrusage(RUSAGE_SELF)`` deltas), and the latency of every
request. Nothing outside the measured loop (imports, warm-up, closing) is counted.

Add a workload for a new kind of scenario (concurrent async, uploads, threads...)
with a function of the same shape and an entry in ``WORKLOADS``.
"""

from __future__ import annotations

import gc
import resource
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .clients import BadResponse, SyncSession


class Profiler(Protocol):
    """What a workload needs of a profiler: cProfile.Profile fits."""

    def enable(self) -> None:
        """Start collecting."""

    def disable(self) -> None:
        """Stop collecting."""


@dataclass(frozen=True)
class LoopFigures:
    """The raw figures of one measured loop."""

    requests: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    latencies_s: array[float]


@dataclass(frozen=True)
class Workload:
    """A measured loop and the kind of client adapter it drives."""

    name: str
    kind: str
    run: Callable[[Any, int, int, int, Profiler | None], LoopFigures]


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
    session: SyncSession,
    requests: int,
    warmup: int,
    expected_size: int,
    profiler: Profiler | None = None,
) -> LoopFigures:
    """``requests`` sequential requests through one sync client, after ``warmup`` more.

    The garbage collector stays enabled (it is part of a client's cost); it is run
    once before the measured loop so that warm-up garbage is not charged to it.
    """
    _warm_up(session.fetch, warmup, expected_size)
    latencies = array("d", bytes(8 * requests))
    gc.collect()
    if profiler is not None:
        profiler.enable()
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    wall_before = time.perf_counter()
    _measured_loop(session.fetch, requests, expected_size, latencies)
    wall_after = time.perf_counter()
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    if profiler is not None:
        profiler.disable()
    return LoopFigures(
        requests=requests,
        wall_s=wall_after - wall_before,
        cpu_user_s=usage_after.ru_utime - usage_before.ru_utime,
        cpu_sys_s=usage_after.ru_stime - usage_before.ru_stime,
        latencies_s=latencies,
    )


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (Workload("sync-sequential", "sync", run_sync_sequential),)
}
