"""Per-phase timeouts under an optional whole-request deadline, with no I/O.

A request's ``extensions["timeout"]`` holds a timeout per phase (``connect``,
``read``, ``write``, ``pool``); with ``Timeout(total=...)`` the client also puts an
absolute ``deadline`` there (``time.monotonic()`` based). Every wait is then bounded
by the smaller of its phase's timeout and the time left before the deadline, so a
server that trickles bytes just inside the read timeout is still cut off.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = ["deadline_passed", "phase_timeout"]

#: The shortest timeout handed to a backend once the deadline is (nearly) reached:
#: zero would mean "non-blocking" to some socket APIs rather than "expired".
_MINIMUM = 0.001


def phase_timeout(timeouts: Mapping[str, float | None], phase: str) -> float | None:
    """The timeout for the next wait of ``phase``, capped by the request's deadline."""
    timeout = timeouts.get(phase)
    deadline = timeouts.get("deadline")
    if deadline is None:
        return timeout
    remaining = max(deadline - time.monotonic(), _MINIMUM)
    return remaining if timeout is None or remaining < timeout else timeout


def deadline_passed(timeouts: Mapping[str, float | None]) -> bool:
    """Whether the request had a deadline and it has passed."""
    deadline = timeouts.get("deadline")
    return deadline is not None and time.monotonic() >= deadline - _MINIMUM
