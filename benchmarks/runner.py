"""Measure one client once, in a process of its own, and print one JSON line.

Started by the suite as::

    python -m benchmarks.runner --scenario sync-sequential --client darter \\
        --base-url http://127.0.0.1:PORT --requests 5000 --warmup 500 [--cpu N] \\
        [--time-limit SECONDS] [--body-size BYTES] [--ca-file PEM]

It pins itself to ``--cpu`` (when given), raises its open-file limit when the
scenario's concurrency needs it, runs the scenario's workload (open the client, warm
up, the measured loop, close) and prints a single JSON object on standard output
with the figures of the measured loop and the process's peak RSS (its own: see
``memory``), read at the end of the run. Anything else it
would say goes to standard error. ``--time-limit`` stops the measured loop from
starting requests after that many seconds (the record says how many were made).
``--profile FILE`` runs cProfile around the measured loop only and writes its
statistics to FILE (the timings of such a run include the profiler's overhead and
are not comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
from importlib import metadata
from typing import Any

from .clients import ClientSpec, find_spec
from .measure import LoopFigures, MeasureParams
from .memory import peak_rss_kb
from .scenarios import SCENARIOS
from .stats import percentile
from .workloads import WORKLOADS

# File descriptors a runner needs besides its connections (interpreter, imports).
_SPARE_FILES = 256


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.runner", description="Measure one client once."
    )
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--client", required=True)
    parser.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument(
        "--time-limit", type=float, default=None, help="start no request after S seconds"
    )
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to CPU")
    parser.add_argument("--profile", default=None, help="write cProfile stats here")
    parser.add_argument(
        "--ca-file", default=None, help="CA certificate to trust (https scenarios)"
    )
    parser.add_argument(
        "--body-size",
        type=int,
        default=None,
        help="bytes each request moves (default: the scenario's full-mode size)",
    )
    return parser.parse_args(argv)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def loop_version(spec: ClientSpec[Any]) -> str:
    """What drives the client, with its version: ``uvloop 0.21.0``, ``sync``..."""
    if spec.loop == "asyncio":
        return f"asyncio (Python {platform.python_version()})"
    if spec.loop in ("uvloop", "trio"):
        return f"{spec.loop} {_version(spec.loop)}"
    return spec.loop


def ensure_open_files(needed: int) -> int:
    """Raise the soft limit on open files to ``needed`` if it is lower; return it.

    Raises ``OSError`` when the hard limit is lower than ``needed``.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise OSError(
                f"{needed} open files needed, the hard limit is {hard} (raise it: ulimit -Hn)"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        soft = needed
    return int(soft)


def figures_to_record(figures: LoopFigures, body_size: int = 0) -> dict[str, float | int]:
    """The JSON figures of one measured loop: raw times plus per-request derivations.

    ``mb_per_s`` is the body bytes moved per second, in MB (10^6 bytes), with each
    request moving ``body_size`` bytes.
    """
    count = figures.requests
    cpu_s = figures.cpu_user_s + figures.cpu_sys_s
    ordered = sorted(figures.latencies_s)
    return {
        "requests": count,
        "wall_s": figures.wall_s,
        "cpu_user_s": figures.cpu_user_s,
        "cpu_sys_s": figures.cpu_sys_s,
        "cpu_s": cpu_s,
        "req_per_s": count / figures.wall_s if figures.wall_s > 0 else 0.0,
        "body_size": body_size,
        "mb_per_s": count * body_size / figures.wall_s / 1e6 if figures.wall_s > 0 else 0.0,
        "cpu_us_per_req": cpu_s / count * 1e6 if count else 0.0,
        "latency_p50_us": percentile(ordered, 0.50) * 1e6,
        "latency_p99_us": percentile(ordered, 0.99) * 1e6,
        "latency_mean_us": sum(ordered) / count * 1e6,
        "latency_max_us": ordered[-1] * 1e6,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the scenario's workload on the client once; return the JSON record."""
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    scenario = SCENARIOS[args.scenario]
    workload = WORKLOADS[scenario.workload]
    spec = find_spec(workload.kind, args.client)
    if args.requests < 1 or args.warmup < 0:
        raise ValueError("--requests must be at least 1 and --warmup at least 0")
    if args.time_limit is not None and args.time_limit <= 0:
        raise ValueError("--time-limit must be positive")
    open_files = ensure_open_files(scenario.concurrency + _SPARE_FILES)

    body_size = scenario.body_size if args.body_size is None else args.body_size
    rss_before_client_kb, _ = peak_rss_kb()
    params = MeasureParams(
        url=args.base_url + scenario.path,
        requests=args.requests,
        warmup=args.warmup,
        expected_size=body_size,
        concurrency=scenario.concurrency,
        time_limit_s=args.time_limit,
        ca_file=args.ca_file,
    )
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    figures = workload.run(spec, params, profiler)
    if profiler is not None:
        profiler.dump_stats(args.profile)

    record: dict[str, Any] = {
        "scenario": scenario.name,
        "client": spec.name,
        "api": spec.api,
        "version": _version(spec.distribution),
        "loop": spec.loop,
        "loop_version": loop_version(spec),
        "concurrency": scenario.concurrency,
        "requests_asked": args.requests,
        "time_limit_s": args.time_limit,
        "warmup": figures.warmup,
        "cpu_pinned": args.cpu,
        "open_files_limit": open_files,
        "pid": os.getpid(),
    }
    record.update(figures_to_record(figures, body_size))
    record["peak_rss_kb"], record["peak_rss_source"] = peak_rss_kb()
    record["rss_before_client_kb"] = rss_before_client_kb
    record["profiled"] = bool(args.profile)
    return record


def main(argv: list[str] | None = None) -> int:
    """Entry point: print the record as one JSON line; exit 1 on any failure."""
    args = _parse_args(argv)
    try:
        record = run(args)
    except Exception as exc:
        print(f"runner {args.client}/{args.scenario} failed: {exc!r}", file=sys.stderr)
        raise
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
