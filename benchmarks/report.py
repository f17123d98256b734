"""Results: summaries and ratios, the Markdown report, results files, comparisons.

A results file is the JSON document ``suite.run_suite`` returns, with the summaries,
ratios and sweeps this module adds: one per run, under ``benchmarks/results/``, named
after the time of the run, so that any two can be compared with
``python -m benchmarks compare A.json B.json``.

Ratios compare each variant of darter (``darter``, ``darter-asyncio``,
``darter-trio``...) with every other peer driven by the same event loop (a sync
client with the sync ones, ``darter-trio`` with ``httpx-trio``...), and with the C
reference (wrk, h2load or curl).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .memory import VMHWM
from .stats import Summary, ratio, summarize
from .sweeps import add_sweeps, render_sweeps

SUBJECT = "darter"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
# A figure whose (max - min) / median exceeds this is flagged as noisy.
NOISY_SPREAD = 0.10
# Above either of these before a run, the report warns that the machine was busy.
BUSY_LOAD = 0.5
BUSY_FRACTION = 0.10

_CLIENT_FIGURES = (
    "req_per_s",
    "cpu_us_per_req",
    "latency_p50_us",
    "latency_p99_us",
    "peak_rss_mb",
)
# Figures summarized only when every run has them (older results files lack them).
# What nginx counted around a run (the TLS ones only over TLS).
_SERVER_FIGURES = (
    "server_connections",
    "server_requests",
    "server_tls_connections",
    "server_tls_resumed",
)
_OPTIONAL_FIGURES = ("requests", "mb_per_s", *_SERVER_FIGURES)
_REFERENCE_FIGURES = ("req_per_s", "cpu_us_per_req", "latency_p50_us", "latency_p99_us")


def is_subject(client: str) -> bool:
    """Whether ``client`` is darter or one of its variants (``darter-trio``...)."""
    return client == SUBJECT or client.startswith(SUBJECT + "-")


# ---------------------------------------------------------------------------
# summaries


def _figure(record: Mapping[str, Any], name: str) -> float:
    if name == "peak_rss_mb":
        return float(record["peak_rss_kb"]) / 1024.0
    return float(record[name])


def summarize_runs(runs: Iterable[Mapping[str, Any]], figures: Iterable[str]) -> dict[str, Any]:
    """Median and min/max of each figure over the runs (as plain dictionaries)."""
    runs = list(runs)
    return {name: summarize([_figure(run, name) for run in runs]).to_dict() for name in figures}


def add_summaries(results: dict[str, Any]) -> dict[str, Any]:
    """Add each client's summary, the reference's, darter's ratios and the sweeps.

    Returns ``results``, changed in place.
    """
    for scenario in results["scenarios"].values():
        for data in scenario["clients"].values():
            runs = data["runs"]
            if runs:
                figures = list(_CLIENT_FIGURES)
                figures += [name for name in _OPTIONAL_FIGURES if all(name in r for r in runs)]
                data["summary"] = summarize_runs(runs, figures)
                data["version"] = runs[0].get("version", "unknown")
                data["api"] = runs[0].get("api", "")
                data["loop"] = runs[0].get("loop", "sync")
                data["loop_version"] = runs[0].get("loop_version", data["loop"])
        reference = scenario.get("reference")
        if reference and reference["runs"]:
            runs = reference["runs"]
            figures = list(_REFERENCE_FIGURES)
            figures += [name for name in _OPTIONAL_FIGURES if all(name in r for r in runs)]
            reference["summary"] = summarize_runs(runs, figures)
        scenario["ratios"] = _ratios(scenario)
    add_sweeps(results)
    return results


def _median(summary: Mapping[str, Any] | None, figure: str) -> float | None:
    if not summary:
        return None
    return float(summary[figure]["median"])


def _ratios(scenario: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Each darter variant's median req/s and CPU per request divided by each peer's.

    ``{subject: {peer: {"req_per_s": r, "cpu_per_req": r}}}``, with the peers on the
    subject's event loop, then the reference.
    """
    clients = {name: data for name, data in scenario["clients"].items() if data.get("summary")}
    reference = scenario.get("reference") or {}
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for subject, data in clients.items():
        if not is_subject(subject):
            continue
        others: dict[str, Mapping[str, Any]] = {
            name: other["summary"]
            for name, other in clients.items()
            if not is_subject(name) and other.get("loop", "sync") == data.get("loop", "sync")
        }
        if reference.get("summary"):
            others[reference["name"]] = reference["summary"]
        out[subject] = {
            name: {
                "req_per_s": _safe_ratio(
                    _median(data["summary"], "req_per_s"), _median(summary, "req_per_s")
                ),
                "cpu_per_req": _safe_ratio(
                    _median(data["summary"], "cpu_us_per_req"),
                    _median(summary, "cpu_us_per_req"),
                ),
            }
            for name, summary in others.items()
        }
    return out


def _safe_ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None:
        return None
    return ratio(numerator, denominator)


# ---------------------------------------------------------------------------
# formatting


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def _fmt_us(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _fmt_range(summary: Mapping[str, Any], fmt: Any) -> str:
    return f"{fmt(summary['median'])} [{fmt(summary['min'])}-{fmt(summary['max'])}]"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def render_markdown(results: Mapping[str, Any]) -> str:
    """The whole run as Markdown: tables per scenario, then each sweep's."""
    lines: list[str] = [f"# darter benchmarks — {results['created']} ({results['mode']} mode)", ""]
    machine = results["machine"]
    server = results.get("server", {})
    lines += [
        f"- Python {machine['python']} ({machine['implementation']}), {machine['platform']}",
        f"- CPU: {machine['cpu_model']}, {machine['cpu_count']} cores; "
        f"load average before the run: {machine['load_average_before'][0]:.2f}"
        + (
            f", {machine['busy_before']:.0%} busy"
            if machine.get("busy_before") is not None
            else ""
        ),
        f"- server: nginx {server.get('version', '?')}, 1 worker"
        + (
            f" ({server['worker_connections']:,} connections)"
            if server.get("worker_connections")
            else ""
        )
        + ", keep-alive, access log off",
        f"- {_describe_pinning(results['pinning'])}",
    ]
    source = results.get("source")
    if source:
        lines.append(
            f"- source: commit {source['commit'][:12]}"
            + (" with uncommitted changes" if source.get("modified") else "")
        )
    lines.append("")
    for name, scenario in results["scenarios"].items():
        lines += _render_scenario(name, scenario)
    lines += render_sweeps(results)
    lines += _render_load_warning(machine)
    return "\n".join(lines).rstrip() + "\n"


def _describe_pinning(pinning: Mapping[str, Any]) -> str:
    if pinning.get("server_cpu") is None:
        return f"CPU pinning: off ({pinning.get('reason', '')})"
    same = pinning["server_cpu"] == pinning["client_cpu"]
    return (
        f"CPU pinning: nginx on CPU {pinning['server_cpu']}, clients on CPU "
        f"{pinning['client_cpu']}" + (" (same core)" if same else " (different cores)")
    )


def _render_scenario(name: str, scenario: Mapping[str, Any]) -> list[str]:
    lines = [f"## {name}", "", _intro(scenario), ""]
    counted = any(
        "server_connections" in data.get("summary", {}) for data in scenario["clients"].values()
    )
    lines += _client_table(scenario, counted)
    reference = scenario.get("reference")
    if reference and not reference.get("available"):
        name = reference.get("name", "wrk")
        install = reference.get("install", f"sudo apt-get install -y {name}")
        lines += [
            f"{name} is not installed, so there is no C ceiling for this scenario (`{install}`).",
            "",
        ]
    lines += _ratio_table(scenario)
    lines += _render_notes(scenario)
    lines += _render_noise(scenario)
    return lines


def _intro(scenario: Mapping[str, Any]) -> str:
    """The scenario's sentence: what, how many requests, how many repetitions."""
    description = scenario["description"]
    warmups = [
        run.get("warmup", scenario["warmup"])
        for data in scenario["clients"].values()
        for run in data["runs"]
    ]
    warmup = max(warmups, default=scenario["warmup"])
    limit = scenario.get("time_limit_s")
    return (
        f"{description[:1].upper()}{description[1:]}: {scenario['requests']:,} measured "
        f"requests (+{warmup:,} warm-up) per run"
        + (f", no new request after {limit:g} s" if limit is not None else "")
        + f", {_plural(scenario['repetitions'], 'repetition')}, peers interleaved."
    )


def _client_label(client: str, data: Mapping[str, Any]) -> str:
    loop = data.get("loop", "sync")
    on = "" if loop == "sync" else f", {data.get('loop_version', loop)}"
    return f"{client} {data.get('version', '')} (`{data.get('api', '')}`{on})"


def _rate(scenario: Mapping[str, Any], summary: Mapping[str, Any]) -> Mapping[str, Any]:
    """The throughput a table shows: MB/s for the transfers (when recorded), else req/s."""
    transfer = scenario.get("unit") == "MB/s" and "mb_per_s" in summary
    rate: Mapping[str, Any] = summary["mb_per_s" if transfer else "req_per_s"]
    return rate


def _unit(scenario: Mapping[str, Any]) -> str:
    """The throughput's name: ``req/s``, ``MB/s`` or ``connections/s`` (= req/s)."""
    unit: str = scenario.get("unit") or "req/s"
    return unit


def _client_table(scenario: Mapping[str, Any], counted: bool) -> list[str]:
    """The figures table: one row per client, then the reference's."""
    unit = _unit(scenario)
    lines = [
        f"| client | {unit} median [min-max] | CPU µs/request median [min-max] "
        "| p50 latency µs | p99 latency µs | peak RSS MB |"
        + (" connections |" if counted else ""),
        "|---|---:|---:|---:|---:|---:|" + ("---:|" if counted else ""),
    ]
    for client, data in scenario["clients"].items():
        summary = data.get("summary")
        if not summary:
            continue
        connections = ""
        if counted:
            value = summary.get("server_connections")
            connections = f" {value['median']:,.0f} |" if value else " — |"
        lines.append(
            f"| {_client_label(client, data)} | {_fmt_range(_rate(scenario, summary), _fmt_rate)} "
            f"| {_fmt_range(summary['cpu_us_per_req'], _fmt_us)} "
            f"| {_fmt_us(summary['latency_p50_us']['median'])} "
            f"| {_fmt_us(summary['latency_p99_us']['median'])} "
            f"| {summary['peak_rss_mb']['median']:.1f} |{connections}"
        )
    reference = scenario.get("reference")
    if reference and reference.get("summary"):
        summary = reference["summary"]
        seconds = reference.get("seconds")
        how = (
            f"{seconds:g} s"
            if seconds is not None
            else _plural(int(reference.get("transfers") or 0), "transfer")
        )
        lines.append(
            f"| *reference (C):* `{reference['label']}`, {how} "
            f"| {_fmt_range(_rate(scenario, summary), _fmt_rate)} "
            f"| {_fmt_range(summary['cpu_us_per_req'], _fmt_us)} "
            f"| {_fmt_us(summary['latency_p50_us']['median'])} "
            f"| {_fmt_us(summary['latency_p99_us']['median'])} | — |" + (" — |" if counted else "")
        )
    lines.append("")
    return lines


def _ratio_table(scenario: Mapping[str, Any]) -> list[str]:
    """darter's ratios: each variant against the peers on its event loop, and the C one."""
    ratios = scenario.get("ratios") or {}
    if not any(ratios.values()):
        return []
    reference = scenario.get("reference") or {}
    # Every client moves the same bytes per request: the req/s ratio is the MB/s one.
    unit = _unit(scenario)
    lines = [
        f"{SUBJECT} relative to each peer on the same event loop and to the reference "
        f"(ratio of medians; {unit} > 1 means {SUBJECT} is faster, CPU/request < 1 means "
        f"{SUBJECT} spends less CPU per request):",
        "",
        f"| comparison | {unit} ratio | CPU/request ratio |",
        "|---|---:|---:|",
    ]
    for subject, peers in ratios.items():
        for other, values in peers.items():
            label = (
                f"{reference['label']} (C ceiling)"
                if reference and other == reference.get("name")
                else other
            )
            lines.append(
                f"| {subject} vs {label} | {_fmt_ratio(values['req_per_s'])} "
                f"| {_fmt_ratio(values['cpu_per_req'])} |"
            )
    lines.append("")
    return lines


def _render_notes(scenario: Mapping[str, Any]) -> list[str]:
    """What the reader must know: runs failed, clients left out, cut short, reconnecting."""
    notes = []
    failures = scenario.get("failures") or []
    if failures:
        listed = "; ".join(
            f"{failure['client']} (repetition {failure['repetition']}): {failure['error']}"
            for failure in failures
        )
        notes.append(f"Failed runs, not counted: {listed}.")
    left_out = scenario.get("left_out") or []
    notes += _listing_note("Not measured in this run", left_out)
    short = []
    pool = int(scenario.get("concurrency", 1))
    churn = []
    per_request = bool(scenario.get("connection_per_request"))
    for client, data in scenario["clients"].items():
        summary = data.get("summary", {})
        made = summary.get("requests")
        if made and made["min"] < scenario["requests"]:
            short.append(f"{client} ({made['median']:,.0f})")
        connections = summary.get("server_connections")
        if per_request:
            continue
        if connections and connections["max"] > pool:
            most = (
                f", up to {connections['max']:,.0f}"
                if connections["max"] != connections["median"]
                else ""
            )
            churn.append(f"{client} ({connections['median']:,.0f}{most})")
    notes += _listing_note(
        f"Cut short by the time limit (median requests made per run, out of "
        f"{scenario['requests']:,})",
        short,
    )
    notes += _listing_note(
        f"Opened more connections than the {_plural(pool, 'connection')} the work "
        "needs (per run, warm-up included: median, and the most)",
        churn,
    )
    if per_request:
        notes += _reuse_note(scenario)
    notes += _tls_resumption_note(scenario)
    notes += _rss_source_note(scenario)
    notes += _short_upload_note(scenario)
    return [line for note in notes for line in (note, "")]


def _listing_note(lead: str, items: list[str]) -> list[str]:
    """``lead: a, b, c.`` as the one note in a list, or no note when ``items`` is empty."""
    return [f"{lead}: {', '.join(items)}."] if items else []


def _short_upload_note(scenario: Mapping[str, Any]) -> list[str]:
    """The clients whose uploads did not all reach nginx whole: their MB/s is wrong.

    nginx counts the bytes it read of each upload (``server_upload_bytes`` per run,
    warm-up included, request heads too), which must be at least the bodies sent.
    """
    size = int(scenario.get("body_size", 0))
    short = []
    for client, data in scenario["clients"].items():
        for run in data["runs"]:
            received = run.get("server_upload_bytes")
            expected = size * (run["requests"] + run.get("warmup", 0))
            if received is not None and received < expected:
                short.append(f"{client} ({received / expected:.0%})")
                break
    return _listing_note(
        "Uploads that did not reach the server whole (bytes nginx read, as a share of "
        "the bodies of a run; their MB/s is not what they sent)",
        short,
    )


def _rss_source_note(scenario: Mapping[str, Any]) -> list[str]:
    """The clients whose peak RSS is ``ru_maxrss``: no ``/proc`` where they ran.

    That figure counts the peak of the process that started the runner, so it reads
    too high. (Older results files do not say where the figure came from.)
    """
    inherited = [
        client
        for client, data in scenario["clients"].items()
        if any(run.get("peak_rss_source", VMHWM) != VMHWM for run in data["runs"])
    ]
    return _listing_note(
        "Peak RSS read from `ru_maxrss` (no `/proc/self/status` here), which starts "
        "from the peak of the suite that started the runner",
        inherited,
    )


def _reuse_note(scenario: Mapping[str, Any]) -> list[str]:
    """The clients that kept a connection for more than one request when told not to.

    Each of their runs should open one connection per request, warm-up included.
    """
    reused = []
    for client, data in scenario["clients"].items():
        short = [
            run
            for run in data["runs"]
            if "server_connections" in run
            and run["server_connections"] < run["requests"] + run.get("warmup", 0)
        ]
        if short:
            fewest = min(run["server_connections"] for run in short)
            reused.append(f"{client} (as few as {fewest:,})")
    return _listing_note(
        "Sent more than one request on a connection, where every request should have "
        "opened a connection of its own (connections per run)",
        reused,
    )


def _tls_resumption_note(scenario: Mapping[str, Any]) -> list[str]:
    """How many of each client's TLS connections resumed a session, when it opened many.

    nginx logs whether each TLS handshake resumed a session; with a single connection
    per run there is nothing to resume, and nothing is said.
    """
    counts = []
    reference = scenario.get("reference") or {}
    summaries = [(client, data.get("summary", {})) for client, data in scenario["clients"].items()]
    if reference.get("summary"):
        summaries.append((reference["name"], reference["summary"]))
    for client, summary in summaries:
        connections = summary.get("server_tls_connections")
        resumed = summary.get("server_tls_resumed")
        if connections and resumed:
            counts.append((client, resumed["median"], connections["median"]))
    if not any(total > 1 for _, _, total in counts):
        return []
    listed = ", ".join(f"{client} {done:,.0f} of {total:,.0f}" for client, done, total in counts)
    return [
        "TLS connections whose handshake resumed an earlier session (nginx's "
        f"`$ssl_session_reused`; per run, warm-up included, median): {listed}."
    ]


def _render_noise(scenario: Mapping[str, Any]) -> list[str]:
    noisy = []
    for client, data in scenario["clients"].items():
        for figure in ("req_per_s", "cpu_us_per_req"):
            summary = data.get("summary", {}).get(figure)
            if summary and Summary.from_dict(summary).spread > NOISY_SPREAD:
                spread = Summary.from_dict(summary).spread
                noisy.append(f"{client} {figure} ({spread:.0%})")
    if not noisy:
        return []
    return [
        f"Noisy (min-max spread over {NOISY_SPREAD:.0%} of the median): " + ", ".join(noisy) + ".",
        "",
    ]


def _render_load_warning(machine: Mapping[str, Any]) -> list[str]:
    load = machine["load_average_before"][0]
    busy = machine.get("busy_before")
    if load < BUSY_LOAD and (busy is None or busy < BUSY_FRACTION):
        return []
    measured = "" if busy is None else f", {busy:.0%} of all cores busy in the second before"
    return [
        f"Warning: the machine was busy before the run (1-minute load average {load:.2f}"
        f"{measured}); other processes compete for the cores and the figures are noisier.",
        "",
    ]


# ---------------------------------------------------------------------------
# files


def results_stem(results: Mapping[str, Any]) -> str:
    """``YYYYmmdd-HHMMSS-<scenario, sweep or all>[-quick]``, from the run's start time."""
    created = dt.datetime.fromisoformat(results["created"])
    scenarios = list(results["scenarios"])
    what = results.get("selection") or (scenarios[0] if len(scenarios) == 1 else "all")
    suffix = "-quick" if results["mode"] == "quick" else ""
    return f"{created:%Y%m%d-%H%M%S}-{what}{suffix}"


def save(results: Mapping[str, Any], directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    """Write the results JSON and the Markdown report; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = results_stem(results)
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(results), encoding="utf-8")
    return json_path, md_path


def load(path: Path) -> dict[str, Any]:
    """Read a results file; raises ``ValueError`` when it is not one."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "scenarios" not in data or "schema" not in data:
        raise ValueError(f"{path} is not a benchmark results file")
    return data


# ---------------------------------------------------------------------------
# comparison


def _change(before: float, after: float) -> str:
    if before == 0:
        return "—"
    return f"{(after - before) / before:+.1%}"


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return float(a["min"]) <= float(b["max"]) and float(b["min"]) <= float(a["max"])


def _compare_figure(a: Mapping[str, Any], b: Mapping[str, Any], figure: str, fmt: Any) -> str:
    sa, sb = a[figure], b[figure]
    note = " (within noise)" if _overlap(sa, sb) else ""
    return f"{fmt(sa['median'])} → {fmt(sb['median'])} {_change(sa['median'], sb['median'])}{note}"


def _settings_differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    notes = []
    if a["mode"] != b["mode"]:
        notes.append(f"mode differs ({a['mode']} vs {b['mode']})")
    if a["pinning"] != b["pinning"]:
        notes.append("CPU pinning differs")
    for key in ("cpu_model", "python", "platform"):
        if a["machine"].get(key) != b["machine"].get(key):
            notes.append(f"{key} differs")
    return notes


def _commit_of(results: Mapping[str, Any]) -> str:
    source = results.get("source")
    return f", commit {source['commit'][:12]}" if source else ""


def render_comparison(
    a: Mapping[str, Any], b: Mapping[str, Any], a_name: str = "A", b_name: str = "B"
) -> str:
    """Markdown: each figure's median in A → B, the change, and whether it is noise.

    A change is marked "within noise" when the min-max ranges of A and B overlap.
    """
    lines = [
        f"# Comparison: {a_name} → {b_name}",
        "",
        f"- A: {a['created']} ({a['mode']} mode{_commit_of(a)})",
        f"- B: {b['created']} ({b['mode']} mode{_commit_of(b)})",
    ]
    for note in _settings_differences(a, b):
        lines.append(f"- Warning: {note}; the comparison may not be meaningful.")
    lines.append("")
    common = [name for name in a["scenarios"] if name in b["scenarios"]]
    if not common:
        lines.append("The two runs have no scenario in common.")
    for name in common:
        sa, sb = a["scenarios"][name], b["scenarios"][name]
        lines += [
            f"## {name}",
            "",
            "| client | req/s | CPU µs/request | p50 latency µs | p99 latency µs |",
            "|---|---:|---:|---:|---:|",
        ]
        rows = _comparable_rows(sa, sb)
        for label, ra, rb in rows:
            lines.append(
                f"| {label} | {_compare_figure(ra, rb, 'req_per_s', _fmt_rate)} "
                f"| {_compare_figure(ra, rb, 'cpu_us_per_req', _fmt_us)} "
                f"| {_compare_figure(ra, rb, 'latency_p50_us', _fmt_us)} "
                f"| {_compare_figure(ra, rb, 'latency_p99_us', _fmt_us)} |"
            )
        only = sorted(set(sa["clients"]) ^ set(sb["clients"]))
        lines.append("")
        if only:
            lines += [f"Measured in one run only: {', '.join(only)}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _comparable_rows(
    sa: Mapping[str, Any], sb: Mapping[str, Any]
) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    rows = []
    for client, data in sa["clients"].items():
        other = sb["clients"].get(client)
        if data.get("summary") and other and other.get("summary"):
            version_a, version_b = data.get("version"), other.get("version")
            label = client if version_a == version_b else f"{client} {version_a}→{version_b}"
            rows.append((label, data["summary"], other["summary"]))
    ra, rb = sa.get("reference") or {}, sb.get("reference") or {}
    if ra.get("summary") and rb.get("summary"):
        rows.append((f"*{ra['label']}* (reference)", ra["summary"], rb["summary"]))
    return rows
