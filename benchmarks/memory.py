"""The peak resident memory of the current process, its own and no one else's.

``getrusage(RUSAGE_SELF).ru_maxrss`` is no good for a runner: Linux carries the
high-water mark of the address space a process had before ``exec`` into it, and a
runner's was its parent's (the suite's, a copy made by ``fork`` or the parent's own
with ``vfork``), so it could never read lower than the suite. ``VmHWM`` in
``/proc/self/status`` is the high-water mark of the process's present address
space, which ``exec`` made new. Where ``/proc`` is missing, ``ru_maxrss`` is used
and the source says so.

Standard library only: the runner reads it inside the measured process.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

#: Where the figure came from: the process's own peak, or the inherited one.
VMHWM = "VmHWM"
RU_MAXRSS = "ru_maxrss"

_STATUS = Path("/proc/self/status")


def _vmhwm_kb(status: str) -> int | None:
    """The ``VmHWM`` line of a ``/proc/PID/status`` text, in KiB, or None."""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                return None
            return int(value)
    return None


def peak_rss_kb() -> tuple[int, str]:
    """The process's peak RSS in KiB, and its source (``VMHWM`` or ``RU_MAXRSS``)."""
    try:
        peak = _vmhwm_kb(_STATUS.read_text())
    except OSError:
        peak = None
    if peak is not None:
        return peak, VMHWM
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    return (maxrss // 1024 if sys.platform == "darwin" else maxrss), RU_MAXRSS
