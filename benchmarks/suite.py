"""A whole benchmark run: nginx up, every client measured in interleaved repetitions.

For each scenario, repetition after repetition, each peer is measured once in a fresh
runner process, in the scenario's order (A B C A B C ...), then the scenario's C
reference (wrk, h2load or curl) once when it is installed, so that a slow drift of
the machine affects every client alike. nginx's counters are read around each
runner and each reference run, so each record also says how many connections the
client opened and how many requests the server saw (and, over TLS, how many of its
connections resumed a TLS session). The result is the raw record of every
measurement, ready for ``report``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clients import find_spec
from .cpus import Pinning, pin_current_process
from .references import TOOLS, ToolError, run_reference
from .resources import UPLOAD_PATH
from .scenarios import QUICK_WRK_SECONDS, WRK_SECONDS, Scenario
from .server import NginxServer, ServerCounters, running_nginx
from .sessions import shadowed_urllib3
from .workloads import WORKLOADS

# 2: ratios per darter variant ({subject: {peer: ...}}), sweeps, server counters.
SCHEMA_VERSION = 2
# The parent of the package: runner processes start there so ``-m benchmarks.runner``
# imports this very package.
PACKAGE_PARENT = Path(__file__).resolve().parent.parent
_RUNNER_TIMEOUT = 900.0
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
# The peers that import urllib3, which must be urllib3 itself.
URLLIB3_USERS = frozenset({"urllib3", "requests"})
# Where some clients look for CA certificates instead of what they are given:
# requests takes REQUESTS_CA_BUNDLE over Session.verify, and loads the file it names
# at every new connection.
_CA_VARIABLES = ("requests_ca_bundle", "curl_ca_bundle", "ssl_cert_file", "ssl_cert_dir")


class SuiteError(RuntimeError):
    """A runner failed or answered something unreadable: the run is invalid."""


class MissingDependency(RuntimeError):
    """Something the run needs is not installed; the message says how to install it."""


def _silent(line: str) -> None:
    """The default progress callback: say nothing."""


@dataclass
class SuiteOptions:
    """What ``python -m benchmarks run`` asked for."""

    scenarios: list[Scenario]
    nginx: str
    pinning: Pinning
    selection: str = "all"
    quick: bool = False
    repetitions: int | None = None
    requests: int | None = None
    warmup: int | None = None
    clients: list[str] | None = None
    # The C references' binaries by tool name (wrk, h2load, curl): those installed.
    references: dict[str, str] = field(default_factory=dict)
    command: str = ""
    progress: Callable[[str], None] = field(default=_silent)

    def repetition_count(self, scenario: Scenario) -> int:
        """Repetitions per client: the explicit count, else the scenario's for the mode."""
        if self.repetitions is not None:
            return self.repetitions
        return scenario.repetition_count(self.quick)

    def peers_of(self, scenario: Scenario) -> list[str]:
        """The scenario's peers in this mode, narrowed to ``clients`` when given."""
        peers = scenario.peers_in(self.quick)
        if self.clients is None:
            return list(peers)
        return [name for name in peers if name in self.clients]


def check_clients(options: SuiteOptions) -> None:
    """Fail before measuring anything when a peer cannot be imported.

    Raises ``MissingDependency`` with the install command of every missing client,
    or when the urllib3 or requests peer would import urllib3-future's copy of
    urllib3 instead of urllib3 (``sessions.shadowed_urllib3``).
    """
    missing = []
    modules = set()
    for scenario in options.scenarios:
        kind = WORKLOADS[scenario.workload].kind
        for name in options.peers_of(scenario):
            spec = find_spec(kind, name)
            modules.add(spec.module)
            if spec.missing():
                missing.append(f"  {spec.name}: {spec.install_hint()}")
    if missing:
        lines = "\n".join(sorted(set(missing)))
        raise MissingDependency(f"peer clients are not installed:\n{lines}")
    shadowed = shadowed_urllib3() if modules & URLLIB3_USERS else None
    if shadowed is not None:
        raise MissingDependency(shadowed)


def runner_environment() -> dict[str, str]:
    """The runners' environment: no proxy or CA-bundle settings, a fixed hash seed."""
    left_out = (*_PROXY_VARIABLES, *_CA_VARIABLES)
    env = {key: value for key, value in os.environ.items() if key.lower() not in left_out}
    env["PYTHONHASHSEED"] = "0"
    return env


def run_runner(
    scenario: Scenario,
    client: str,
    base_url: str,
    requests: int,
    warmup: int,
    cpu: int | None,
    profile: str | None = None,
    time_limit_s: float | None = None,
    body_size: int | None = None,
    ca_file: str | None = None,
) -> dict[str, Any]:
    """Measure ``client`` once in a fresh runner process; return its JSON record.

    Raises ``SuiteError`` with the runner's standard error when it fails.
    """
    command = [
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
    if profile is not None:
        command += ["--profile", profile]
    if time_limit_s is not None:
        command += ["--time-limit", f"{time_limit_s:g}"]
    if body_size is not None:
        command += ["--body-size", str(body_size)]
    if ca_file is not None:
        command += ["--ca-file", ca_file]
    done = subprocess.run(
        command,
        cwd=PACKAGE_PARENT,
        env=runner_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=_RUNNER_TIMEOUT,
    )
    if done.returncode != 0:
        raise SuiteError(
            f"runner for {client} ({scenario.name}) exited with {done.returncode}:\n"
            f"{done.stderr.strip()}"
        )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        record: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise SuiteError(
            f"runner for {client} printed no JSON record:\n{done.stdout}{done.stderr}"
        ) from exc
    return record


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def busy_fraction(seconds: float = 1.0) -> float | None:
    """How busy the machine's cores are (0..1) over ``seconds``, before the run starts.

    Other processes competing for the cores make every figure noisier; the report
    warns when this is high. None where /proc/stat is not available.
    """
    before = _cpu_times()
    if before is None:
        return None
    time.sleep(seconds)
    after = _cpu_times()
    if after is None or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def source_revision() -> dict[str, Any] | None:
    """The commit of the git checkout darter is imported from, and whether it differs.

    darter is measured as installed, usually from this checkout in editable mode, so
    the commit says which darter a results file is about; ``modified`` is true when
    darter's own folder has changes not committed. None when darter is not imported
    from a git checkout (or git is missing).
    """
    spec = importlib.util.find_spec("darter")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "modified": bool(status.strip())}


def machine_info() -> dict[str, Any]:
    """What the results depend on besides the code: Python, OS, CPU, load."""
    cpu_model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
        "busy_before": busy_fraction(),
    }


def _failure(client: str, repetition: int, sequence: int, exc: Exception) -> dict[str, Any]:
    """A failed run, as the results keep it: who, when, the error's gist and its end."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    gist = next((line for line in lines if " failed: " in line), lines[-1] if lines else "")
    return {
        "client": client,
        "repetition": repetition,
        "sequence": sequence,
        "error": gist[:300],
        "detail": text[-4000:],
    }


def _rate_text(figures: dict[str, Any], unit: str) -> str:
    """One run's figures on a progress line: throughput, CPU per request, p50 latency."""
    rate = f"{figures['mb_per_s' if unit == 'MB/s' else 'req_per_s']:>9,.0f} {unit}"
    return (
        f"{rate}  {figures['cpu_us_per_req']:>7.1f} µs CPU/req"
        f"  p50 {figures['latency_p50_us']:>9.1f} µs"
    )


def scenario_base_url(scenario: Scenario, server: NginxServer) -> str:
    """Where the scenario's requests go: the TLS and HTTP/2 port, or plain HTTP."""
    return server.tls_base_url if scenario.tls else server.base_url


def _measure_client(
    scenario: Scenario,
    client: str,
    server: NginxServer,
    requests: int,
    warmup: int,
    options: SuiteOptions,
) -> dict[str, Any]:
    """One runner's record, with what nginx counted meanwhile."""
    before = server.counters()
    record = run_runner(
        scenario,
        client,
        scenario_base_url(scenario, server),
        requests,
        warmup,
        options.pinning.client_cpu,
        time_limit_s=scenario.time_limit(options.quick),
        body_size=scenario.size(options.quick),
        ca_file=server.ca_file if scenario.tls else None,
    )
    record.update(server_counts(scenario, before, server.counters()))
    return record


def server_counts(
    scenario: Scenario, before: ServerCounters, after: ServerCounters
) -> dict[str, int]:
    """What nginx counted between two readings, as a record's ``server_*`` figures."""
    seen = after.since(before)
    counts = {"server_connections": seen.accepted, "server_requests": seen.requests}
    if scenario.path == UPLOAD_PATH:
        counts["server_upload_bytes"] = seen.upload_bytes
    if scenario.tls:
        counts["server_tls_connections"] = seen.tls_connections
        counts["server_tls_resumed"] = seen.tls_resumed
    return counts


def _measure_scenario(
    scenario: Scenario, server: NginxServer, options: SuiteOptions
) -> dict[str, Any]:
    """Every repetition of one scenario: runner records per client, wrk's per run."""
    quick = options.quick
    requests = options.requests or scenario.request_count(quick)
    warmup = options.warmup if options.warmup is not None else scenario.warmup_count(quick)
    repetitions = options.repetition_count(scenario)
    time_limit = scenario.time_limit(quick)
    peers = options.peers_of(scenario)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in peers}
    reference_runs: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    seconds = QUICK_WRK_SECONDS if quick else WRK_SECONDS
    reference = scenario.reference
    binary = options.references.get(reference.tool) if reference else None
    width = max((len(name) for name in [*peers, reference.tool if reference else ""]), default=10)
    unit = scenario.unit
    mb = unit == "MB/s"
    then = ""
    if reference is not None and binary is not None:
        then = f", then {reference.label()}" + ("" if mb else f" for {seconds:g} s")
    options.progress(
        f"== {scenario.name}: {requests} requests (+{warmup} warm-up) per run"
        + (f" at concurrency {scenario.concurrency}" if scenario.concurrency > 1 else "")
        + (f", no new request after {time_limit:g} s" if time_limit is not None else "")
        + f", {repetitions} repetition(s), peers interleaved: {', '.join(peers)}{then}"
    )
    sequence = 0
    for repetition in range(1, repetitions + 1):
        for name in peers:
            sequence += 1
            try:
                record = _measure_client(scenario, name, server, requests, warmup, options)
            except SuiteError as exc:
                failures.append(_failure(name, repetition, sequence, exc))
                options.progress(
                    f"  [{repetition}/{repetitions}] {name:<{width}} FAILED: "
                    f"{failures[-1]['error']}"
                )
                continue
            record["repetition"] = repetition
            record["sequence"] = sequence
            runs[name].append(record)
            options.progress(
                f"  [{repetition}/{repetitions}] {name:<{width}} {_rate_text(record, unit)}"
                + (
                    f"  ({record['requests']:,} requests in the time limit)"
                    if record["requests"] < requests
                    else ""
                )
            )
        if reference is None or binary is None:
            continue
        label = reference.tool
        try:
            before = server.counters()
            figures = run_reference(
                reference,
                binary,
                scenario_base_url(scenario, server) + scenario.path,
                seconds,
                scenario.size(quick),
                requests,
                warmup,
            )
            figures.update(server_counts(scenario, before, server.counters()))
        except ToolError as exc:
            failures.append(_failure(label, repetition, sequence, exc))
            options.progress(f"  [{repetition}/{repetitions}] {label:<{width}} FAILED")
            continue
        reference_runs.append(figures)
        options.progress(
            f"  [{repetition}/{repetitions}] {label:<{width}} {_rate_text(figures, unit)}"
        )
    described: dict[str, Any] | None = None
    if reference is not None:
        tool = TOOLS[reference.tool]
        described = {
            "name": reference.tool,
            "label": reference.label(),
            "available": binary is not None,
            "version": tool.version(binary) if binary else None,
            "seconds": None if mb else seconds,
            "transfers": requests if mb else None,
            "install": tool.install_command,
            "runs": reference_runs,
        }
    return {
        "description": scenario.description,
        "workload": scenario.workload,
        "path": scenario.path,
        "body_size": scenario.size(quick),
        "unit": scenario.unit,
        "concurrency": scenario.concurrency,
        "connection_per_request": scenario.connection_per_request,
        "tls": scenario.tls,
        "sweep": scenario.sweep,
        "requests": requests,
        "warmup": warmup,
        "time_limit_s": time_limit,
        "repetitions": repetitions,
        "peers": peers,
        "left_out": [name for name in scenario.peers if name not in peers],
        "clients": {name: {"runs": records} for name, records in runs.items()},
        "reference": described,
        "failures": failures,
    }


def run_suite(options: SuiteOptions) -> dict[str, Any]:
    """Start nginx, measure every selected scenario, stop nginx; return the raw results.

    Raises ``MissingDependency`` before starting anything when a peer is missing,
    ``ServerError`` when nginx fails. A run that fails (a runner's error, a reference's) is
    recorded under its scenario's ``failures`` and the others go on; see
    ``failed_runs``.
    """
    check_clients(options)
    pin_current_process(options.pinning.client_cpu)
    started = dt.datetime.now(dt.timezone.utc)
    large_size = max(
        (scenario.large_size_in(options.quick) for scenario in options.scenarios), default=0
    )
    results: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "created": started.isoformat(timespec="seconds"),
        "command": options.command,
        "selection": options.selection,
        "mode": "quick" if options.quick else "full",
        "machine": machine_info(),
        "pinning": options.pinning.to_dict(),
        "source": source_revision(),
        "scenarios": {},
    }
    tls = any(scenario.tls for scenario in options.scenarios)
    with running_nginx(
        options.nginx, cpu=options.pinning.server_cpu, large_size=large_size, tls=tls
    ) as server:
        results["server"] = {
            "name": "nginx",
            "version": server.version,
            "worker_processes": 1,
            "keepalive_requests": server.config.keepalive_requests,
            "worker_connections": server.config.worker_connections,
            "worker_cpus": _worker_cpus(server),
        }
        options.progress(f"nginx {server.version} on {server.base_url}")
        busy = results["machine"]["busy_before"]
        if busy is not None:
            options.progress(f"machine busy before the run: {busy:.0%} of all cores")
        options.progress(options.pinning.describe())
        for scenario in options.scenarios:
            results["scenarios"][scenario.name] = _measure_scenario(scenario, server, options)
    results["machine"]["load_average_after"] = list(os.getloadavg())
    results["duration_s"] = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    return results


def failed_runs(results: dict[str, Any]) -> int:
    """How many runs of a results document failed."""
    return sum(len(scenario.get("failures", [])) for scenario in results["scenarios"].values())


def _worker_cpus(server: NginxServer) -> list[list[int]]:
    """The cores each nginx worker may run on, read back to confirm the pinning."""
    cpus = []
    for pid in server.worker_pids():
        try:
            cpus.append(sorted(os.sched_getaffinity(pid)))
        except OSError:
            continue
    return cpus
