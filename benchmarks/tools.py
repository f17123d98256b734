"""Running a C tool (wrk, h2load, curl) as a child process: its output and CPU time.

Standard library only. The CPU time is the ``RUSAGE_CHILDREN`` delta around the run
(the suite waits for no other child meanwhile), which includes the tool's start-up,
negligible for a C program.
"""

from __future__ import annotations

import resource
import shutil
import subprocess

TOOL_TIMEOUT_S = 300.0


class ToolError(RuntimeError):
    """A C reference failed, reported errors, or printed something unreadable."""


def find_tool(name: str) -> str | None:
    """The binary called ``name`` on PATH, or None."""
    return shutil.which(name)


def tool_version(binary: str, flag: str) -> str:
    """The first line the tool prints for ``flag`` (``--version``...), or ``unknown``."""
    try:
        done = subprocess.run([binary, flag], capture_output=True, text=True, check=False)
    except OSError:
        return "unknown"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def run_tool(
    command: list[str], error: type[ToolError], timeout: float = TOOL_TIMEOUT_S
) -> tuple[str, float]:
    """Run ``command``; return its standard output and the CPU seconds it used.

    Raises ``error`` (a ``ToolError``) with its output when it exits non-zero. The
    calling process's CPU affinity is inherited, so pin the caller first.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        name = command[0].rsplit("/", 1)[-1]
        raise error(f"{name} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, cpu_s


def per_request(cpu_s: float, requests: int) -> float:
    """CPU microseconds per request (0 when no request was made)."""
    return cpu_s / requests * 1e6 if requests else 0.0
