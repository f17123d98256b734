"""What every workload shares: its parameters, its raw figures, the clock around it.

Standard library only: the runner imports this module inside the measured process.
"""

from __future__ import annotations

import math
import resource
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Profiler(Protocol):
    """What a workload needs of a profiler: cProfile.Profile fits."""

    def enable(self) -> None:
        """Start collecting."""

    def disable(self) -> None:
        """Stop collecting."""


@dataclass(frozen=True)
class MeasureParams:
    """What one runner measures: ``requests`` to ``url`` after ``warmup`` more.

    ``concurrency`` is the number of requests in flight at once (tasks sharing one
    client, and the size of its connection pool); 1 for the sync workloads.
    ``time_limit_s``, when set, stops handing out new requests once the measured
    loop has run that long (the requests in flight still complete and count).
    ``ca_file``, for an ``https`` URL, is the CA certificate the clients trust.
    """

    url: str
    requests: int
    warmup: int
    expected_size: int
    concurrency: int = 1
    time_limit_s: float | None = None
    ca_file: str | None = None


@dataclass(frozen=True)
class LoopFigures:
    """The raw figures of one measured loop (``warmup``: the requests made before it)."""

    requests: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    latencies_s: array[float]
    warmup: int = 0


@dataclass(frozen=True)
class Workload:
    """A measured loop and the kind of client adapter it drives.

    ``run(spec, params, profiler)`` opens the client of ``spec`` (a ``ClientSpec`` of
    the workload's kind), warms it up, measures, closes it and returns the figures.
    """

    name: str
    kind: str
    run: Callable[[Any, MeasureParams, Profiler | None], LoopFigures]


@dataclass(frozen=True)
class Snapshot:
    """The wall clock and the process's CPU times at one instant."""

    wall_s: float
    user_s: float
    sys_s: float


def snapshot() -> Snapshot:
    """Now: ``perf_counter`` and ``getrusage(RUSAGE_SELF)`` (every thread of the process)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return Snapshot(time.perf_counter(), usage.ru_utime, usage.ru_stime)


def figures_between(
    before: Snapshot, after: Snapshot, requests: int, latencies: array[float], warmup: int
) -> LoopFigures:
    """The figures of a loop of ``requests`` run between two snapshots."""
    return LoopFigures(
        requests=requests,
        wall_s=after.wall_s - before.wall_s,
        cpu_user_s=after.user_s - before.user_s,
        cpu_sys_s=after.sys_s - before.sys_s,
        latencies_s=latencies,
        warmup=warmup,
    )


def latency_array(count: int) -> array[float]:
    """A zeroed array of ``count`` doubles, allocated before the measured loop."""
    return array("d", bytes(8 * count))


class Tickets:
    """The request numbers 0 .. count-1, handed out one at a time to the workers.

    Shared by the workers of a concurrent loop (tasks, or threads holding a lock).
    ``deadline`` (a ``perf_counter`` time) ends the handing out early: the first
    worker to take a number after it lowers ``count`` to the numbers already out.
    """

    __slots__ = ("count", "deadline", "next")

    def __init__(self, count: int, deadline: float = math.inf) -> None:
        self.count = count
        self.deadline = deadline
        self.next = 0

    @classmethod
    def measured(cls, params: MeasureParams) -> Tickets:
        """The tickets of a measured loop starting now, with its time limit if any."""
        if params.time_limit_s is None:
            return cls(params.requests)
        return cls(params.requests, time.perf_counter() + params.time_limit_s)

    def take(self, now: float) -> int:
        """The next number, or -1 when every number is out; ``now``: ``perf_counter()``.

        A number taken past the deadline is still handed out (its request is made),
        and is the last one.
        """
        index = self.next
        if index >= self.count:
            return -1
        self.next = index + 1
        if now > self.deadline:
            self.count = self.next
        return index


def warmup_count(params: MeasureParams) -> int:
    """Warm-up requests of a concurrent loop: as asked, but at least one per worker.

    So that every worker's first request opens a connection and the pool is full
    before the measurement.
    """
    return max(params.warmup, params.concurrency)
