"""Which cores the server and the client processes run on.

Three modes (``--pin``):

- ``split`` (the default): on a machine with at least two usable cores, the server
  (nginx and its worker) runs on one core and every client process (the runners, wrk
  and the orchestrating process itself) on another, so the two never compete for a
  core and neither migrates during a measurement. With one usable core nothing is
  pinned, and the output says so.
- ``same``: server and clients share one core. On virtual machines a wake-up across
  cores can cost more than the request itself; this mode shows how much.
- ``off``: nothing is pinned; the kernel's scheduler decides.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PIN_MODES = ("split", "same", "off")


@dataclass(frozen=True)
class Pinning:
    """The cores chosen for the server and the clients (None: not pinned)."""

    mode: str
    server_cpu: int | None
    client_cpu: int | None
    reason: str = ""

    @property
    def enabled(self) -> bool:
        """Whether server and clients are pinned at all."""
        return self.server_cpu is not None and self.client_cpu is not None

    def describe(self) -> str:
        """One line for the output: what is pinned where, or why nothing is."""
        if not self.enabled:
            return f"CPU pinning: off ({self.reason})"
        where = (
            "different cores"
            if self.server_cpu != self.client_cpu
            else "the same core (--pin same)"
        )
        return (
            f"CPU pinning: nginx on CPU {self.server_cpu}, client processes on "
            f"CPU {self.client_cpu} ({where})"
        )

    def to_dict(self) -> dict[str, int | str | None]:
        """The plan as JSON-ready values, for the results file."""
        return {
            "mode": self.mode,
            "server_cpu": self.server_cpu,
            "client_cpu": self.client_cpu,
            "reason": self.reason,
        }


def usable_cpus() -> list[int]:
    """The cores this process may run on, in increasing order."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def plan_pinning(mode: str = "split", cpus: list[int] | None = None) -> Pinning:
    """Choose the cores for ``mode`` (one of ``PIN_MODES``).

    ``split`` puts nginx on the last usable core and the clients on the first;
    ``same`` puts both on the first. ``cpus`` overrides the usable cores (for tests).
    Raises ``ValueError`` for an unknown mode.
    """
    if mode not in PIN_MODES:
        raise ValueError(f"unknown pinning mode {mode!r}; known: {', '.join(PIN_MODES)}")
    if mode == "off":
        return Pinning(mode, None, None, "--pin off")
    if not hasattr(os, "sched_setaffinity"):
        return Pinning(mode, None, None, "this platform cannot set CPU affinity")
    available = usable_cpus() if cpus is None else sorted(cpus)
    if not available:
        return Pinning(mode, None, None, "no usable core reported")
    if mode == "same":
        return Pinning(mode, available[0], available[0])
    if len(available) < 2:
        return Pinning(mode, None, None, f"only {len(available)} usable core")
    return Pinning(mode, server_cpu=available[-1], client_cpu=available[0])


def pin_current_process(cpu: int | None) -> None:
    """Restrict the calling process (and the children it starts later) to ``cpu``."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
