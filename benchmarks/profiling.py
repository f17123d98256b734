"""Where a client's CPU goes: cProfile and py-spy around one runner process.

cProfile runs inside the runner around the measured loop only (deterministic, every
call, with a large overhead per call). Its time is wall time: the socket's ``recv``
and ``sendall`` rows include the waits for the server and the kernel's work.

py-spy samples the runner from outside (low overhead, no instrumentation) with
``--gil``: only samples where the thread holds the GIL count, so socket waits and
system calls (which release it) are left out and the shares are those of the
Python-level CPU time. Its samples are narrowed to the measured loop by keeping only
stacks that pass through one of ``FOCUS_FRAMES`` (``_measured_loop``, below which
the sync loop and an asyncio or uvloop loop run everything they do while measured;
``_measured_worker``, the measured tasks, the only frames trio's tasks have of this
suite), and the frames above it (the runner's own) are dropped.
"""

from __future__ import annotations

import pstats
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .scenarios import Scenario
from .suite import PACKAGE_PARENT, SuiteError, runner_environment

FOCUS_FRAMES = ("_measured_loop", "_measured_worker")
_SHORTEN = (
    re.compile(r".*/site-packages/"),
    re.compile(r".*/src/(?=darter/)"),
    re.compile(r".*/lib/python\d+\.\d+/"),
    re.compile(r".*/(?=benchmarks/)"),
)


def shorten_path(path: str) -> str:
    """A file path without its installation prefix: ``darter/_sync/client.py``."""
    for pattern in _SHORTEN:
        shortened, count = pattern.subn("", path, count=1)
        if count:
            return shortened
    return path


def _label(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":  # built-in functions
        return function
    return f"{function} ({shorten_path(filename)}:{line})"


def cprofile_tables(path: Path, requests: int, top: int = 25) -> str:
    """Markdown: the top functions by own time and by cumulative time, per request."""
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values())
    parts = [
        f"cProfile, measured loop only: {requests:,} requests, "
        f"{total * 1e6 / requests:.1f} µs of profiled time per request "
        "(profiler overhead included).",
        "",
    ]
    for title, column in (("own time (tottime)", 2), ("cumulative time", 3)):
        rows = sorted(entries.items(), key=lambda item: item[1][column], reverse=True)[:top]
        parts += [
            f"Top {top} by {title}:",
            "",
            "| function | calls/request | own µs/request | cumulative µs/request | own % |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, (_primitive, calls, own, cumulative, _callers) in rows:
            parts.append(
                f"| `{_label(key)}` | {calls / requests:.2f} | {own * 1e6 / requests:.2f} "
                f"| {cumulative * 1e6 / requests:.2f} | {own / total:.1%} |"
            )
        parts.append("")
    return "\n".join(parts)


def find_py_spy() -> str | None:
    """The py-spy binary next to this Python or on PATH, or None."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


def run_py_spy(
    binary: str,
    scenario: Scenario,
    client: str,
    base_url: str,
    requests: int,
    warmup: int,
    cpu: int | None,
    output: Path,
    rate: int = 1000,
    time_limit_s: float | None = None,
    ca_file: str | None = None,
) -> None:
    """Record a runner with py-spy into ``output`` (collapsed stacks, one per line).

    Raises ``SuiteError`` when py-spy or the runner fails (py-spy needs the right to
    trace processes; in containers that may be denied).
    """
    command = [
        binary,
        "record",
        "--rate",
        str(rate),
        "--gil",
        "--format",
        "raw",
        "--output",
        str(output),
        "--",
        sys.executable,
        "-m",
        "benchmarks.runner",
        "--scenario",
        scenario.name,
        "--client",
        client,
        "--base-url",
        base_url,
        "--requests",
        str(requests),
        "--warmup",
        str(warmup),
    ]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    if time_limit_s is not None:
        command += ["--time-limit", f"{time_limit_s:g}"]
    if ca_file is not None:
        command += ["--ca-file", ca_file]
    done = subprocess.run(
        command,
        cwd=PACKAGE_PARENT,
        env=runner_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0 or not output.exists():
        raise SuiteError(f"py-spy failed ({done.returncode}):\n{done.stderr.strip()}")


_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _function_of(frame: str) -> str:
    """``func (path/file.py:12)`` -> ``func (file.py)``, aggregating a function's lines."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['function']} ({shorten_path(match['file'])})"


def parse_collapsed(lines: Iterable[str]) -> list[tuple[list[str], int]]:
    """Collapsed stacks (``a;b;c COUNT``) as (frames root first, count) pairs."""
    stacks = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stacks.append((stack.split(";"), int(count)))
    return stacks


def _is_focus(frame: str, focus: tuple[str, ...]) -> bool:
    return _function_of(frame).split(" (", 1)[0] in focus


def py_spy_tables(path: Path, top: int = 25, focus: tuple[str, ...] = FOCUS_FRAMES) -> str:
    """Markdown: top functions by own and inclusive share of the measured loop's samples."""
    stacks = []
    for frames, count in parse_collapsed(path.read_text(errors="replace").splitlines()):
        starts = [index for index, frame in enumerate(frames) if _is_focus(frame, focus)]
        if starts:
            stacks.append((frames[starts[0] + 1 :] or frames[starts[0] :], count))
    total = sum(count for _, count in stacks)
    if total == 0:
        return f"py-spy recorded no sample inside `{'` or `'.join(focus)}`.\n"
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        functions = [_function_of(frame) for frame in frames]
        own[functions[-1]] += count
        for function in set(functions):
            inclusive[function] += count
    parts = [
        f"py-spy --gil, {total:,} samples holding the GIL inside the measured loop "
        "(waits and system calls release the GIL and are not sampled); shares of "
        "those samples.",
        "",
    ]
    for title, counter in (("own samples", own), ("inclusive samples", inclusive)):
        parts += [f"Top {top} by {title}:", "", "| function | share |", "|---|---:|"]
        for function, count in counter.most_common(top):
            parts.append(f"| `{function}` | {count / total:.1%} |")
        parts.append("")
    return "\n".join(parts)
