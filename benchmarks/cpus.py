"""Which cores the server and the client processes run on.

On a machine with at least two usable cores the server (nginx, all its processes) is
pinned to one core and every client process (the runners, wrk and the orchestrating
process itself) to another, so that the two never compete for a core and neither
migrates between cores during a measurement. With a single usable core, or when asked
not to pin, nothing is pinned and the output says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Pinning:
    """The cores chosen for the server and the clients (None: not pinned)."""

    server_cpu: int | None
    client_cpu: int | None
    reason: str

    @property
    def enabled(self) -> bool:
        """Whether server and clients are pinned to different cores."""
        return self.server_cpu is not None and self.client_cpu is not None

    def describe(self) -> str:
        """One line for the output: what is pinned where, or why nothing is."""
        if self.enabled:
            return (
                f"CPU pinning: nginx on CPU {self.server_cpu}, "
                f"client processes on CPU {self.client_cpu}"
            )
        return f"CPU pinning: off ({self.reason})"

    def to_dict(self) -> dict[str, int | str | None]:
        """The plan as JSON-ready values, for the results file."""
        return {
            "server_cpu": self.server_cpu,
            "client_cpu": self.client_cpu,
            "reason": self.reason,
        }


def usable_cpus() -> list[int]:
    """The cores this process may run on, in increasing order."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def plan_pinning(enabled: bool = True, cpus: list[int] | None = None) -> Pinning:
    """Choose the cores: the last usable core for nginx, the first for the clients.

    ``cpus`` overrides the usable cores (for tests); ``enabled=False`` turns pinning off.
    """
    if not enabled:
        return Pinning(None, None, "disabled with --no-pin")
    if not hasattr(os, "sched_setaffinity"):
        return Pinning(None, None, "this platform cannot set CPU affinity")
    available = usable_cpus() if cpus is None else sorted(cpus)
    if len(available) < 2:
        return Pinning(None, None, f"only {len(available)} usable core")
    return Pinning(server_cpu=available[-1], client_cpu=available[0], reason="")


def pin_current_process(cpu: int | None) -> None:
    """Restrict the calling process (and the children it starts later) to ``cpu``."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
